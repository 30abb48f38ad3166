/**
 * One log line per request (method, path, status, duration) for the emulator and the proxy.
 * Never the query string, a header or a body, so no token or code reaches a log.
 *
 * @module
 */
import type { MiddlewareHandler } from "hono";

/** Logs each request through `log` once it is answered. */
export function requestLog(log: (line: string) => void): MiddlewareHandler {
  return async (c, next) => {
    const start = performance.now();
    await next();
    log(
      `${c.req.method} ${c.req.path} ${c.res.status} ${(performance.now() - start).toFixed(1)}ms`,
    );
  };
}
