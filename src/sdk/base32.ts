/**
 * Base32 (RFC 4648) for TOTP secrets, forgiving the way authenticator apps are: lower case,
 * spaces, hyphens and missing padding are accepted.
 *
 * @module
 */
import { B32 as ALPHABET, base32Decode, base32Encode } from "./encoding.ts";
import { InvalidArgumentError } from "./errors.ts";

// Lengths (mod 8) that a whole number of bytes can produce.
const VALID_TAIL = new Set([0, 2, 4, 5, 7]);

/**
 * Decodes a base32 secret. Any character other than A–Z, 2–7 (either case), space, hyphen or
 * trailing `=` is an {@linkcode InvalidArgumentError} naming it and its position.
 *
 * @example
 * ```ts
 * import { decodeBase32 } from "@cirtusai/sdk/totp";
 * decodeBase32("gezd gnbv-gy3t qojq"); // Uint8Array of "1234567890"
 * ```
 */
export function decodeBase32(
  input: string,
  options: { field?: string } = {},
): Uint8Array<ArrayBuffer> {
  const field = options.field ?? "secret";
  let clean = "";
  let padding = false;
  for (let i = 0; i < input.length; i++) {
    const ch = input[i];
    if (ch === " " || ch === "-" || ch === "\t") continue;
    if (ch === "=") {
      padding = true;
      continue;
    }
    const upper = ch.toUpperCase();
    if (!ALPHABET.includes(upper) || padding) {
      const shown = padding && ALPHABET.includes(upper) ? `${ch}" after "=` : ch;
      throw new InvalidArgumentError(
        field,
        `${field} is not valid base32 (found "${shown}" at position ${i + 1})`,
      );
    }
    clean += upper;
  }
  if (clean.length === 0) throw new InvalidArgumentError(field, `${field} is empty`);
  if (!VALID_TAIL.has(clean.length % 8)) {
    throw new InvalidArgumentError(
      field,
      `${field} is not valid base32 (${clean.length} characters cannot encode whole bytes)`,
    );
  }
  // Stray low bits in the last character are ignored, as authenticator apps do.
  return base32Decode(clean);
}

/**
 * Encodes bytes as upper-case base32 without padding, as authenticator apps expect.
 *
 * @example
 * ```ts
 * import { encodeBase32 } from "@cirtusai/sdk/totp";
 * encodeBase32(new TextEncoder().encode("1234567890")); // "GEZDGNBVGY3TQOJQ"
 * ```
 */
export function encodeBase32(bytes: Uint8Array): string {
  return base32Encode(bytes);
}
