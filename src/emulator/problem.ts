/**
 * FastAPI-shaped errors: `{"detail": "..."}`, or for invalid bodies (422) a list of
 * `{loc, msg, type}`. Route code throws {@linkcode Problem}; the app's error handler renders it.
 * The API routes validate from their schemas (`validation.ts`); the `/_emulator` helpers, which
 * are no part of the API or its document, still read their JSON with {@linkcode readJson}.
 *
 * @module
 */
import type { Context } from "hono";
import type { ValidationIssue } from "../sdk/errors.ts";

/** An HTTP error the emulator answers with. */
export class Problem extends Error {
  /** HTTP status. */
  readonly status: number;
  /** FastAPI's `detail`. */
  readonly detail: string | ValidationIssue[];
  /** Extra response headers (Retry-After, WWW-Authenticate). */
  readonly headers: Record<string, string>;

  /** Creates the problem. */
  constructor(
    status: number,
    detail: string | ValidationIssue[],
    headers: Record<string, string> = {},
  ) {
    super(typeof detail === "string" ? detail : "Validation error");
    this.status = status;
    this.detail = detail;
    this.headers = headers;
  }
}

/** 401 with the `WWW-Authenticate` header FastAPI's bearer scheme sends. */
export function unauthorized(detail: string): Problem {
  return new Problem(401, detail, { "www-authenticate": "Bearer" });
}

/** 404 `<what> not found`. */
export function notFound(what: string): Problem {
  return new Problem(404, `${what} not found`);
}

type FieldType = "string" | "object" | "string[]" | "boolean";

/** What a JSON body must hold: field name to type; a trailing `?` marks optional fields. */
export type Shape = Record<string, FieldType | `${FieldType}?`>;

const MESSAGES: Record<FieldType, [string, string]> = {
  string: ["Input should be a valid string", "string_type"],
  object: ["Input should be a valid dictionary", "dict_type"],
  "string[]": ["Input should be a valid list of strings", "list_type"],
  boolean: ["Input should be a valid boolean", "bool_type"],
};

function matches(value: unknown, type: FieldType): boolean {
  switch (type) {
    case "string":
      return typeof value === "string";
    case "boolean":
      return typeof value === "boolean";
    case "object":
      return typeof value === "object" && value !== null && !Array.isArray(value);
    case "string[]":
      return Array.isArray(value) && value.every((v) => typeof v === "string");
  }
}

/** How deep a JSON body may nest (docs/API.md, "Input bounds"). */
export const MAX_JSON_DEPTH = 32;

/** Whether `value` nests deeper than `limit` arrays and objects (iterative: no stack to blow). */
export function nestsDeeperThan(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== "object" || v === null) continue;
    if (depth >= limit) return true;
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
  return false;
}

/** Reads and checks a JSON body; every problem becomes one FastAPI 422 issue. */
export async function readJson<T>(c: Context, shape: Shape): Promise<T> {
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    throw new Problem(422, [{ loc: ["body"], msg: "JSON decode error", type: "json_invalid" }]);
  }
  if (nestsDeeperThan(body, MAX_JSON_DEPTH)) {
    throw new Problem(422, [{
      loc: ["body"],
      msg: `JSON nests deeper than ${MAX_JSON_DEPTH} levels`,
      type: "json_too_deep",
    }]);
  }
  return checkShape<T>(body, shape);
}

/** The longest id or DID looked up (longer ones are 404 without a look-up). */
export const MAX_ID_LENGTH = 256;

/** Checks an already-parsed body (JSON or form) against `shape`. */
export function checkShape<T>(body: unknown, shape: Shape): T {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new Problem(422, [{
      loc: ["body"],
      msg: "Input should be a valid dictionary",
      type: "dict_type",
    }]);
  }
  const issues: ValidationIssue[] = [];
  const record = body as Record<string, unknown>;
  for (const [field, spec] of Object.entries(shape)) {
    const optional = spec.endsWith("?");
    const type = spec.replace("?", "") as FieldType;
    const value = record[field];
    if (value === undefined || (value === null && optional)) {
      if (!optional) issues.push({ loc: ["body", field], msg: "Field required", type: "missing" });
    } else if (!matches(value, type)) {
      const [msg, kind] = MESSAGES[type];
      issues.push({ loc: ["body", field], msg, type: kind });
    }
  }
  if (issues.length) throw new Problem(422, issues);
  return body as T;
}
