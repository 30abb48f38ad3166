/**
 * A spinner on standard error for waits: shown once something has taken half a second, only
 * when standard error is a terminal (never in a pipe or a log), and erased when the wait ends.
 *
 * @module
 */
import { sys } from "./runtime.ts";
import { clean, truncate } from "./text.ts";

const FRAMES = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏";
/** Waits shorter than this show nothing. */
const DELAY_MS = 500;
const FRAME_MS = 80;
const encoder = new TextEncoder();

/** The waits in progress, and the one line on stderr that shows the latest. */
export class Spinner {
  readonly #enabled: () => boolean;
  readonly #waits = new Map<number, { label: string; since: number }>();
  #next = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #frame = 0;
  #shown = false;

  /** `enabled` says whether to draw (default: standard error is a terminal). */
  constructor(enabled: () => boolean = () => sys.stderr.isTerminal()) {
    this.#enabled = enabled;
  }

  /** Starts a wait described by `label`; call what it returns when the wait is over. */
  start(label: string): () => void {
    const id = this.#next++;
    this.#waits.set(id, { label: clean(label), since: Date.now() });
    if (this.#enabled() && this.#timer === undefined) {
      this.#timer = setTimeout(() => this.#tick(), DELAY_MS);
    }
    return () => {
      if (!this.#waits.delete(id)) return;
      if (this.#waits.size === 0) this.stop();
    };
  }

  /** Runs `fn`, with a spinner labelled `label` while it takes longer than half a second. */
  async while<T>(label: string, fn: () => Promise<T>): Promise<T> {
    const done = this.start(label);
    try {
      return await fn();
    } finally {
      done();
    }
  }

  /** Erases the spinner and stops drawing until the next wait starts. */
  stop(): void {
    // Only when there is one: a first clearTimeout costs Deno milliseconds of start-up.
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#erase();
  }

  #erase(): void {
    if (!this.#shown) return;
    this.#shown = false;
    sys.stderr.writeSync(encoder.encode("\r\x1b[K"));
  }

  #tick(): void {
    const latest = [...this.#waits.values()].at(-1);
    if (!latest) return this.stop();
    const first = Math.min(...[...this.#waits.values()].map((w) => w.since));
    const seconds = Math.floor((Date.now() - first) / 1000);
    const frame = [...FRAMES][this.#frame++ % FRAMES.length];
    // One line, never wrapped: a carriage return could not take a wrapped line back.
    const line = truncate(
      `${latest.label}${seconds ? ` (${seconds} s)` : ""}`,
      (sys.columns() ?? 80) - 3,
    );
    sys.stderr.writeSync(encoder.encode(`\r${frame} ${line}\x1b[K`));
    this.#shown = true;
    this.#timer = setTimeout(() => this.#tick(), FRAME_MS);
  }
}

/** The CLI's spinner. */
export const spinner: Spinner = new Spinner();
