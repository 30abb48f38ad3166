/**
 * `createProxy()`: an app (Hono underneath) that forwards `/api/*` to a fixed CirtusAI upstream and
 * adds the authentication the browser never sees (session mode: tokens in an encrypted HttpOnly
 * cookie; service mode: the proxy's own account).
 *
 * @module
 */
import { type Context, type ExecutionContext, Hono } from "hono";
import { cors } from "hono/cors";
import { readBody } from "../server/body_limit.ts";
import { remoteAddress } from "../server/remote_address.ts";
import { requestLog } from "../server/request_log.ts";
import type { FetchApp } from "../server/fetch_app.ts";
import { CirtusAIClient } from "../sdk/client.ts";
import {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  CirtusAIError,
  InvalidArgumentError,
} from "../sdk/errors.ts";
import { relay, Upstream, UpstreamError, upstreamHeaders } from "./forward.ts";
import type { RateLimitHit, RateLimitStore } from "./rate_limit.ts";
import { MemoryProxyStore, type ProxyStore } from "./proxy_store.ts";
import { API_ROUTES, routeMatcher, type RouteRule, unsafePath } from "./routes.ts";
import { readCookie, type Session, sessionCookieHeader, SessionSealer } from "./session_cookie.ts";

/** The proxy's own account, for service mode. */
export type ServiceCredentials =
  | { username: string; password: string; totpSecret: string }
  | { refreshToken: string };

/** Options of {@linkcode createProxy}. */
export interface ProxyOptions {
  /** The CirtusAI API base URL; fixed, never taken from a request. */
  upstream: string;
  /** `"session"` (default): browsers log in through the proxy. `"service"`: the proxy's own account. */
  mode?: "session" | "service";
  /** Session mode: at least 32 random characters; the cookie key is derived from it. */
  cookieSecret?: string;
  /** Session cookie name; default `cirtusai_session`. */
  cookieName?: string;
  /** Service mode: the account the proxy logs in with. */
  service?: ServiceCredentials;
  /** Allowed method + path patterns; default every route of the API (session mode). Service mode needs them. */
  routes?: readonly RouteRule[];
  /** Origins allowed by CORS (with credentials) and by the CSRF check, besides the proxy's own. */
  allowedOrigins?: string[];
  /** Largest request body; default 1 MiB (413 beyond). */
  maxBodyBytes?: number;
  /**
   * Upstream timeout in ms; default 15 000. No answer in time is a 504. Calls share a timer per
   * window of a tenth of the timeout (at most 1 s), so each gets up to one window more, and a body
   * still streaming that long after its request may be cut. `Infinity`: none.
   */
  timeout?: number;
  /** Requests per client and window; default 120 a minute, counted in `store` when given. */
  rateLimit?: { limit?: number; windowMs?: number; store?: RateLimitStore };
  /**
   * What instances share: the session's latest tokens, one refresh at a time, logouts, and the
   * rate limit (see {@linkcode ProxyStore}). Default a {@linkcode MemoryProxyStore}: right for one
   * instance; several (Deno Deploy, Workers) need a shared one, such as `KvProxyStore`.
   */
  store?: ProxyStore;
  /**
   * Client key for rate limiting, from the request and the runtime's `env` (Deno.serve's
   * connection info); default the connection's address (Deno) or `cf-connecting-ip` (Workers).
   */
  clientKey?: (request: Request, env: unknown) => string;
  /** The fetch used to reach the upstream; default `globalThis.fetch`. */
  fetch?: (input: string, init: RequestInit) => Promise<Response>;
  /** One line per request (method, path, status, ms); never a token. */
  log?: (line: string) => void;
}

const STATE_CHANGING = new Set(["POST", "PUT", "PATCH", "DELETE"]);
const COOKIE_MAX_AGE = 30 * 24 * 3600;

/** A request as the proxy handles it: with the runtime's `env` and execution context. */
interface Call {
  raw: Request;
  env: unknown;
  /** Workers' execution context (`waitUntil`); undefined elsewhere. */
  ctx: unknown;
}

function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return Response.json(body, { status, headers });
}

function problem(status: number, detail: string, headers: Record<string, string> = {}): Response {
  return json({ detail }, status, headers);
}

/**
 * Keeps `work` running to its end even if the request that started it goes away, where the runtime
 * would otherwise cancel it (Workers: `waitUntil`). Other requests may be waiting for the same
 * work (one refresh, or one login, serves them all); without this they could wait forever.
 */
function outliveRequest(call: Call, work: Promise<unknown>): void {
  const ctx = call.ctx as { waitUntil?(promise: Promise<unknown>): void } | undefined;
  if (typeof ctx?.waitUntil === "function") ctx.waitUntil(work.catch(() => {}));
}

/** Hono's execution context, where the runtime gives one (Hono throws where it gives none). */
function executionCtxOf(c: Context): unknown {
  try {
    return c.executionCtx;
  } catch {
    return undefined;
  }
}

/** The browser's address: the connection's (Deno), or what Cloudflare itself sets (Workers). */
function browserAddress(request: Request, env: unknown): string | undefined {
  return remoteAddress(env) ?? request.headers.get("cf-connecting-ip") ?? undefined;
}

function defaultClientKey(request: Request, env: unknown): string {
  return browserAddress(request, env) ?? "anonymous";
}

/**
 * Creates the proxy app.
 *
 * @example
 * ```ts
 * import { createProxy } from "@cirtusai/sdk/proxy";
 * const app = createProxy({ upstream: "https://api.cirtus.ai", cookieSecret: Deno.env.get("COOKIE_SECRET")! });
 * Deno.serve(app.fetch);
 * ```
 */
export function createProxy(options: ProxyOptions): FetchApp {
  let upstream: URL;
  try {
    upstream = new URL(options.upstream);
  } catch {
    throw new InvalidArgumentError("upstream", "upstream must be an absolute http(s) URL");
  }
  if (upstream.protocol !== "http:" && upstream.protocol !== "https:") {
    throw new InvalidArgumentError("upstream", "upstream must be an absolute http(s) URL");
  }
  const base = options.upstream.replace(/\/+$/, "");
  const mode = options.mode ?? "session";
  const cookieName = options.cookieName ?? "cirtusai_session";
  const sealer = mode === "session"
    ? new SessionSealer(options.cookieSecret ?? "", cookieName)
    : null;
  if (mode === "service" && !options.service) {
    throw new InvalidArgumentError("service", "service mode needs the proxy's credentials");
  }
  if (mode === "service" && !options.routes?.length) {
    throw new InvalidArgumentError(
      "routes",
      "service mode needs the routes anonymous callers may use",
    );
  }
  const allowed = routeMatcher(
    (options.routes ?? API_ROUTES).filter((r) => mode === "session" || !r.path.startsWith("/auth")),
  );
  const origins = new Set(options.allowedOrigins ?? []);
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
  if (!(maxBodyBytes >= 0)) {
    throw new InvalidArgumentError("maxBodyBytes", "maxBodyBytes must be a number of bytes");
  }
  const timeout = options.timeout ?? 15_000;
  if (!(timeout > 0)) {
    throw new InvalidArgumentError("timeout", "timeout must be a positive number of ms");
  }
  const fetchImpl = options.fetch ?? ((input: string, init: RequestInit) => fetch(input, init));
  const limit = options.rateLimit?.limit ?? 120;
  const windowMs = options.rateLimit?.windowMs ?? 60_000;
  if (!(limit > 0) || !(windowMs > 0)) {
    throw new InvalidArgumentError("rateLimit", "rateLimit limit and windowMs must be positive");
  }
  const shared = options.store ?? new MemoryProxyStore();
  const store = options.rateLimit?.store ?? shared;
  const clientKey = options.clientKey ?? defaultClientKey;
  // One refresh at a time per session, keyed by its refresh token. The outcome is kept a few
  // seconds, so calls that left the browser with the old cookie get the new session rather than
  // reusing a spent refresh token (which would revoke the whole family).
  const refreshing = new Map<string, { at: number; result: Promise<Session | null> }>();

  const upstreamApi = new Upstream(base, { fetch: fetchImpl, timeout });
  /** An upstream answer for the browser (headers allowlisted, Location kept within /api). */
  const out = (res: Response, setCookie?: string) => relay(res, setCookie, upstream.origin);

  async function refreshSession(call: Call, session: Readonly<Session>): Promise<Session | null> {
    const token = session.refresh_token;
    if (!token) return null;
    const now = Date.now();
    for (const [key, entry] of refreshing) if (now - entry.at > 10_000) refreshing.delete(key);
    let pending = refreshing.get(token)?.result;
    if (!pending) {
      pending = session.sid ? refreshShared(session, session.sid) : exchange(session);
      // An unreachable upstream is not an answer worth keeping: the next call tries again.
      pending.catch(() => refreshing.delete(token));
      refreshing.set(token, { at: now, result: pending });
      outliveRequest(call, pending);
    }
    return await pending;
  }

  /** One refresh upstream; the new session keeps the id and counts one generation more. */
  async function exchange(session: Readonly<Session>): Promise<Session | null> {
    const res = await upstreamApi.call("/auth/refresh", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ refresh_token: session.refresh_token }),
    });
    if (!res.ok) {
      await res.body?.cancel();
      return null;
    }
    const next = sessionFrom(await res.json(), session.refresh_token);
    if (next && session.sid) {
      next.sid = session.sid;
      next.gen = (session.gen ?? 0) + 1;
    }
    return next;
  }

  /**
   * A refresh that every instance agrees on: tokens another instance already rotated are taken
   * as they are; otherwise whoever holds the session's lease refreshes, and the others wait for
   * its result (at most 5 s) rather than spend the same refresh token a second time.
   */
  async function refreshShared(session: Readonly<Session>, sid: string): Promise<Session | null> {
    const gen = session.gen ?? 0;
    const newer = async () => {
      const known = await shared.session(sid);
      if (known?.revoked) return "revoked" as const;
      return known?.sealed && known.gen > gen ? await sealer!.open(known.sealed) : null;
    };
    const deadline = Date.now() + 5_000;
    for (let delay = 20;; delay = Math.min(delay * 2, 250)) {
      const found = await newer();
      if (found) return found === "revoked" ? null : found;
      if (await shared.acquire(sid, 15_000)) break;
      if (Date.now() > deadline) {
        throw new UpstreamError(504, "Another refresh of this session did not finish");
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
    try {
      const found = await newer(); // finished just before the lease was ours
      if (found) return found === "revoked" ? null : found;
      const next = await exchange(session);
      if (next) {
        await shared.publish(sid, await sealer!.seal(next), next.gen!, COOKIE_MAX_AGE * 1000);
      }
      return next;
    } finally {
      await shared.release(sid);
    }
  }

  function sessionFrom(body: Record<string, unknown>, previousRefresh?: string): Session | null {
    if (typeof body?.access_token !== "string") return null;
    const session: Session = { access_token: body.access_token };
    const refresh = typeof body.refresh_token === "string" ? body.refresh_token : previousRefresh;
    if (refresh) session.refresh_token = refresh;
    if (typeof body.expires_in === "number") {
      session.expires_at = Date.now() + body.expires_in * 1000;
    }
    return session;
  }

  /** The Set-Cookie header that stores `session`. */
  async function sessionCookie(session: Session): Promise<string> {
    return sessionCookieHeader(cookieName, await sealer!.seal(session), COOKIE_MAX_AGE);
  }
  const clearCookie = sessionCookieHeader(cookieName, "", 0);

  function sameOrigin(raw: Request): boolean {
    const origin = raw.headers.get("origin");
    if (origin) return origin === new URL(raw.url).origin || origins.has(origin);
    return raw.headers.get("sec-fetch-site") === "same-origin";
  }

  // Service mode: the SDK logs the proxy in, keeps and refreshes its tokens.
  let serviceClient: CirtusAIClient | null = null;
  let serviceLogin: Promise<unknown> | null = null;
  // After the upstream refuses the login (wrong credentials, a rate limit: any 4xx), calls fail at
  // once for a while: logging in again on every call would hammer the upstream and could get the
  // account locked.
  let refusedUntil = 0;
  const REFUSAL_PAUSE_MS = 30_000;
  const refusal = () => new UpstreamError(502, "Upstream refused the proxy's login");

  /** The service account's access token; an upstream failure is an {@linkcode UpstreamError}. */
  async function serviceToken(call: Call, force = false): Promise<string> {
    if (Date.now() < refusedUntil) throw refusal();
    try {
      return await serviceLoginToken(call, force);
    } catch (err) {
      if (err instanceof APIConnectionTimeoutError) throw new UpstreamError(504);
      if (err instanceof APIConnectionError) throw new UpstreamError(502);
      if (err instanceof APIError && err.status < 500) {
        refusedUntil = Date.now() + REFUSAL_PAUSE_MS;
        console.error(
          `proxy: the upstream refused the service account's login (${err.status}); ` +
            `retrying in ${REFUSAL_PAUSE_MS / 1000} s`,
        );
        throw refusal();
      }
      if (err instanceof CirtusAIError) throw new UpstreamError(502, "Upstream login failed");
      throw err;
    }
  }

  async function serviceLoginToken(call: Call, force: boolean): Promise<string> {
    const credentials = options.service!;
    const client = serviceClient ??= new CirtusAIClient(base, {
      fetch: (input, init) => fetchImpl(String(input), init ?? {}),
      timeout,
    });
    if (force || !client.token) {
      if (!serviceLogin) {
        serviceLogin = (async () => {
          if ("refreshToken" in credentials) {
            return await client.auth.refresh(client.refreshToken ?? credentials.refreshToken);
          }
          // A refresh when possible; a new login when the refresh token is gone or refused.
          if (client.refreshToken && await client.auth.refresh().then(() => true, () => false)) {
            return;
          }
          await client.auth.loginWith2fa(credentials.username, credentials.password, {
            totpSecret: credentials.totpSecret,
          });
        })().finally(() => {
          serviceLogin = null;
        });
        outliveRequest(call, serviceLogin);
      }
      await serviceLogin;
    }
    return client.token!;
  }

  const app = new Hono();

  if (options.log) app.use("*", requestLog(options.log));
  const corsHeaders = cors({
    origin: (
      origin,
      c,
    ) => (origins.has(origin) || origin === new URL(c.req.url).origin ? origin : null),
    credentials: mode === "session",
    allowHeaders: ["Content-Type"],
    allowMethods: ["GET", "POST", "PUT", "DELETE", "OPTIONS"],
    maxAge: 600,
  });

  // Every /api call: the rate limit, then CORS where there is an Origin (Hono's middleware).
  app.all("/api/*", (c) => {
    const call: Call = { raw: c.req.raw, env: c.env, ctx: executionCtxOf(c) };
    return limited(
      call,
      (admitted) =>
        admitted.raw.headers.get("origin") === null
          ? handle(admitted)
          : corsHeaders(c, async () => {
            c.res = await handle(admitted);
          }).then((preflight) => preflight ?? c.res),
    );
  });

  /** The rate limit, then `next`. Not async: a synchronous store (the default) costs no promise. */
  function limited(
    call: Call,
    next: (call: Call) => Promise<Response>,
  ): Response | Promise<Response> {
    const admit = (hit: RateLimitHit) =>
      hit.count > limit
        ? problem(429, "Too many requests", {
          "retry-after": String(Math.max(1, Math.ceil((hit.resetAt - Date.now()) / 1000))),
        })
        : next(call);
    const hit = store.hit(clientKey(call.raw, call.env), windowMs);
    return hit instanceof Promise ? hit.then(admit) : admit(hit);
  }

  /** One /api call past the rate limit. Cookies are set by the answers themselves. */
  async function handle(call: Call): Promise<Response> {
    const { raw } = call;
    const method = raw.method;
    // The raw path and query, before any decoding: what the upstream would see. A fragment
    // never reaches a server, but a Request built by hand may carry one.
    let href = raw.url;
    if (href.includes("#")) href = href.slice(0, href.indexOf("#"));
    const pathStart = href.indexOf("/", href.indexOf("//") + 2);
    const queryStart = href.indexOf("?", pathStart);
    const rawPath = href.slice(pathStart, queryStart < 0 ? undefined : queryStart);
    const search = queryStart < 0 ? "" : href.slice(queryStart);
    const why = unsafePath(rawPath);
    if (why) return problem(400, `Refused path: ${why}`);
    const path = rawPath.slice("/api".length) || "/";
    if (mode === "session" && method === "POST" && path === "/auth/logout") {
      if (!sameOrigin(raw)) return problem(403, "Cross-site request refused");
      // Ended for every instance at once: the cookie can no longer be used, nor refreshed.
      const cookie = readCookie(raw.headers.get("cookie"), cookieName);
      const ending = cookie ? await sealer!.open(cookie) : null;
      if (ending?.sid) await shared.revoke(ending.sid, COOKIE_MAX_AGE * 1000);
      return json({ authenticated: false }, 200, { "set-cookie": clearCookie });
    }
    if (!allowed(method, path)) return problem(404, "Not Found");
    if (mode === "session" && STATE_CHANGING.has(method) && !sameOrigin(raw)) {
      return problem(403, "Cross-site request refused");
    }
    let body: Uint8Array<ArrayBuffer> | undefined;
    if (raw.body) {
      // A body must arrive whole within the upstream timeout (at most 10 s): one that trickles
      // in is cut off rather than holding the connection.
      const read = await readBody(raw, maxBodyBytes, { timeoutMs: Math.min(timeout, 10_000) });
      if (read === "timeout") return problem(408, "Request body too slow");
      if (read === "incomplete") return problem(400, "Request body incomplete");
      if (!read) return problem(413, "Request body too large");
      body = read;
    }
    const target = search ? path + search : path;
    const client = browserAddress(raw, call.env);
    const forward = (token?: string, payload = body) =>
      upstreamApi.call(target, {
        method,
        headers: upstreamHeaders(raw.headers, token, client),
        body: payload,
      });
    const expired = () =>
      problem(401, "Session expired: log in again", {
        "www-authenticate": "Bearer",
        "set-cookie": clearCookie,
      });

    try {
      if (mode === "service") {
        let res = await forward(await serviceToken(call));
        if (res.status === 401) res = await forward(await serviceToken(call, true));
        return out(res);
      }

      // Session mode: the login steps set the cookie and answer without tokens.
      if (path === "/auth/login" || path === "/auth/verify-2fa") {
        const res = await forward();
        if (!res.ok) return out(res);
        const answer = await res.json().catch(() => null);
        if (answer?.requires_2fa === true) return json(answer); // the temporary token is short-lived and useless alone
        const session = answer && sessionFrom(answer);
        if (!session) return problem(502, "Upstream answered without tokens");
        session.sid = crypto.randomUUID();
        session.gen = 0;
        return json({ authenticated: true, expires_in: answer.expires_in ?? null }, 200, {
          "set-cookie": await sessionCookie(session),
        });
      }

      const cookie = readCookie(raw.headers.get("cookie"), cookieName);
      // During a login, before any session: an SMS code for the temporary token, which the page
      // got from /api/auth/login and sends as {"temporary_token": ...}; upstream it is the bearer.
      if (path === "/auth/2fa/request-sms" && !cookie) {
        let temporary: unknown;
        try {
          temporary = JSON.parse(new TextDecoder().decode(body))?.temporary_token;
        } catch {
          temporary = undefined;
        }
        if (typeof temporary !== "string" || !temporary) {
          return problem(401, "Log in first, or send the login's temporary_token");
        }
        return out(await forward(temporary, undefined));
      }
      let session = cookie ? sealer!.cached(cookie) ?? await sealer!.open(cookie) : null;
      if (cookie && !session) {
        return problem(401, "Invalid session", {
          "www-authenticate": "Bearer",
          "set-cookie": clearCookie,
        });
      }
      let renewed: string | undefined;
      if (session?.sid) {
        // One read of the shared store: a session ended elsewhere is refused; a cookie older
        // than the session's latest rotation gets the latest tokens, not a second refresh.
        const pending = shared.session(session.sid);
        const known = pending instanceof Promise ? await pending : pending;
        if (known?.revoked) {
          return problem(401, "Session ended: log in again", {
            "www-authenticate": "Bearer",
            "set-cookie": clearCookie,
          });
        }
        if (known?.sealed && known.gen > (session.gen ?? 0)) {
          const latest = sealer!.cached(known.sealed) ?? await sealer!.open(known.sealed);
          if (latest) {
            session = latest;
            renewed = await sessionCookie(latest);
          }
        }
      }
      if (path === "/auth/refresh") {
        const next = session ? await refreshSession(call, session) : null;
        if (!next) return expired();
        return json(
          {
            authenticated: true,
            expires_in: next.expires_at ? Math.round((next.expires_at - Date.now()) / 1000) : null,
          },
          200,
          { "set-cookie": await sessionCookie(next) },
        );
      }
      if (session?.expires_at !== undefined && session.expires_at <= Date.now() + 5_000) {
        const next = await refreshSession(call, session);
        if (!next) return expired();
        session = next;
        renewed = await sessionCookie(session);
      }
      const res = await forward(session?.access_token);
      if (res.status !== 401 || !session?.refresh_token) return out(res, renewed);
      const next = await refreshSession(call, session);
      if (!next) return out(res, clearCookie);
      await res.body?.cancel(); // replaced by the replay's answer
      return out(await forward(next.access_token), await sessionCookie(next));
    } catch (err) {
      if (err instanceof UpstreamError) return problem(err.status, err.message);
      throw err;
    }
  }

  app.notFound(() => problem(404, "Not Found"));
  const unexpected = (err: unknown, raw: Request) => {
    console.error(
      `proxy: unexpected error on ${raw.method} ${new URL(raw.url).pathname}: ${
        (err as Error)?.name
      }`,
    );
    return problem(500, "Internal Server Error");
  };
  app.onError((err, c) => unexpected(err, c.req.raw));

  // The hot path: an /api/ call without an Origin (what a page's same-origin GETs send) needs no
  // CORS header, so it skips Hono's dispatch and context (about 1.5 µs a call). Everything else,
  // the request log included, goes through the Hono app.
  return {
    fetch(request: Request, env?: unknown, ctx?: unknown): Response | Promise<Response> {
      if (options.log || request.headers.get("origin") !== null) {
        return app.fetch(request, env, ctx as ExecutionContext);
      }
      const url = request.url;
      if (!url.startsWith("/api/", url.indexOf("/", url.indexOf("//") + 2))) {
        return app.fetch(request, env, ctx as ExecutionContext);
      }
      const failed = (err: unknown) => unexpected(err, request);
      try {
        const res = limited({ raw: request, env, ctx }, handle);
        return res instanceof Promise ? res.catch(failed) : res;
      } catch (err) {
        return failed(err);
      }
    },
  };
}
