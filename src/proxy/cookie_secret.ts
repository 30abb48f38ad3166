/**
 * The proxy's cookie secret: at least 32 random bytes, written as base64, base64url or hex. Every
 * session cookie is sealed under a key derived from it, so a cookie is an offline oracle for
 * guessing it: a word, a phrase or a pattern is refused, however long.
 *
 * @module
 */
import { InvalidArgumentError } from "../sdk/errors.ts";

/** How to make a secret, for the messages that refuse one. */
export const MAKE_A_SECRET = "make one with `openssl rand -base64 32`, " +
  '`deno eval "console.log(btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32)))))"` ' +
  "or `node -e \"console.log(require('crypto').randomBytes(32).toString('base64'))\"`";

const MIN_BYTES = 32;
/**
 * What the estimate below must reach. 32 random bytes score about 250 bits, as bytes and as their
 * text (the lowest of 600 000 random ones, 212, as hex); a pattern or a half repeated, far less.
 */
const MIN_BITS = 192;

/**
 * The bytes of `secret` (base64, base64url or hex of at least 32 random bytes), or an
 * {@linkcode InvalidArgumentError} naming `field` that says what is wrong and how to make a good
 * one. The secret itself is never in the message.
 */
export function cookieSecretBytes(
  value: unknown,
  field = "cookieSecret",
): Uint8Array<ArrayBuffer> {
  const refuse = (why: string) =>
    new InvalidArgumentError(field, `${field} ${why}: ${MAKE_A_SECRET}`);
  // Trimmed: a trailing newline from a file or `$(openssl ...)` is no part of it.
  const secret = typeof value === "string" ? value.trim() : "";
  if (secret === "") throw refuse("is not set");
  const bytes = decode(secret);
  if (!bytes) {
    throw refuse("must be base64, base64url or hex of at least 32 random bytes");
  }
  if (bytes.length < MIN_BYTES) {
    throw refuse(`holds ${bytes.length} bytes; it needs at least ${MIN_BYTES} random bytes`);
  }
  const text = Array.from(secret.replace(/=+$/, ""), (c) => c.charCodeAt(0));
  const perCharacter = Math.log2(hexLike(secret) ? 16 : 64);
  if (
    distinct(bytes) < expectedDistinct(bytes.length) / 2 ||
    patternBits(Array.from(bytes), 8, 256) < MIN_BITS ||
    patternBits(text, perCharacter, 0) < MIN_BITS
  ) {
    throw refuse("is patterned (repeats, sequences or few distinct bytes), not random");
  }
  return bytes;
}

function hexLike(text: string): boolean {
  return text.length % 2 === 0 && /^[0-9a-f]+$/i.test(text);
}

/** Hex when it can only be hex, else base64 or base64url (padding optional); null otherwise. */
function decode(text: string): Uint8Array<ArrayBuffer> | null {
  if (hexLike(text)) {
    return Uint8Array.from(text.match(/../g)!, (pair) => parseInt(pair, 16));
  }
  const body = text.replace(/={1,2}$/, "");
  if (!/^[A-Za-z0-9+/]*$/.test(body) && !/^[A-Za-z0-9_-]*$/.test(body)) return null;
  if (body.length % 4 === 1) return null;
  const binary = atob(body.replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

function distinct(bytes: Uint8Array): number {
  return new Set(bytes).size;
}

/** How many distinct values `n` random bytes hold on average. */
function expectedDistinct(n: number): number {
  return 256 * (1 - (255 / 256) ** n);
}

/**
 * A rough count of the bits it takes to write `symbols` down when repeats and arithmetic runs
 * are cheap (a tiny LZ77): each symbol that neither continues the step of the two before it nor
 * starts a copy of three or more earlier symbols costs `bits`. `modulo` wraps the steps (bytes).
 */
function patternBits(symbols: number[], bits: number, modulo: number): number {
  const step = (a: number, b: number) => (modulo ? (b - a + modulo) % modulo : b - a);
  let total = 0;
  for (let i = 0; i < symbols.length;) {
    if (i >= 2 && step(symbols[i - 1], symbols[i]) === step(symbols[i - 2], symbols[i - 1])) {
      i++;
      continue;
    }
    let longest = 0;
    for (let j = 0; j < i; j++) {
      let length = 0;
      while (i + length < symbols.length && symbols[j + length] === symbols[i + length]) length++;
      longest = Math.max(longest, length);
    }
    if (longest >= 3) {
      total += Math.log2(i) + Math.log2(longest) + 1;
      i += longest;
    } else {
      total += bits;
      i++;
    }
  }
  return total;
}
