/**
 * The CirtusAI edge proxy on Deno Deploy (or any Deno): browser code calls `/api/*` on this
 * origin and never holds CirtusAI credentials.
 *
 * Environment: CIRTUSAI_UPSTREAM (the API), CIRTUSAI_COOKIE_SECRET (base64 of 32 random bytes:
 * `openssl rand -base64 32`), optionally CIRTUSAI_ALLOWED_ORIGINS, CIRTUSAI_PROXY_ORIGIN (behind a
 * front end that ends TLS), CIRTUSAI_PROXY_MODE=service with CIRTUSAI_USERNAME,
 * CIRTUSAI_PASSWORD, CIRTUSAI_TOTP_SECRET and CIRTUSAI_PROXY_ROUTES; tuning with
 * CIRTUSAI_PROXY_TIMEOUT_MS, CIRTUSAI_PROXY_MAX_BODY_BYTES and CIRTUSAI_PROXY_RATE_LIMIT.
 * Deno Deploy runs many isolates: they share sessions, refreshes, logouts and the rate limit
 * through Deno KV (CIRTUSAI_PROXY_KV=default, the default here).
 *
 * On Deno Deploy the platform's front end deals with slow clients and the app is `Deno.serve`d.
 * Anywhere else `serve()` does: it cuts off request heads and bodies that trickle in and idle
 * connections (10 s for a head, 30 s for a request, 60 s idle).
 *
 *   deno run -A examples/edge/deno_deploy.ts
 */
import { createProxy, proxyOptionsFromEnv, serve } from "../../src/proxy/mod.ts";

const env = { CIRTUSAI_PROXY_KV: "default", ...Deno.env.toObject() };
const app = createProxy({ ...proxyOptionsFromEnv(env), log: console.log });
const port = Number(Deno.env.get("PORT") ?? 8080);
if (Deno.env.get("DENO_DEPLOYMENT_ID")) {
  Deno.serve({ port }, app.fetch);
} else {
  const server = await serve(app.fetch, { port, hostname: "0.0.0.0" });
  console.log(`CirtusAI proxy on ${server.url}`);
}
