/**
 * The Hono environment the emulator's routes share, and the bearer-token middleware.
 *
 * @module
 */
import type { Context, MiddlewareHandler } from "hono";
import type { Backend } from "./backend.ts";
import { unauthorized } from "./problem.ts";
import type { UserRecord } from "./records.ts";

/** Variables set by the middleware. */
export interface AppEnv {
  Variables: {
    /** The authenticated account. */
    user: UserRecord;
  };
}

/** The bearer token of a request, or null. */
export function bearer(c: Context): string | null {
  const header = c.req.header("authorization") ?? "";
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match ? match[1] : null;
}

/** Requires a valid access token and sets `user`. */
export function requireUser(backend: Backend): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const token = bearer(c);
    if (!token) throw unauthorized("Not authenticated");
    c.set("user", await backend.authenticate(token));
    await next();
  };
}
