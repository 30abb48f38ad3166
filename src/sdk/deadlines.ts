/**
 * Per-attempt timeouts with one timer for all the attempts of a client, instead of a timer set and
 * cleared for each (which costs about a microsecond per call): the timer is armed for the earliest
 * deadline, and finished attempts are simply forgotten. While attempts are in flight the timer keeps
 * the process alive, as a timer of their own would; once none is, it is unref'd where the platform
 * can (Node, Bun, Deno), so a timer left armed never holds a process open, and cleared where it
 * cannot.
 *
 * Where timers belong to the request that set them (Cloudflare Workers: see
 * `request_scope.ts`), one timer cannot serve the attempts of several requests: the
 * runtime cancels it once the request that armed it is done, and the others would never time out.
 * There each attempt gets its own timer, cleared when it finishes.
 *
 * @module
 */
import { requestScopedTimers } from "./request_scope.ts";

/** One attempt in flight. */
export interface Deadline {
  /** Aborted when the deadline passes, or when every attempt is aborted. */
  readonly controller: AbortController;
  /** Set when the deadline passed (as opposed to an abort by the caller). */
  timedOut: boolean;
  /** `performance.now()` value after which the attempt is aborted. */
  readonly at: number;
  /** The attempt's own timer, where timers are per attempt. */
  timer?: Timer;
}

// setTimeout's longest delay; a longer wait is armed in steps.
const MAX_DELAY_MS = 2 ** 31 - 1;

/** What setTimeout returns: a handle with ref/unref in Node, Bun and Deno, a number in browsers. */
type Timer = ReturnType<typeof setTimeout> & { ref?: () => void; unref?: () => void };

/** Tracks the attempts in flight and aborts those that outlive their timeout. */
export class Deadlines {
  readonly #pending = new Set<Deadline>();
  /** A timer per attempt rather than one for all (where timers are request-scoped). */
  readonly #perAttempt: boolean;
  #timer: Timer | undefined;
  /** When the armed timer fires (Infinity: none is armed). */
  #timerAt = Infinity;

  /** `perAttempt`: a timer for each attempt; by default only where timers are request-scoped. */
  constructor(options: { perAttempt?: boolean } = {}) {
    this.#perAttempt = options.perAttempt ?? requestScopedTimers();
  }

  /** Starts tracking an attempt that may last `timeout` ms (`Infinity`: no limit). */
  start(timeout: number): Deadline {
    const deadline: Deadline = {
      controller: new AbortController(),
      timedOut: false,
      at: performance.now() + timeout,
    };
    this.#pending.add(deadline);
    if (this.#perAttempt) {
      // Beyond setTimeout's range (about 24.8 days) no request lives anyway: no timer.
      if (timeout <= MAX_DELAY_MS) {
        deadline.timer = setTimeout(() => this.#timeOut(deadline), Math.max(0, Math.ceil(timeout)));
      }
      return deadline;
    }
    if (deadline.at < this.#timerAt) this.#arm(deadline.at);
    else if (this.#pending.size === 1) this.#timer?.ref?.(); // busy again: hold the process
    return deadline;
  }

  /** Stops tracking a finished attempt. */
  finish(deadline: Deadline): void {
    this.#pending.delete(deadline);
    if (deadline.timer !== undefined) {
      clearTimeout(deadline.timer);
      deadline.timer = undefined;
    }
    if (this.#perAttempt || this.#pending.size > 0) return;
    // Idle: leave the timer armed but unref'd, or clear it where it cannot be unref'd.
    if (typeof this.#timer?.unref === "function") this.#timer.unref();
    else this.#arm(Infinity);
  }

  /** Aborts every attempt in flight. */
  abortAll(): void {
    for (const deadline of this.#pending) {
      clearTimeout(deadline.timer);
      deadline.controller.abort();
    }
    this.#pending.clear();
    this.#arm(Infinity);
  }

  /** Arms the timer for `at`, replacing any other; Infinity just clears it. */
  #arm(at: number): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = at;
    if (at === Infinity) return;
    const delay = Math.min(Math.max(0, Math.ceil(at - performance.now())), MAX_DELAY_MS);
    this.#timer = setTimeout(() => this.#expire(), delay);
  }

  #expire(): void {
    const now = performance.now();
    let next = Infinity;
    for (const deadline of this.#pending) {
      if (deadline.at <= now) this.#timeOut(deadline);
      else if (deadline.at < next) next = deadline.at;
    }
    this.#arm(next);
  }

  #timeOut(deadline: Deadline): void {
    this.#pending.delete(deadline);
    deadline.timer = undefined;
    deadline.timedOut = true;
    deadline.controller.abort();
  }
}
