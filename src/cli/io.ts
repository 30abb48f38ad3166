/**
 * Terminal input and output for the CLI: prompts (hidden for secrets), stdin lines for scripts,
 * JSON and sentence output.
 *
 * @module
 */
import { CliUsageError } from "./errors.ts";

const encoder = new TextEncoder();

/** Reads stdin line by line, keeping what was read ahead for the next prompt. */
class StdinLines {
  #reader?: ReadableStreamDefaultReader<string>;
  #buffer = "";
  #done = false;

  async next(): Promise<string | null> {
    this.#reader ??= Deno.stdin.readable.pipeThrough(new TextDecoderStream()).getReader();
    while (!this.#buffer.includes("\n") && !this.#done) {
      const { value, done } = await this.#reader.read();
      if (done) this.#done = true;
      else this.#buffer += value;
    }
    if (this.#buffer === "" && this.#done) return null;
    const end = this.#buffer.indexOf("\n");
    const line = end >= 0 ? this.#buffer.slice(0, end) : this.#buffer;
    this.#buffer = end >= 0 ? this.#buffer.slice(end + 1) : "";
    return line.replace(/\r$/, "");
  }
}

const stdinLines = new StdinLines();

/** Whether stdin is an interactive terminal. */
export function interactive(): boolean {
  return Deno.stdin.isTerminal();
}

/** Reads one line of stdin (for --password-stdin and piped answers). */
export async function readStdinLine(what: string): Promise<string> {
  const line = await stdinLines.next();
  if (line === null) {
    throw new CliUsageError(`expected ${what} on standard input, got end of input`);
  }
  return line;
}

/**
 * Asks a question on stderr. `hidden` echoes nothing (passwords, codes). Without a terminal,
 * the answer is the next line of stdin, so scripts and tests can answer prompts.
 */
export async function prompt(
  question: string,
  options: { hidden?: boolean } = {},
): Promise<string> {
  if (!interactive()) return await readStdinLine(question.replace(/:\s*$/, "").toLowerCase());
  await Deno.stderr.write(encoder.encode(question));
  if (!options.hidden) {
    const line = await stdinLines.next();
    if (line === null) throw new CliUsageError("no answer given");
    return line;
  }
  Deno.stdin.setRaw(true);
  try {
    let answer = "";
    const buf = new Uint8Array(64);
    for (;;) {
      const n = await Deno.stdin.read(buf);
      if (n === null) break;
      for (const byte of buf.subarray(0, n)) {
        if (byte === 3) { // Ctrl-C
          Deno.stdin.setRaw(false);
          await Deno.stderr.write(encoder.encode("\n"));
          Deno.exit(130);
        }
        if (byte === 13 || byte === 10) {
          await Deno.stderr.write(encoder.encode("\n"));
          return answer;
        }
        if (byte === 127 || byte === 8) answer = answer.slice(0, -1);
        else if (byte >= 32) answer += String.fromCharCode(byte);
      }
    }
    return answer;
  } finally {
    Deno.stdin.setRaw(false);
  }
}

/** How results are printed. */
export interface Output {
  /** Compact machine output. */
  json: boolean;
  /** Prints data as JSON: indented unless `--json`. */
  data(value: unknown): void;
  /** Prints an action's one-sentence result (`{"message": ...}` with `--json`). */
  done(sentence: string): void;
  /** Prints human text (skipped with `--json`). */
  text(line: string): void;
  /** Progress on stderr, only on a terminal. */
  progress(line: string): void;
}

/** Output to stdout, per `--json`. */
export function output(json: boolean): Output {
  return {
    json,
    data: (value) => console.log(json ? JSON.stringify(value) : JSON.stringify(value, null, 2)),
    done: (sentence) => console.log(json ? JSON.stringify({ message: sentence }) : sentence),
    text: (line) => {
      if (!json) console.log(line);
    },
    progress: (line) => {
      if (Deno.stderr.isTerminal()) console.error(line);
    },
  };
}

/** Parses a JSON argument, naming the argument when it is not valid JSON (or not an object). */
export function jsonArgument(
  value: string,
  name: string,
  options: { object?: boolean } = {},
): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (err) {
    throw new CliUsageError(`${name} is not valid JSON (${(err as Error).message})`);
  }
  if (options.object && (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))) {
    throw new CliUsageError(`${name} must be a JSON object, like '{"key": "value"}'`);
  }
  return parsed;
}
