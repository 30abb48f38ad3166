/**
 * The CirtusAI edge proxy as a Cloudflare Worker. Bindings (wrangler.toml `[vars]` and
 * `openssl rand -base64 32 | wrangler secret put CIRTUSAI_COOKIE_SECRET`) configure it on the
 * first request. Here the browser's address is Cloudflare's CF-Connecting-IP.
 *
 *   npx wrangler deploy   (from examples/edge/)
 */
import { proxyFromEnv } from "../../src/proxy/mod.ts";

// The Durable Object that instances share (bound as CIRTUSAI_PROXY_STATE in wrangler.toml).
export { ProxyStateObject } from "../../src/proxy/mod.ts";
export default proxyFromEnv();
