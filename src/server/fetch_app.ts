/**
 * What `Deno.serve`, a Cloudflare Worker (`export default app`) and tests need of an app.
 *
 * @module
 */

/**
 * An HTTP app: a `fetch` handler.
 *
 * @example
 * ```ts
 * import type { FetchApp } from "@cirtusai/sdk/proxy";
 * function serve(app: FetchApp) {
 *   Deno.serve((request, info) => app.fetch(request, info));
 * }
 * ```
 */
export interface FetchApp {
  /** Answers a request; `env` is the runtime's bindings or connection info. */
  fetch(request: Request, env?: unknown, executionCtx?: unknown): Response | Promise<Response>;
}
