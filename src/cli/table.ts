/**
 * Tables for a terminal: columns two spaces apart, fitted to the terminal's width by cutting the
 * widest columns first (their cells end in `…`), as gh does; full values are in `--json`.
 *
 * @module
 */
import { displayWidth, pad, truncate } from "./text.ts";

/** Narrowest a column is cut to (unless its heading or values are narrower). */
const MIN_COLUMN = 6;
const GAP = 2;

/**
 * The widths of columns whose widest cells are `natural`, fitted into `width` columns: the widest
 * column loses a column at a time until the table fits or no column can lose more.
 */
export function fitWidths(natural: number[], minimum: number[], width: number): number[] {
  const widths = [...natural];
  let excess = widths.reduce((a, b) => a + b, 0) + GAP * (widths.length - 1) - width;
  while (excess > 0) {
    let widest = -1;
    for (let i = 0; i < widths.length; i++) {
      if (widths[i] > minimum[i] && (widest < 0 || widths[i] > widths[widest])) widest = i;
    }
    if (widest < 0) break; // as narrow as it goes: the terminal wraps the rest
    widths[widest]--;
    excess--;
  }
  return widths;
}

/**
 * The lines of a table (heading first) of cells that are already safe to show, fitted into
 * `width` columns when a width is given.
 */
export function tableLines(headings: string[], rows: string[][], width?: number): string[] {
  const natural = headings.map((h, i) =>
    Math.max(displayWidth(h), ...rows.map((r) => displayWidth(r[i])))
  );
  const minimum = natural.map((n, i) =>
    Math.min(n, Math.max(displayWidth(headings[i]), MIN_COLUMN))
  );
  const widths = width === undefined ? natural : fitWidths(natural, minimum, width);
  const line = (cells: string[]) =>
    cells.map((c, i) => pad(truncate(c, widths[i]), widths[i])).join(" ".repeat(GAP)).trimEnd();
  return [line(headings), ...rows.map(line)];
}
