/**
 * The rules an account's fields follow (docs/API.md, "Input bounds"), shared by registration,
 * the legacy-user helper and `createEmulator({ legacyUsers })`, so that no path creates an account
 * the others would refuse.
 *
 * @module
 */
import { isPlausibleEmail } from "../sdk/arguments.ts";
import type { ValidationIssue } from "../sdk/errors.ts";

/** The longest password accepted. */
export const MAX_PASSWORD_LENGTH = 1024;
// 1 to 64 characters; no spaces, control characters or "@" (so a username never equals an e-mail).
// deno-lint-ignore no-control-regex
const USERNAME = /^[^\s\u0000-\u001f@]{1,64}$/;

/** What is wrong with an account's fields, as FastAPI 422 issues (empty when nothing is). */
export function accountIssues(
  input: { username: string; email: string; password: string },
  minPasswordLength: number,
): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  // Lengths before any pattern: every check here is linear in the input.
  if (input.username.length > 64 || !USERNAME.test(input.username)) {
    issues.push({
      loc: ["body", "username"],
      msg: 'Username must be 1 to 64 characters without spaces or "@"',
      type: "value_error",
    });
  }
  if (!isPlausibleEmail(input.email)) {
    issues.push({
      loc: ["body", "email"],
      msg: "value is not a valid email address (at most 254 characters)",
      type: "value_error",
    });
  }
  const length = input.password.length;
  if (length < minPasswordLength || length > MAX_PASSWORD_LENGTH) {
    issues.push({
      loc: ["body", "password"],
      msg: `Password must be ${minPasswordLength} to ${MAX_PASSWORD_LENGTH} characters`,
      type: "value_error",
    });
  }
  return issues;
}
