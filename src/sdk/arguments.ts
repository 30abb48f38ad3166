/**
 * Checks of arguments before anything is sent: each throws an {@linkcode InvalidArgumentError}
 * naming the field.
 *
 * @module
 */
import { InvalidArgumentError } from "./errors.ts";

/** The longest e-mail address accepted (RFC 5321's limit on a path). */
export const MAX_EMAIL_LENGTH = 254;

/**
 * A plausible e-mail address: name@domain.tld, one `@`, no spaces, at most 254 characters.
 * Shared by the SDK and the emulator. Linear: the length is checked first and no pattern can
 * backtrack (a 64 KB input of dots once held a server for seconds).
 */
export function isPlausibleEmail(email: string): boolean {
  if (email.length > MAX_EMAIL_LENGTH || /\s/.test(email)) return false;
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
