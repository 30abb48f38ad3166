/**
 * How a route is declared: one `createRoute` config (path, `operationId` = the SDK method's name,
 * tag, security, request and response schemas, every status it can answer) from which come the
 * validation, the bearer check, the handler's types and the route's part of `/openapi.json`.
 *
 * @module
 */
import type { OpenAPIHono, RouteConfig, RouteHandler, z } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env.ts";
import { formBody, jsonBody } from "../validation.ts";
import { HttpError, HttpValidationError } from "./models.ts";

/** The document's tags, one per resource client of the SDK. */
export const TAGS = [
  { name: "auth", description: "Registration, login with TOTP 2FA, 2FA management, refresh" },
  { name: "agents", description: "Master and child agents, permissions, provisioning" },
  { name: "wallets", description: "Assets and linked e-mail accounts" },
  { name: "identity", description: "DIDs and verifiable credentials" },
];

/** An operation that needs no token. */
export const PUBLIC: Record<string, string[]>[] = [];
/** An operation that needs `Authorization: Bearer <access token>`. */
export const BEARER: Record<string, string[]>[] = [{ bearer: [] }];

/** A JSON answer. */
export function json<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { "application/json": { schema } } };
}

/** A JSON request body (`required: false`: it may be left out). */
export function jsonRequest<T extends z.ZodType>(schema: T, required = true) {
  return { required, content: { "application/json": { schema } } };
}

/** An error answer, FastAPI's `{"detail": "..."}`. */
export function error(description: string) {
  return json(HttpError, description);
}

/** The same, with a `Retry-After` header. */
export function retryLater(description: string) {
  return {
    ...error(description),
    headers: { "Retry-After": { description: "Seconds to wait", schema: { type: "string" } } },
  } as const;
}

/** Why any route with a body may answer 400. */
export const BROKE_OFF = "the body broke off before it was whole";

/** What every route may answer: a busy store. */
const BUSY = {
  503: retryLater(
    "The store kept conflicting with concurrent writes: nothing was written; try again",
  ),
} as const;

/** What a route with `security: BEARER` may answer besides its own. */
export const AUTH_FAILURES = {
  401: {
    ...error("No bearer token, or an invalid or expired one"),
    headers: { "WWW-Authenticate": { description: "`Bearer`", schema: { type: "string" } } },
  },
  ...BUSY,
} as const;

/** What a route with a body may answer besides its own. */
export const BODY_FAILURES = {
  400: error(`The body is incomplete: ${BROKE_OFF}`),
  413: error("The body is larger than 1 MiB"),
  422: {
    description: "The request does not match its schema (FastAPI's shape)",
    content: { "application/json": { schema: HttpValidationError } },
  },
  ...BUSY,
} as const;

/**
 * Registers routes on `app` with what their declaration implies: the bearer check where
 * `security` asks for it (before anything else, as FastAPI's dependencies run first), and
 * FastAPI's reading of a JSON or form body before the schema sees it.
 */
export function routesOn(app: OpenAPIHono<AppEnv>, auth: MiddlewareHandler<AppEnv>) {
  return function serve<R extends RouteConfig>(route: R, handler: RouteHandler<R, AppEnv>): void {
    const content = route.request?.body?.content ?? {};
    const middleware: MiddlewareHandler[] = [];
    if (route.security?.length) middleware.push(auth as MiddlewareHandler);
    if (content["application/json"]) {
      middleware.push(jsonBody(route.request?.body?.required ?? false));
    }
    const form = content["application/x-www-form-urlencoded"] as { schema?: z.ZodType } | undefined;
    if (form?.schema) middleware.push(formBody(form.schema));
    app.openapi({ ...route, middleware } as R, handler as never);
  };
}

/** The same handler at a second path, left out of the document (a trailing-slash alias). */
export function alias<R extends RouteConfig>(route: R, path: string): R {
  return { ...route, path, hide: true };
}
