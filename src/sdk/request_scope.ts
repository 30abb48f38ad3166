/**
 * Whether timers and abort signals belong to the request being handled, as on Cloudflare Workers.
 * There a timer set while one request is handled is cancelled once that request is done, and a
 * signal made during one request cannot abort a fetch made for another. A timer or a signal shared
 * by calls of several requests then goes wrong, so code that shares them makes one per call there.
 *
 * @module
 */

/**
 * True on Cloudflare Workers (and workerd, miniflare), where timers and signals are request-scoped.
 *
 * @example
 * ```ts
 * import { requestScopedTimers } from "./request_scope.ts";
 * requestScopedTimers(); // false in Deno, Node, Bun and browsers
 * ```
 */
export function requestScopedTimers(): boolean {
  return (globalThis as { navigator?: { userAgent?: string } }).navigator?.userAgent ===
    "Cloudflare-Workers";
}
