/**
 * Text for a terminal: what is safe to show of text a server sent, how wide it is on the screen,
 * and how to cut and wrap it to the terminal's width.
 *
 * @module
 */

// C0 controls (but newline), DEL, C1 controls, and the bidirectional overrides that reorder what
// is shown: a terminal acts on them (titles, the clipboard through OSC 52, erasing the screen).
// deno-lint-ignore no-control-regex
const CONTROLS = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
// deno-lint-ignore no-control-regex
const CONTROLS_AND_NEWLINES = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/**
 * `text` with every control character replaced by `�`, so that a terminal shows it and acts on
 * none of it. Newlines are kept only with `{ lines: true }`; a tab is a space.
 *
 * @example
 * ```ts
 * import { clean } from "./text.ts";
 * clean("agent\x1b]0;pwned\x07"); // "agent�]0;pwned�"
 * ```
 */
export function clean(text: string, options: { lines?: boolean } = {}): string {
  return text.replace(
    options.lines ? CONTROLS : CONTROLS_AND_NEWLINES,
    (c) => (c === "\t" ? " " : "\ufffd"),
  );
}

/** Compact or indented JSON in which DEL and C1 controls are escaped too (JSON escapes C0). */
export function jsonText(value: unknown, indent?: number): string {
  return (JSON.stringify(value, null, indent) ?? "null").replace(
    /[\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/** Columns a code point takes: 0 for combining marks, 2 for wide (East Asian, emoji), else 1. */
function charWidth(cp: number): number {
  if (
    (cp >= 0x300 && cp <= 0x36f) || (cp >= 0x200b && cp <= 0x200f) ||
    (cp >= 0xfe00 && cp <= 0xfe0f)
  ) return 0;
  if (
    (cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x1f300 && cp <= 0x1faff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  ) return 2;
  return 1;
}

// Printable ASCII: one column a character (most text, all of the help).
const ASCII = /^[\x20-\x7e]*$/;

/** How many columns `text` (already {@linkcode clean}, one line) takes on the screen. */
export function displayWidth(text: string): number {
  if (ASCII.test(text)) return text.length;
  let width = 0;
  for (const char of text) width += charWidth(char.codePointAt(0)!);
  return width;
}

/** `text` cut to at most `width` columns, ending in `…` when something was cut. */
export function truncate(text: string, width: number): string {
  if (displayWidth(text) <= width) return text;
  let out = "";
  let used = 0;
  for (const char of text) {
    const w = charWidth(char.codePointAt(0)!);
    if (used + w > width - 1) break;
    out += char;
    used += w;
  }
  return `${out}…`;
}

/** `text` padded with spaces to `width` columns. */
export function pad(text: string, width: number): string {
  return text + " ".repeat(Math.max(0, width - displayWidth(text)));
}

/**
 * Wraps `text` at word boundaries so that no line is wider than `width` columns; a word longer
 * than a line is left whole. Existing line breaks are kept, and a line's indentation is kept on
 * the lines it wraps onto.
 */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  for (const paragraph of text.split("\n")) {
    if (displayWidth(paragraph) <= width) {
      lines.push(paragraph); // most lines: nothing to do
      continue;
    }
    let start = 0;
    while (paragraph[start] === " ") start++;
    const indent = paragraph.slice(0, start);
    let line = "";
    let used = 0;
    for (const word of paragraph.slice(start).split(" ")) {
      if (!word) continue;
      const w = displayWidth(word);
      if (line && used + 1 + w > width) {
        lines.push(line);
        line = "";
      }
      if (line) {
        line += ` ${word}`;
        used += 1 + w;
      } else {
        line = indent + word;
        used = indent.length + w;
      }
    }
    lines.push(line);
  }
  return lines;
}
