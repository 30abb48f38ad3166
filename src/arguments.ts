/**
 * Checks of arguments before anything is sent: each throws an {@linkcode InvalidArgumentError}
 * naming the field.
 *
 * @module
 */
import { InvalidArgumentError } from "./errors.ts";

/** A plausible e-mail address: name@domain.tld, no spaces. Shared by the SDK and the emulator. */
export const PLAUSIBLE_EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

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
