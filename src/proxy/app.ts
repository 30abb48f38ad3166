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
import { clientKeyOf } from "../server/client_key.ts";
import { remoteAddress } from "../server/remote_address.ts";
import { requestLog } from "../server/request_log.ts";
import type { FetchApp } from "../server/fetch_app.ts";
import { CirtusAIClient } from "../sdk/client.ts";
import { REFUSAL_PAUSE_MS, serviceLogin } from "../sdk/service_login.ts";
import {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  CirtusAIError,
  InvalidArgumentError,
} from "../sdk/errors.ts";
import { relay, Upstream, UpstreamError, upstreamHeaders } from "./forward.ts";
import type { RateLimitHit, RateLimitStore } from "./rate_limit.ts";
import { MemoryProxyStore, type ProxyStore, type SharedSession } from "./proxy_store.ts";
import { API_ROUTES, routeMatcher, type RouteRule, unsafePath } from "./routes.ts";
import { readCookies, type Session, sessionCookieHeader, SessionSealer } from "./session_cookie.ts";
import { type Site, Sites } from "./site.ts";

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
  /**
   * Session mode: base64, base64url or hex of at least 32 random bytes (`openssl rand -base64
   * 32`); the cookie key is derived from it. Words, short or patterned values are refused.
   */
  cookieSecret?: string;
  /**
   * Session cookie's name; default `cirtusai_session`. Over HTTPS the cookie is `__Host-` + this
   * name (Secure, the whole site, no Domain), so no other site or path can plant one.
   */
  cookieName?: string;
  /**
   * The proxy's public origin (`https://app.example.com`), when what the proxy sees differs from
   * what the browser does (TLS ended in front of it). Default: each request's scheme and `Host`.
   * It is the origin the CSRF check and CORS accept besides `allowedOrigins`, and its scheme
   * decides the cookie's `__Host-` name.
   */
  origin?: string;
  /**
   * Session mode: a session's absolute lifetime in seconds, from its login; default 30 days. The
   * sealed cookie carries the end, and is refused after it whatever the store says.
   */
  sessionMaxAge?: number;
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
   * Client key for rate limiting, from the request and the runtime's `env`. Default: the
   * connection's address as the runtime gives it (`Deno.serve`, `serve()`, `Bun.serve`,
   * `@hono/node-server`), an IPv6 one as its /64; on Cloudflare Workers, `CF-Connecting-IP`, which
   * Cloudflare sets. Where neither is given (a wrapper that drops the runtime's second argument),
   * calls are refused with a 500 until this is set: a header is never believed elsewhere.
   */
  clientKey?: (request: Request, env: unknown) => string;
  /** The fetch used to reach the upstream; default `globalThis.fetch`. */
  fetch?: (input: string, init: RequestInit) => Promise<Response>;
  /** One line per request (method, path, status, ms); never a token. */
  log?: (line: string) => void;
}

const STATE_CHANGING = new Set(["POST", "PUT", "PATCH", "DELETE"]);
const SESSION_MAX_AGE = 30 * 24 * 3600;

/** A request as the proxy handles it: with the runtime's `env` and execution context. */
interface Call {
  raw: Request;
  env: unknown;
  /** Workers' execution context (`waitUntil`); undefined elsewhere. */
  ctx: unknown;
  /** The browser's address, once the rate limit has looked it up. */
  address?: string;
}

/** What a request's session cookie gave: none, a session, or the answer that refuses it. */
type CookieSession =
  | { session: null; refused?: undefined }
  | { session: Readonly<Session>; renewed?: string; refused?: undefined }
  | { session: null; refused: Response };

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

/** Cloudflare Workers, where `CF-Connecting-IP` is set by Cloudflare itself, never the client. */
function onWorkers(): boolean {
  const navigator = (globalThis as { navigator?: { userAgent?: unknown } }).navigator;
  return navigator?.userAgent === "Cloudflare-Workers";
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
  const workers = onWorkers();
  const sites = new Sites(cookieName, options.origin, workers);
  const sealer = mode === "session"
    ? new SessionSealer(options.cookieSecret ?? "", cookieName)
    : null;
  const sessionMaxAge = options.sessionMaxAge ?? SESSION_MAX_AGE;
  if (!(sessionMaxAge > 0) || !Number.isFinite(sessionMaxAge)) {
    throw new InvalidArgumentError(
      "sessionMaxAge",
      "sessionMaxAge must be a positive number of seconds",
    );
  }
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
    if (next) {
      next.exp = session.exp;
      if (session.sid) {
        next.sid = session.sid;
        next.gen = (session.gen ?? 0) + 1;
      }
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
        await shared.publish(sid, await sealer!.seal(next), next.gen!, lifeLeft(next));
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

  /** What is left of `session`'s absolute lifetime, in ms (at least 1 s, for store TTLs). */
  function lifeLeft(session: Readonly<Session>): number {
    return Math.max(1000, (session.exp ?? 0) - Date.now());
  }

  /** The Set-Cookie header that stores `session`, kept by the browser as long as it may live. */
  async function sessionCookie(site: Site, session: Session): Promise<string> {
    const maxAge = Math.ceil(lifeLeft(session) / 1000);
    return sessionCookieHeader(site.cookieName, await sealer!.seal(session), maxAge, site.secure);
  }
  const clearCookie = (site: Site) => sessionCookieHeader(site.cookieName, "", 0, site.secure);

  /** Whether `origin` may use the session: the proxy's own (as the request says) or a configured one. */
  function allowedOrigin(origin: string, raw: Request): boolean {
    return origins.has(origin) || origin === sites.of(raw).origin;
  }

  function sameOrigin(raw: Request): boolean {
    const origin = raw.headers.get("origin");
    if (origin) return allowedOrigin(origin, raw);
    return raw.headers.get("sec-fetch-site") === "same-origin";
  }

  /**
   * The session of the request's cookie (`site`'s name): none; one that opens, is within its
   * lifetime and was not ended, brought up to the latest tokens the store knows (`renewed`: the
   * cookie that holds them); or the answer refusing it (two cookies, tampered, expired, ended).
   * Not async: a cookie opened before, with a synchronous store (the default), costs no promise.
   */
  function cookieSession(site: Site, values: string[]): CookieSession | Promise<CookieSession> {
    if (values.length === 0) return { session: null };
    if (values.length > 1) {
      return refused(
        site,
        400,
        `Two ${site.cookieName} cookies were sent (another site or path set one): clear this ` +
          "site's cookies, then log in again",
      );
    }
    const cached = sealer!.cached(values[0]);
    if (!cached) return sealer!.open(values[0]).then((opened) => current(site, opened));
    return current(site, cached);
  }

  function refused(site: Site, status: number, detail: string): CookieSession {
    return {
      session: null,
      refused: problem(status, detail, {
        ...(status === 401 ? { "www-authenticate": "Bearer" } : {}),
        "set-cookie": clearCookie(site),
      }),
    };
  }

  /** An opened cookie's session, checked against its end and the shared store. */
  function current(
    site: Site,
    session: Readonly<Session> | null,
  ): CookieSession | Promise<CookieSession> {
    if (!session) return refused(site, 401, "Invalid session");
    if (!(typeof session.exp === "number" && session.exp > Date.now())) {
      return refused(site, 401, "Session expired: log in again");
    }
    if (!session.sid) return { session };
    // One read of the shared store: a session ended elsewhere is refused; a cookie older than the
    // session's latest rotation gets the latest tokens, not a second refresh.
    const gen = session.gen ?? 0;
    const decide = async (known: SharedSession | null): Promise<CookieSession> => {
      if (known?.revoked) return refused(site, 401, "Session ended: log in again");
      if (known?.sealed && known.gen > gen) {
        const latest = sealer!.cached(known.sealed) ?? await sealer!.open(known.sealed);
        if (latest) return { session: latest, renewed: await sessionCookie(site, latest) };
      }
      return { session };
    };
    const pending = shared.session(session.sid);
    if (pending instanceof Promise) return pending.then(decide);
    // The common case: a session never refreshed nor ended, which the store does not know.
    return pending === null ? { session } : decide(pending);
  }

  /**
   * Ends the sessions of the cookies sent, as far as the API allows (it has no logout): every
   * instance refuses them from now on (the store), and upstream the latest refresh token is spent
   * twice, the tokens it gives discarded. The second use is a reuse, which the contract answers by
   * revoking the whole family, access tokens included; a backend that does not at least has the
   * refresh token spent. False when the upstream could not be reached (or failed).
   */
  async function endSessions(values: string[]): Promise<boolean> {
    let reached = true;
    for (const value of values.slice(0, 4)) {
      let session = await sealer!.open(value);
      if (!session) continue;
      const sid = session.sid;
      if (sid) {
        const known = await shared.session(sid);
        if (known?.sealed && known.gen > (session.gen ?? 0)) {
          session = await sealer!.open(known.sealed) ?? session;
        }
        await shared.revoke(sid, lifeLeft(session));
      }
      const token = session.refresh_token;
      if (!token) continue;
      try {
        for (let use = 0; use < 2; use++) {
          const res = await upstreamApi.call("/auth/refresh", {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ refresh_token: token }),
          });
          await res.body?.cancel();
          if (res.status >= 500) reached = false;
          if (!res.ok) break; // spent or revoked already, or the upstream failed
        }
      } catch (err) {
        if (!(err instanceof UpstreamError)) throw err;
        reached = false;
      }
    }
    return reached;
  }

  // Service mode: the SDK logs the proxy in, keeps and refreshes its tokens. After the upstream
  // refuses the login (wrong credentials, a rate limit: any 4xx), calls fail at once for a while:
  // logging in again on every call would hammer the upstream and could get the account locked.
  let serviceClient: CirtusAIClient | null = null;
  let renewService: (() => Promise<void>) | null = null;
  const refusal = () => new UpstreamError(502, "Upstream refused the proxy's login");

  /** The service account's access token; an upstream failure is an {@linkcode UpstreamError}. */
  async function serviceToken(call: Call, force = false): Promise<string> {
    const client = serviceClient ??= new CirtusAIClient(base, {
      fetch: (input, init) => fetchImpl(String(input), init ?? {}),
      timeout,
    });
    renewService ??= serviceLogin(client, options.service!, {
      onRefused: (err) =>
        console.error(
          `proxy: the upstream refused the service account's login (${err.status}); ` +
            `retrying in ${REFUSAL_PAUSE_MS / 1000} s`,
        ),
    });
    if (!force && client.token) return client.token;
    const renewed = renewService();
    outliveRequest(call, renewed);
    try {
      await renewed;
    } catch (err) {
      if (err instanceof APIConnectionTimeoutError) throw new UpstreamError(504);
      if (err instanceof APIConnectionError) throw new UpstreamError(502);
      if (err instanceof APIError && err.status < 500) throw refusal();
      if (err instanceof CirtusAIError) throw new UpstreamError(502, "Upstream login failed");
      throw err;
    }
    return client.token!;
  }

  const app = new Hono();

  if (options.log) app.use("*", requestLog(options.log));
  const corsHeaders = cors({
    origin: (origin, c) => (allowedOrigin(origin, c.req.raw) ? origin : null),
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
    const key = clientKeyFor(call);
    if (key === null) return unidentified();
    const hit = store.hit(key, windowMs);
    return hit instanceof Promise ? hit.then(admit) : admit(hit);
  }

  /**
   * The rate-limit key of a call, and the browser's address on it (for the upstream): the
   * configured `clientKey`, or the runtime's remote address (IPv6 by its /64), or on Workers
   * Cloudflare's `CF-Connecting-IP`. Null when none is known: a header the client could set is
   * never believed.
   */
  function clientKeyFor(call: Call): string | null {
    const address = remoteAddress(call.env, call.raw) ??
      (workers ? call.raw.headers.get("cf-connecting-ip") ?? undefined : undefined);
    call.address = address;
    if (options.clientKey) return options.clientKey(call.raw, call.env);
    return address === undefined ? null : clientKeyOf(address);
  }

  let warnedUnidentified = false;
  function unidentified(): Response {
    if (!warnedUnidentified) {
      warnedUnidentified = true;
      console.error(
        "proxy: the runtime passed no client address, so the rate limit cannot tell clients " +
          "apart; serve app.fetch itself (Deno.serve, serve(), Bun.serve, @hono/node-server), " +
          "pass the handler's second argument on, or set createProxy({ clientKey })",
      );
    }
    return problem(500, "Proxy misconfigured: no client address (see the proxy's log)");
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
    const site = mode === "session" ? sites.of(raw) : null;
    if (site && method === "POST" && path === "/auth/logout") {
      if (!sameOrigin(raw)) return problem(403, "Cross-site request refused");
      const reached = await endSessions(readCookies(raw.headers.get("cookie"), site.cookieName));
      const cleared = { "set-cookie": clearCookie(site) };
      if (!reached) {
        return problem(
          502,
          "Logged out here, but the upstream could not be reached to end the session",
          cleared,
        );
      }
      return json({ authenticated: false }, 200, cleared);
    }
    const sessionProbe = site !== null && method === "GET" && path === "/auth/session";
    if (!sessionProbe && !allowed(method, path)) return problem(404, "Not Found");
    if (site && STATE_CHANGING.has(method) && !sameOrigin(raw)) {
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
    const forward = (token?: string, payload = body) =>
      upstreamApi.call(target, {
        method,
        headers: upstreamHeaders(raw.headers, token, call.address),
        body: payload,
      });

    try {
      if (!site) {
        let res = await forward(await serviceToken(call));
        if (res.status === 401) res = await forward(await serviceToken(call, true));
        return out(res);
      }
      const expired = () =>
        problem(401, "Session expired: log in again", {
          "www-authenticate": "Bearer",
          "set-cookie": clearCookie(site),
        });

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
        session.exp = Date.now() + sessionMaxAge * 1000;
        return json({ authenticated: true, expires_in: answer.expires_in ?? null }, 200, {
          "set-cookie": await sessionCookie(site, session),
        });
      }

      const cookies = readCookies(raw.headers.get("cookie"), site.cookieName);
      // During a login, before any session: an SMS code for the temporary token, which the page
      // got from /api/auth/login and sends as {"temporary_token": ...}; upstream it is the bearer.
      if (path === "/auth/2fa/request-sms" && cookies.length === 0) {
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
      const pendingSession = cookieSession(site, cookies);
      const found = pendingSession instanceof Promise ? await pendingSession : pendingSession;
      if (found.refused) {
        if (!sessionProbe || found.refused.status !== 401) return found.refused;
        await found.refused.body?.cancel();
        return json({ authenticated: false, expires_in: null }, 200, {
          "set-cookie": clearCookie(site),
        });
      }
      let session = found.session;
      let renewed = found.session ? found.renewed : undefined;
      const expiresIn = (s: Readonly<Session>) =>
        s.expires_at ? Math.round((s.expires_at - Date.now()) / 1000) : null;
      if (path === "/auth/refresh") {
        const next = session ? await refreshSession(call, session) : null;
        if (!next) return expired();
        return json({ authenticated: true, expires_in: expiresIn(next) }, 200, {
          "set-cookie": await sessionCookie(site, next),
        });
      }
      if (session?.expires_at !== undefined && session.expires_at <= Date.now() + 5_000) {
        const next = await refreshSession(call, session);
        if (!next) {
          if (!sessionProbe) return expired();
          return json({ authenticated: false, expires_in: null }, 200, {
            "set-cookie": clearCookie(site),
          });
        }
        session = next;
        renewed = await sessionCookie(site, session);
      }
      if (sessionProbe) {
        // Answered by the proxy itself, from the cookie: what a page asks on load.
        const state = session
          ? { authenticated: true, expires_in: expiresIn(session) }
          : { authenticated: false, expires_in: null };
        return json(state, 200, renewed ? { "set-cookie": renewed } : {});
      }
      const res = await forward(session?.access_token);
      if (res.status !== 401 || !session?.refresh_token) return out(res, renewed);
      const next = await refreshSession(call, session);
      if (!next) return out(res, clearCookie(site));
      await res.body?.cancel(); // replaced by the replay's answer
      return out(await forward(next.access_token), await sessionCookie(site, next));
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
