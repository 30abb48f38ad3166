/**
 * Terminal input and output for the CLI: prompts (hidden for passwords), stdin lines for
 * scripts, JSON, tables and sentences. Everything shown at a terminal is {@linkcode clean}: text
 * a server sent cannot act on the terminal.
 *
 * @module
 */
import { sys } from "./runtime.ts";
import { CliUsageError } from "./errors.ts";
import { spinner } from "./spinner.ts";
import { tableLines } from "./table.ts";
import { clean, jsonText, wrap } from "./text.ts";

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
 * Asks a question on stderr. `hidden` echoes nothing (passwords); other answers echo as they are
 * typed (codes, as npm's and gh's one-time-code prompts do). Without a terminal, the answer is
 * the next line of stdin, so scripts and tests can answer prompts.
 */
export async function prompt(
  question: string,
  options: { hidden?: boolean } = {},
): Promise<string> {
  if (!interactive()) return await readStdinLine(question.replace(/:\s*$/, "").toLowerCase());
  spinner.stop();
  const shown = encoder.encode(clean(question));
  if (!options.hidden) {
    await sys.stderr.write(shown);
    const line = await stdinLines.next();
    if (line === null) throw new CliUsageError("no answer given");
    return line;
  }
  // Echo off before the prompt shows: what is typed as soon as it appears is never echoed.
  sys.stdin.setRaw(true);
  try {
    await sys.stderr.write(shown);
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

/**
 * Asks a yes/no question at a terminal (no is the default); without a terminal, the answer is
 * no, and the caller says which flag says yes.
 */
export async function confirm(question: string): Promise<boolean> {
  if (!interactive()) return false;
  return /^y(es)?$/i.test((await prompt(`${question} [y/N] `)).trim());
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

/** A summary's line: a label and its value (left out when the value is undefined). */
export type Field = [label: string, value: string | number | boolean | null | undefined];

/** Where a command's results go: tables and sentences at a terminal, compact JSON elsewhere. */
export interface Output {
  /** True with `--json`: everything is compact JSON. */
  json: boolean;
  /** True with `--json` or when stdout is not a terminal: values and lists are JSON. */
  machine: boolean;
  /** A value: compact JSON, or indented JSON at a terminal. */
  data(value: unknown): void;
  /** A value as JSON for scripts, and as a summary of labelled lines at a terminal. */
  summary(value: unknown, fields: Field[]): void;
  /** A list: a table fitted to the terminal's width, compact JSON otherwise. */
  list<T>(rows: T[], columns: Column<T>[]): void;
  /** A sentence saying what was done (`{"message": ...}` as JSON). */
  done(sentence: string): void;
  /** A line for people only (not printed as JSON). */
  text(line: string): void;
  /** A warning on standard error (`warning: ...`), also with `--json`. */
  warn(line: string): void;
  /** A line on standard error beside the prompts (what a wrong answer was, what to do). */
  note(line: string): void;
}

function cell(value: unknown): string {
  if (value === undefined || value === null) return "-";
  return clean(typeof value === "object" ? JSON.stringify(value) : String(value));
}

/** The output of a command: `--json` makes all of it JSON; a pipe makes values and lists JSON. */
export function output(json: boolean): Output {
  const machine = json || !sys.stdout.isTerminal();
  const s = style(colour(sys.stdout));
  const say = (line: string) => {
    spinner.stop();
    console.log(line);
  };
  return {
    json,
    machine,
    data: (value) => say(machine ? jsonText(value) : jsonText(value, 2)),
    summary: (value, fields) => {
      if (machine) return say(jsonText(value));
      const shown = fields.filter(([, v]) => v !== undefined);
      const width = Math.max(...shown.map(([label]) => label.length));
      for (const [label, v] of shown) {
        say(`${s.dim(`${label}:`.padEnd(width + 1))} ${clean(v === null ? "-" : String(v))}`);
      }
    },
    list: (rows, columns) => {
      if (machine) return say(jsonText(rows));
      if (rows.length === 0) return say(s.dim("(none)"));
      const [heading, ...lines] = tableLines(
        columns.map(([h]) => h.toUpperCase()),
        rows.map((r) => columns.map(([, read]) => cell(read(r)))),
        sys.columns(),
      );
      say(s.bold(heading));
      for (const line of lines) say(line);
    },
    done: (sentence) => say(json ? jsonText({ message: sentence }) : clean(sentence)),
    text: (line) => {
      if (!json) say(clean(line, { lines: true }));
    },
    warn: (line) => {
      spinner.stop();
      console.error(`${style(colour(sys.stderr)).bold("warning:")} ${clean(line)}`);
    },
    note: (line) => {
      spinner.stop();
      const width = sys.stderr.isTerminal() ? sys.columns() : undefined;
      for (const part of width ? wrap(clean(line), width) : [clean(line)]) console.error(part);
    },
  };
}

/** Parses a JSON argument; `name` is how the error names it. */
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
