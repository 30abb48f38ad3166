/**
 * QR codes of otpauth URIs, as PNG (for the API) and as terminal text (for the demo and CLI).
 *
 * @module
 */
import { encode } from "uqr";
import { encodePng } from "./png.ts";

const SCALE = 8;
const BORDER = 4; // the quiet zone QR readers need, in modules

/** A PNG of the QR code of `text`. */
export async function qrPng(text: string): Promise<Uint8Array> {
  const { data, size } = encode(text, { ecc: "M", border: 0 });
  const pixels = (size + 2 * BORDER) * SCALE;
  return await encodePng(pixels, pixels, (x, y) => {
    const mx = Math.floor(x / SCALE) - BORDER;
    const my = Math.floor(y / SCALE) - BORDER;
    return mx >= 0 && my >= 0 && mx < size && my < size && data[my][mx];
  });
}

/**
 * The QR code of `text` drawn with Unicode half blocks for a terminal: each character is two
 * modules, the upper one its foreground and the lower one its background. With `colours` (the
 * default), both are set explicitly, black on bright white, so the code scans the same on dark
 * and light terminal themes; without, the terminal's own colours are used (right on a light
 * theme only). Either way it has the 4-module quiet zone readers need.
 */
export function qrTerminal(text: string, options: { colours?: boolean } = {}): string {
  const { data, size } = encode(text, { ecc: "M", border: 0 });
  const n = size + 2 * BORDER;
  const dark = (x: number, y: number) => {
    const mx = x - BORDER;
    const my = y - BORDER;
    return mx >= 0 && my >= 0 && mx < size && my < size && data[my][mx];
  };
  const lines: string[] = [];
  for (let y = 0; y < n; y += 2) {
    let line = "";
    for (let x = 0; x < n; x++) {
      const top = dark(x, y);
      const bottom = y + 1 < n && dark(x, y + 1);
      if (options.colours === false) {
        line += top ? (bottom ? "█" : "▀") : bottom ? "▄" : " ";
      } else {
        // SGR: foreground 30 black / 97 bright white; background 40 black / 107 bright white.
        line += `\x1b[${top ? 30 : 97};${bottom ? 40 : 107}m▀`;
      }
    }
    lines.push(options.colours === false ? line : `${line}\x1b[0m`);
  }
  return lines.join("\n");
}
