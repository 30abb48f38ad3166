/**
 * Request validation from the routes' schemas, answered as FastAPI answers it: 422
 * `{"detail": [{loc, msg, type}]}` with pydantic's messages, which both SDKs parse. The schemas
 * validate (`@hono/zod-openapi` runs them); this module reads bodies the way FastAPI does first
 * (JSON with a JSON content type or none, forms for the login) and turns zod's issues into
 * FastAPI's.
 *
 * @module
 */
import type { Context, MiddlewareHandler } from "hono";
import type { z } from "@hono/zod-openapi";
import type { ValidationIssue } from "../sdk/errors.ts";
import { MAX_JSON_DEPTH, nestsDeeperThan, Problem } from "./problem.ts";

/** What pydantic says a value of the wrong JSON type should be, and its type, by zod's expected. */
const WRONG_TYPE: Record<string, [should: string, type: string]> = {
  string: ["a valid string", "string_type"],
  object: ["a valid dictionary", "dict_type"],
  record: ["a valid dictionary", "dict_type"],
  array: ["a valid list", "list_type"],
  boolean: ["a valid boolean", "bool_type"],
  number: ["a valid number", "float_type"],
  int: ["a valid integer", "int_type"],
  null: ["None", "none_required"],
};

function valueAt(data: unknown, path: PropertyKey[]): unknown {
  let at = data;
  for (const key of path) {
    if (typeof at !== "object" || at === null) return undefined;
    at = (at as Record<PropertyKey, unknown>)[key];
  }
  return at;
}

function expected(issue: z.core.$ZodIssue): string {
  return issue.code === "invalid_type" ? issue.expected : "";
}

/** zod's issues as FastAPI's, located under `where` (`body`, `query`). */
export function fastApiIssues(
  error: z.ZodError,
  where: string,
  data: unknown,
): ValidationIssue[] {
  return error.issues.map((issue) => {
    const loc = [where, ...issue.path.map((p) => typeof p === "number" ? p : String(p))];
    if (valueAt(data, issue.path) === undefined) {
      return { loc, msg: "Field required", type: "missing" };
    }
    switch (issue.code) {
      case "invalid_type": {
        const [should, type] = WRONG_TYPE[issue.expected] ?? [issue.expected, "type_error"];
        return { loc, msg: `Input should be ${should}`, type };
      }
      case "invalid_union": {
        const kinds = issue.errors.map((e) => WRONG_TYPE[expected(e[0])]?.[0] ?? "valid");
        return { loc, msg: `Input should be ${kinds.join(" or ")}`, type: "union_type" };
      }
      case "invalid_value":
        return { loc, msg: issue.message, type: "enum" };
      default:
        return { loc, msg: issue.message, type: "value_error" };
    }
  });
}

/**
 * The hook every route's validators call: a 422 in FastAPI's shape; a path parameter that breaks
 * its schema (an id over 256 characters) is a 404, as docs/API.md says, naming what was looked for.
 */
export function validationHook(
  result: { target: string; success: boolean; error?: z.ZodError; data?: unknown },
  _c: Context,
): void {
  if (result.success || !result.error) return;
  if (result.target === "param") {
    throw new Problem(404, result.error.issues[0]?.message ?? "Not Found");
  }
  const where = result.target === "json" || result.target === "form" ? "body" : result.target;
  throw new Problem(422, fastApiIssues(result.error, where, result.data));
}

function bodyProblem(msg: string, type: string): Problem {
  return new Problem(422, [{ loc: ["body"], msg, type }]);
}

const JSON_TYPE = /^application\/(?:[\w.-]+\+)?json\s*(?:;|$)/i;
/** The JSON types @hono/zod-openapi's media-type check accepts (narrower than FastAPI's). */
const LIBRARY_JSON_TYPE = /^application\/([a-z-.]+\+)?json(;\s*[a-zA-Z0-9-]+=([^;]+))*$/i;
/** The form types it accepts. */
const LIBRARY_FORM_TYPE =
  /^(?:application\/x-www-form-urlencoded(;\s*[a-zA-Z0-9-]+=([^;]+))*|multipart\/form-data(;\s?boundary=[a-zA-Z0-9'"()+_,\-./:=?]+)?)$/i;
const FORM_TYPE = /^(?:application\/x-www-form-urlencoded|multipart\/form-data)\s*(?:;|$)/i;

/** The request with another content type; its body is already read and cached on `c.req`. */
function useContentType(c: Context, type: string): void {
  const raw = c.req.raw;
  const headers = new Headers(raw.headers);
  headers.set("content-type", type);
  c.req.raw = new Request(raw.url, { method: raw.method, headers });
}

/**
 * Reads a JSON body before the schema sees it, as FastAPI does: JSON under a JSON content type or
 * none; anything else is not a dictionary; an empty body is a missing one (or `{}` where the body
 * is optional); bad JSON and JSON nested deeper than 32 are 422s. The request then carries
 * `Content-Type: application/json`, so the library's own media-type check agrees.
 */
export function jsonBody(required: boolean): MiddlewareHandler {
  return async (c, next) => {
    const type = c.req.header("content-type");
    const text = await c.req.text();
    if (text === "") {
      if (required) throw bodyProblem("Field required", "missing");
    } else if (type !== undefined && !JSON_TYPE.test(type)) {
      throw bodyProblem(
        "Input should be a valid dictionary or object to extract fields from",
        "model_attributes_type",
      );
    } else {
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        throw bodyProblem("JSON decode error", "json_invalid");
      }
      if (nestsDeeperThan(value, MAX_JSON_DEPTH)) {
        throw bodyProblem(`JSON nests deeper than ${MAX_JSON_DEPTH} levels`, "json_too_deep");
      }
    }
    // An empty optional body reads as {}; a body accepted here gets the content type the
    // library's media-type check (@hono/zod-openapi's) accepts.
    if (text === "") c.req.bodyCache.text = Promise.resolve("{}") as unknown as string;
    if (type === undefined || !LIBRARY_JSON_TYPE.test(type)) useContentType(c, "application/json");
    await next();
  };
}

/**
 * Reads a form body (the login's) before the schema sees it: one that does not parse is a 422; a
 * body that is not a form holds none of the fields (FastAPI reads such a body as an empty form).
 */
export function formBody(schema: z.ZodType): MiddlewareHandler {
  return async (c, next) => {
    const type = c.req.header("content-type");
    if (type === undefined || !FORM_TYPE.test(type)) {
      const empty = schema.safeParse({});
      if (!empty.success) throw new Problem(422, fastApiIssues(empty.error, "body", {}));
    } else {
      try {
        await c.req.formData(); // cached for the validator
      } catch {
        throw bodyProblem("The form body could not be parsed", "form_invalid");
      }
      if (!LIBRARY_FORM_TYPE.test(type)) useContentType(c, "application/x-www-form-urlencoded");
    }
    await next();
  };
}
