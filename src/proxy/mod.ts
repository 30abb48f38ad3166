/**
 * The edge proxy: an app (Hono underneath) that forwards `/api/*` to a fixed CirtusAI API and adds
 * the authentication that browser code never sees. Runs unchanged on Deno Deploy
 * (`Deno.serve(app.fetch)`) and Cloudflare Workers (`export default proxyFromEnv()`); self-hosted
 * on Deno or Node, {@linkcode serve} adds the time limits on slow clients those platforms keep.
 *
 * @example
 * ```ts
 * import { createProxy } from "@cirtusai/sdk/proxy";
 * const app = createProxy({ upstream: "https://api.cirtus.ai", cookieSecret: Deno.env.get("CIRTUSAI_COOKIE_SECRET")! });
 * Deno.serve(app.fetch);
 * ```
 *
 * @module
 */
export { createProxy, type ProxyOptions, type ServiceCredentials } from "./app.ts";
export { type ProxyEnv, proxyFromEnv, proxyOptionsFromEnv } from "./env.ts";
export { MemoryRateLimitStore, type RateLimitHit, type RateLimitStore } from "./rate_limit.ts";
export {
  KvProxyStore,
  type Maybe,
  MemoryProxyStore,
  type ProxyStore,
  type SharedSession,
} from "./proxy_store.ts";
export type { KvAtomicLike, KvKey, KvLike } from "../server/kv_like.ts";
export {
  type DurableObjectNamespaceLike,
  DurableObjectProxyStore,
  type DurableObjectStateLike,
  ProxyStateObject,
} from "./durable_object_store.ts";
export { API_ROUTES, type RouteRule } from "./routes.ts";
export type { FetchApp } from "../server/fetch_app.ts";
export {
  type ClientDeadlines,
  serve,
  type Served,
  type ServeHandler,
  type ServeInfo,
  type ServeOptions,
} from "../server/serve.ts";
