/**
 * Terminal input and output for the CLI: prompts (hidden for secrets), stdin lines for scripts,
 * JSON and sentence output.
 *
 * @module
 */
import { sys } from "./runtime.ts";
import { CliUsageError } from "./errors.ts";

const encoder = new TextEncoder();

/** Reads stdin line by line, keeping what was read ahead for the next prompt. */
class StdinLines {
  #buffer = "";
  readonly #decoder = new TextDecoder();
  #done = false;

  async next(): Promise<string | null> {
    while (!this.#buffer.includes("\n") && !this.#done) {
      const bytes = await sys.stdin.read();
      if (bytes === null) this.#done = true;
      else this.#buffer += this.#decoder.decode(bytes, { stream: true });
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
  return sys.stdin.isTerminal();
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
  await sys.stderr.write(encoder.encode(question));
  if (!options.hidden) {
    const line = await stdinLines.next();
    if (line === null) throw new CliUsageError("no answer given");
    return line;
  }
  sys.stdin.setRaw(true);
  try {
    // Bytes are decoded as UTF-8 as they come (a character may span two reads), so that a
    // password typed as "pässwörd" is the same password everywhere else.
    const decoder = new TextDecoder();
    let answer = "";
    for (;;) {
      const bytes = await sys.stdin.read();
      if (bytes === null) break;
      for (const char of decoder.decode(bytes, { stream: true })) {
        if (char === "\u0003") { // Ctrl-C
          sys.stdin.setRaw(false);
          await sys.stderr.write(encoder.encode("\n"));
          sys.exit(130);
        }
        if (char === "\r" || char === "\n") {
          await sys.stderr.write(encoder.encode("\n"));
          return answer;
        }
        if (char === "\u007f" || char === "\b") answer = [...answer].slice(0, -1).join("");
        else if (char >= " ") answer += char;
      }
    }
    return answer;
  } finally {
    sys.stdin.setRaw(false);
  }
}

/** Whether to colour output on this stream: a terminal, and no `NO_COLOR` (no-color.org). */
export function colour(stream: { isTerminal(): boolean }): boolean {
  return stream.isTerminal() && !sys.env("NO_COLOR");
}

/** ANSI styles, applied only where {@linkcode colour} says so. */
export function style(on: boolean) {
  const wrap = (code: string) => (text: string) => (on ? `\x1b[${code}m${text}\x1b[0m` : text);
  return { bold: wrap("1"), dim: wrap("2"), red: wrap("31"), green: wrap("32"), cyan: wrap("36") };
}

/** A column of a table: its heading and how to read a cell from a row. */
export type Column<T> = [heading: string, cell: (row: T) => unknown];

/** Where a command's results go: tables and sentences at a terminal, compact JSON elsewhere. */
export interface Output {
  /** True with `--json`: everything is compact JSON. */
  json: boolean;
  /** A value: compact JSON, or indented JSON at a terminal. */
  data(value: unknown): void;
  /** A list: a table at a terminal, compact JSON otherwise. */
  list<T>(rows: T[], columns: Column<T>[]): void;
  /** A sentence saying what was done (`{"message": ...}` as JSON). */
  done(sentence: string): void;
  /** A line for people only (not printed as JSON). */
  text(line: string): void;
  /** Progress on standard error, only at a terminal. */
  progress(line: string): void;
}

function cell(value: unknown): string {
  if (value === undefined || value === null) return "-";
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

/** The output of a command: `--json` makes all of it JSON; a pipe makes values and lists JSON. */
export function output(json: boolean): Output {
  const machine = json || !sys.stdout.isTerminal();
  const s = style(colour(sys.stdout));
  return {
    json,
    data: (value) => console.log(machine ? JSON.stringify(value) : JSON.stringify(value, null, 2)),
    list: (rows, columns) => {
      if (machine) return console.log(JSON.stringify(rows));
      if (rows.length === 0) return console.log(s.dim("(none)"));
      const cells = rows.map((r) => columns.map(([, read]) => cell(read(r))));
      const widths = columns.map(([h], i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
      const line = (parts: string[]) =>
        parts.map((p, i) => p.padEnd(widths[i])).join("  ").trimEnd();
      console.log(s.bold(line(columns.map(([h]) => h.toUpperCase()))));
      for (const row of cells) console.log(line(row));
    },
    done: (sentence) => console.log(json ? JSON.stringify({ message: sentence }) : sentence),
    text: (line) => {
      if (!json) console.log(line);
    },
    progress: (line) => {
      if (sys.stderr.isTerminal()) console.error(line);
    },
  };
}

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
