/**
 * QR codes of otpauth URIs, as PNG (for the API) and as terminal text (for the demo and CLI).
 *
 * @module
 */
import { encode, renderUnicodeCompact } from "uqr";
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

/** The QR code of `text` drawn with Unicode half blocks, for a terminal. */
export function qrTerminal(text: string): string {
  return renderUnicodeCompact(text, { ecc: "M", border: 2 });
}
