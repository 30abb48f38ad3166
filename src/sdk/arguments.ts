/**
 * Checks of arguments before anything is sent: each throws an {@linkcode InvalidArgumentError}
 * naming the field.
 *
 * @module
 */
import { InvalidArgumentError } from "./errors.ts";

/** The longest e-mail address accepted (RFC 5321's limit on a path), in code points. */
export const MAX_EMAIL_LENGTH = 254;

/**
 * The length of `value` in code points, as JSON Schema and Python count it (an emoji is one, not
 * two UTF-16 units; a lone surrogate is one too).
 */
export function codePointLength(value: string): number {
  let n = 0;
  for (const _ of value) n++; // the string iterator yields code points
  return n;
}

/**
 * A plausible e-mail address: name@domain.tld, one `@`, no spaces, no `:`, at most 254 code
 * points: what the SDK checks before it sends one (the emulator's schema holds a stricter rule).
 * The address is the account name of the TOTP key, and the Key Uri Format forbids a colon there.
 * Linear: the length is checked first and no pattern can backtrack (a 64 KB input of dots once held
 * a server for seconds).
 */
export function isPlausibleEmail(email: string): boolean {
  // At most two UTF-16 units a code point: the count is taken only of a string that may pass.
  if (email.length > 2 * MAX_EMAIL_LENGTH || codePointLength(email) > MAX_EMAIL_LENGTH) {
    return false;
  }
  if (/[\s:]/.test(email)) return false;
  const at = email.indexOf("@");
  if (at < 1 || at !== email.lastIndexOf("@")) return false;
  const dot = email.lastIndexOf(".");
  return dot > at + 1 && dot < email.length - 1;
}

/** `value` as a string (possibly empty). */
export function requireString(value: unknown, field: string): string {
  if (typeof value !== "string") {
    throw new InvalidArgumentError(
      field,
      `${field} must be a string (got ${value === null ? "null" : typeof value})`,
    );
  }
  return value;
}

/** `value` as a string with something besides white space in it. */
export function requireNonBlank(value: unknown, field: string): string {
  if (typeof value !== "string" || value.trim() === "") {
    throw new InvalidArgumentError(field, `${field} must be a non-empty string`);
  }
  return value;
}

/** `value` as a JSON object: not null, not an array. */
export function requireObject<T>(value: T, field: string): T {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new InvalidArgumentError(field, `${field} must be an object`);
  }
  return value;
}
