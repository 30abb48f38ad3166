/**
 * The rules an account's fields follow (docs/API.md, "Input bounds"), as one schema: registration
 * validates its body with it and documents it, and the legacy-user helper and
 * `createEmulator({ legacyUsers })` check with it too, so that no path creates an account the others
 * would refuse.
 *
 * @module
 */
import { z } from "@hono/zod-openapi";
import type { ValidationIssue } from "../sdk/errors.ts";
import { email, password, username } from "./schemas/fields.ts";
import { fastApiIssues } from "./validation.ts";

const schemas = new Map<number, ReturnType<typeof build>>();

function build(minPasswordLength: number) {
  return z.object({ username, email, password: password(minPasswordLength) });
}

/** The account's fields, with the shortest password this emulator accepts. */
export function accountSchema(minPasswordLength: number): ReturnType<typeof build> {
  let schema = schemas.get(minPasswordLength);
  if (!schema) schemas.set(minPasswordLength, schema = build(minPasswordLength));
  return schema;
}

/** What is wrong with an account's fields, as FastAPI 422 issues (empty when nothing is). */
export function accountIssues(
  input: { username: string; email: string; password: string },
  minPasswordLength: number,
): ValidationIssue[] {
  const fields = { username: input.username, email: input.email, password: input.password };
  const result = accountSchema(minPasswordLength).safeParse(fields);
  return result.success ? [] : fastApiIssues(result.error, "body", fields);
}
