/**
 * Configuring the proxy from environment bindings (Deno Deploy's env, Workers' `env`).
 *
 * @module
 */
import type { FetchApp } from "../server/fetch_app.ts";
import { InvalidArgumentError } from "../sdk/errors.ts";
import { createProxy, type ProxyOptions } from "./app.ts";
import type { KvLike } from "../server/kv_like.ts";
import { KvProxyStore } from "./proxy_store.ts";
import { cookieSecretBytes } from "./cookie_secret.ts";
import {
  type DurableObjectNamespaceLike,
  DurableObjectProxyStore,
} from "./durable_object_store.ts";

/** Whether a binding is a Durable Object namespace. */
function isNamespace(value: unknown): value is DurableObjectNamespaceLike {
  return typeof (value as DurableObjectNamespaceLike | null)?.idFromName === "function";
}

/** The shared store of `CIRTUSAI_PROXY_KV`: Deno KV, opened on first use. */
function kvStore(where: string): KvProxyStore {
  const deno = (globalThis as { Deno?: { openKv(path?: string): Promise<unknown> } }).Deno;
  if (!deno?.openKv) {
    throw new InvalidArgumentError(
      "CIRTUSAI_PROXY_KV",
      "CIRTUSAI_PROXY_KV needs Deno KV (Deno, Deno Deploy); on Workers bind the Durable Object store",
    );
  }
  return new KvProxyStore(
    deno.openKv(where === "default" ? undefined : where) as Promise<KvLike>,
  );
}
import type { RouteRule } from "./routes.ts";

/** The bindings the proxy reads. */
export interface ProxyEnv {
  /** Upstream API base URL (required). */
  CIRTUSAI_UPSTREAM?: string;
  /** `session` (default) or `service`. */
  CIRTUSAI_PROXY_MODE?: string;
  /**
   * Session mode: the cookie secret, base64 or hex of at least 32 random bytes
   * (`openssl rand -base64 32`).
   */
  CIRTUSAI_COOKIE_SECRET?: string;
  /** Comma-separated origins allowed besides the proxy's own. */
  CIRTUSAI_ALLOWED_ORIGINS?: string;
  /** The proxy's public origin, when a front end (TLS ended before it) changes what it sees. */
  CIRTUSAI_PROXY_ORIGIN?: string;
  /** Service mode: `GET /agents, GET /identity/dids/:id` (comma-separated). */
  CIRTUSAI_PROXY_ROUTES?: string;
  /** Service mode: the proxy account's user name. */
  CIRTUSAI_USERNAME?: string;
  /** Service mode: its password. */
  CIRTUSAI_PASSWORD?: string;
  /** Service mode: its TOTP secret (base32). */
  CIRTUSAI_TOTP_SECRET?: string;
  /** Service mode: a refresh token, instead of the three above. */
  CIRTUSAI_REFRESH_TOKEN?: string;
  /** Upstream timeout in ms (default 15000). */
  CIRTUSAI_PROXY_TIMEOUT_MS?: string;
  /** Largest request body in bytes (default 1048576). */
  CIRTUSAI_PROXY_MAX_BODY_BYTES?: string;
  /** Requests per client and minute (default 120). */
  CIRTUSAI_PROXY_RATE_LIMIT?: string;
  /**
   * Deno: the Deno KV that instances share (`KvProxyStore`): a path, or `default` for
   * `Deno.openKv()` (on Deno Deploy, the project's globally consistent KV).
   */
  CIRTUSAI_PROXY_KV?: string;
  /** Workers: the Durable Object namespace of `ProxyStateObject`, the shared store. */
  CIRTUSAI_PROXY_STATE?: unknown;
  /** Other bindings are ignored. */
  [key: string]: unknown;
}

/** Parses `"GET /agents, POST /identity/credentials/verify"`. */
function parseRoutes(text: string): RouteRule[] {
  return text.split(",").map((s) => s.trim()).filter(Boolean).map((entry) => {
    const [method, path] = entry.split(/\s+/);
    if (!method || !path?.startsWith("/")) {
      throw new InvalidArgumentError(
        "CIRTUSAI_PROXY_ROUTES",
        `route "${entry}" is not "METHOD /path"`,
      );
    }
    return { method: method.toUpperCase(), path };
  });
}

/** A binding that must hold a positive whole number, when set. */
function positiveInteger(key: keyof ProxyEnv, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
  if (!(n > 0) || !Number.isSafeInteger(n)) {
    throw new InvalidArgumentError(String(key), `${String(key)} must be a positive whole number`);
  }
  return n;
}

/**
 * Proxy options from bindings.
 *
 * @example
 * ```ts
 * import { createProxy, proxyOptionsFromEnv } from "@cirtusai/sdk/proxy";
 * const app = createProxy(proxyOptionsFromEnv(Deno.env.toObject()));
 * ```
 */
export function proxyOptionsFromEnv(env: ProxyEnv): ProxyOptions {
  const text = (
    key: keyof ProxyEnv,
  ) => (typeof env[key] === "string" && env[key] ? String(env[key]) : undefined);
  const upstream = text("CIRTUSAI_UPSTREAM");
  if (!upstream) {
    throw new InvalidArgumentError("CIRTUSAI_UPSTREAM", "CIRTUSAI_UPSTREAM must be set");
  }
  const mode = text("CIRTUSAI_PROXY_MODE") ?? "session";
  if (mode !== "session" && mode !== "service") {
    throw new InvalidArgumentError(
      "CIRTUSAI_PROXY_MODE",
      `CIRTUSAI_PROXY_MODE must be "session" or "service"`,
    );
  }
  const routes = text("CIRTUSAI_PROXY_ROUTES");
  const refreshToken = text("CIRTUSAI_REFRESH_TOKEN");
  const username = text("CIRTUSAI_USERNAME");
  const timeout = positiveInteger("CIRTUSAI_PROXY_TIMEOUT_MS", text("CIRTUSAI_PROXY_TIMEOUT_MS"));
  const maxBodyBytes = positiveInteger(
    "CIRTUSAI_PROXY_MAX_BODY_BYTES",
    text("CIRTUSAI_PROXY_MAX_BODY_BYTES"),
  );
  const perMinute = positiveInteger("CIRTUSAI_PROXY_RATE_LIMIT", text("CIRTUSAI_PROXY_RATE_LIMIT"));
  const cookieSecret = text("CIRTUSAI_COOKIE_SECRET");
  // Checked here, so that the message names the binding rather than the option.
  if (mode === "session") cookieSecretBytes(cookieSecret, "CIRTUSAI_COOKIE_SECRET");
  const origin = text("CIRTUSAI_PROXY_ORIGIN");
  return {
    upstream,
    mode,
    cookieSecret,
    ...(origin ? { origin } : {}),
    allowedOrigins: text("CIRTUSAI_ALLOWED_ORIGINS")?.split(",").map((s) => s.trim()).filter(
      Boolean,
    ),
    ...(routes ? { routes: parseRoutes(routes) } : {}),
    ...(timeout ? { timeout } : {}),
    ...(maxBodyBytes ? { maxBodyBytes } : {}),
    ...(perMinute ? { rateLimit: { limit: perMinute, windowMs: 60_000 } } : {}),
    ...(text("CIRTUSAI_PROXY_KV") ? { store: kvStore(text("CIRTUSAI_PROXY_KV")!) } : {}),
    ...(isNamespace(env.CIRTUSAI_PROXY_STATE)
      ? { store: new DurableObjectProxyStore(env.CIRTUSAI_PROXY_STATE) }
      : {}),
    ...(mode === "service"
      ? {
        service: refreshToken ? { refreshToken } : {
          username: username ?? "",
          password: text("CIRTUSAI_PASSWORD") ?? "",
          totpSecret: text("CIRTUSAI_TOTP_SECRET") ?? "",
        },
      }
      : {}),
  };
}

/**
 * A fetch handler that builds the proxy from the bindings of its first request: what a
 * Cloudflare Worker exports (`export default proxyFromEnv()`), where bindings arrive per request.
 *
 * @example
 * ```ts
 * import { proxyFromEnv } from "@cirtusai/sdk/proxy";
 * export default proxyFromEnv();
 * ```
 */
export function proxyFromEnv(
  fallback: ProxyEnv = {},
): { fetch: (request: Request, env?: ProxyEnv, ctx?: unknown) => Response | Promise<Response> } {
  let app: FetchApp | null = null;
  return {
    fetch: (request, env, ctx) => {
      app ??= createProxy(proxyOptionsFromEnv({ ...fallback, ...(env ?? {}) }));
      return app.fetch(request, env, ctx);
    },
  };
}
