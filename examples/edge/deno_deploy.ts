/**
 * The CirtusAI edge proxy on Deno Deploy (or any Deno): browser code calls `/api/*` on this
 * origin and never holds CirtusAI credentials.
 *
 * Environment: CIRTUSAI_UPSTREAM (the API), CIRTUSAI_COOKIE_SECRET (32+ random characters),
 * optionally CIRTUSAI_ALLOWED_ORIGINS, CIRTUSAI_PROXY_MODE=service with CIRTUSAI_USERNAME,
 * CIRTUSAI_PASSWORD, CIRTUSAI_TOTP_SECRET and CIRTUSAI_PROXY_ROUTES; tuning with
 * CIRTUSAI_PROXY_TIMEOUT_MS, CIRTUSAI_PROXY_MAX_BODY_BYTES and CIRTUSAI_PROXY_RATE_LIMIT.
 * Deno Deploy runs many isolates: they share sessions, refreshes, logouts and the rate limit
 * through Deno KV (CIRTUSAI_PROXY_KV=default, the default here).
 *
 *   deno run -A examples/edge/deno_deploy.ts
 */
import { createProxy, proxyOptionsFromEnv } from "../../src/proxy/mod.ts";

const env = { CIRTUSAI_PROXY_KV: "default", ...Deno.env.toObject() };
const app = createProxy({ ...proxyOptionsFromEnv(env), log: console.log });
Deno.serve({ port: Number(Deno.env.get("PORT") ?? 8080) }, app.fetch);
