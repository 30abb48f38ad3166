// Issue 7: the edge proxy, with the emulator as upstream; every security rule tested.
import assert from "node:assert/strict";
import { Totp } from "../mod.ts";
import {
  createProxy,
  MemoryRateLimitStore,
  type ProxyOptions,
  proxyOptionsFromEnv,
} from "../src/proxy/mod.ts";
import { readCookies, SessionSealer } from "../src/proxy/session_cookie.ts";
import { relay } from "../src/proxy/forward.ts";
import { unsafePath } from "../src/proxy/routes.ts";
import { InvalidArgumentError } from "../src/sdk/errors.ts";
import { codeAt, testEmulator } from "./helpers.ts";
import { browserRequest } from "./browser_request.ts";

const ORIGIN = "https://app.example";
const SECRET = "OpnelGI0kwQg0X7BJc0mNIDFgTKRCYaG8eNrFO6ZKVs="; // openssl rand -base64 32
const UPSTREAM = "http://upstream.test";
/** The session cookie's name on ORIGIN (HTTPS). */
const COOKIE = "__Host-cirtusai_session";
/** What the runtime hands the handler besides the request (Deno.serve's connection info). */
const CLIENT = { remoteAddr: { hostname: "203.0.113.9" } };

/** A request as a browser sends it to ORIGIN: with its Host header. */
function at(path: string, init: RequestInit = {}): Request {
  const headers = new Headers(init.headers);
  if (!headers.has("host")) headers.set("host", new URL(ORIGIN).host);
  return new Request(`${ORIGIN}${path}`, { ...init, headers });
}

/** An emulator upstream and a proxy in front of it, with every upstream call recorded. */
function stack(extra: Partial<ProxyOptions> = {}) {
  const emulator = testEmulator();
  const calls: { url: string; method: string; headers: Headers }[] = [];
  const lines: string[] = [];
  const proxy = createProxy({
    upstream: UPSTREAM,
    cookieSecret: SECRET,
    fetch: (input, init) => {
      calls.push({ url: input, method: init.method ?? "GET", headers: new Headers(init.headers) });
      return emulator.fetch(input, init);
    },
    log: (line) => lines.push(line),
    ...extra,
  });
  let cookie = "";
  const bodies: string[] = [];
  async function call(
    method: string,
    path: string,
    init: {
      json?: unknown;
      form?: Record<string, string>;
      headers?: Record<string, string>;
      cookie?: string | null;
      /** What the runtime passes as app.fetch's second argument; default CLIENT. */
      env?: unknown;
      /** The runtime's execution context (Workers), passed as app.fetch's third argument. */
      ctx?: { waitUntil(promise: Promise<unknown>): void; passThroughOnException(): void };
    } = {},
  ) {
    const jar = init.cookie === undefined ? cookie : init.cookie;
    const res = await proxy.fetch(
      browserRequest(method, `${ORIGIN}${path}`, { ...init, cookie: jar || undefined }),
      init.env ?? CLIENT,
      init.ctx,
    );
    const setCookie = res.headers.get("set-cookie");
    if (setCookie) {
      const value = setCookie.split(";")[0];
      cookie = value.endsWith("=") ? "" : value;
    }
    const text = await res.text();
    bodies.push(text);
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON
    }
    return {
      status: res.status,
      body: parsed as Record<string, unknown>,
      headers: res.headers,
      setCookie,
    };
  }
  async function session(): Promise<
    { access_token: string; refresh_token?: string; expires_at?: number }
  > {
    const value = cookie.slice(cookie.indexOf("=") + 1);
    return (await new SessionSealer(SECRET, "cirtusai_session").open(value))!;
  }
  return {
    emulator,
    proxy,
    calls,
    lines,
    bodies,
    call,
    session,
    getCookie: () => cookie,
    setCookie: (c: string) => (cookie = c),
  };
}

async function registerAndLogin(s: ReturnType<typeof stack>) {
  const username = `u${crypto.randomUUID().slice(0, 8)}`;
  const password = "correct horse battery";
  const reg = await s.call("POST", "/api/auth/register", {
    json: { username, email: `${username}@example.com`, password, preferred_2fa_method: "totp" },
  });
  assert.equal(reg.status, 201);
  const totp = await Totp.fromSecret(String(reg.body.secret));
  const login = await s.call("POST", "/api/auth/login", { form: { username, password } });
  assert.equal(login.status, 200);
  assert.equal(login.body.requires_2fa, true, "the 2FA step passes through");
  const verified = await s.call("POST", "/api/auth/verify-2fa", {
    json: {
      temporary_token: login.body.temporary_token,
      totp_code: await codeAt(s.emulator, totp),
    },
  });
  return { username, password, totp, verified, secret: String(reg.body.secret) };
}

Deno.test("session mode: login -> encrypted cookie -> calls -> refresh -> logout", async () => {
  const s = stack();
  const { verified } = await registerAndLogin(s);
  assert.equal(verified.status, 200);
  assert.deepEqual(verified.body, { authenticated: true, expires_in: 1800 });
  const attributes = verified.setCookie!.split(";").map((a) => a.trim().toLowerCase());
  for (const attr of ["httponly", "secure", "samesite=strict", "path=/"]) {
    assert.ok(attributes.includes(attr), attr);
  }
  const tokens = await s.session();
  assert.ok(tokens.access_token && tokens.refresh_token);
  assert.ok(!s.getCookie().includes(tokens.access_token), "the cookie is encrypted");

  const agents = await s.call("GET", "/api/agents");
  assert.equal(agents.status, 200);
  assert.equal((agents.body as unknown as unknown[]).length, 1);
  assert.equal(s.calls.at(-1)!.headers.get("authorization"), `Bearer ${tokens.access_token}`);

  // The upstream says the token expired: one refresh, a rotated cookie, the call replayed.
  s.emulator.clock.advance(31 * 60_000);
  const before = s.getCookie();
  const again = await s.call("GET", "/api/agents");
  assert.equal(again.status, 200);
  assert.notEqual(s.getCookie(), before, "the cookie was rotated");
  const rotated = await s.session();
  assert.notEqual(rotated.refresh_token, tokens.refresh_token);

  const refreshed = await s.call("POST", "/api/auth/refresh");
  assert.equal(refreshed.status, 200);
  assert.equal(refreshed.body.authenticated, true);
  assert.notEqual((await s.session()).refresh_token, rotated.refresh_token);

  const out = await s.call("POST", "/api/auth/logout");
  assert.deepEqual(out.body, { authenticated: false });
  assert.match(out.setCookie!, /Max-Age=0/i);
  assert.equal(s.getCookie(), "");
  const anonymous = await s.call("GET", "/api/agents");
  assert.equal(anonymous.status, 401);

  // No token ever reached a response body or a log line.
  for (const text of [...s.bodies, ...s.lines]) {
    for (
      const token of [
        tokens.access_token,
        tokens.refresh_token!,
        rotated.access_token,
        rotated.refresh_token!,
      ]
    ) {
      assert.ok(!text.includes(token), "a token leaked");
    }
  }
  assert.ok(s.lines.some((l) => /^GET \/api\/agents 200 /.test(l)));
});

Deno.test("an expired access token in the cookie is refreshed before the call, once for concurrent calls", async () => {
  const s = stack();
  await registerAndLogin(s);
  const tokens = await s.session();
  const sealer = new SessionSealer(SECRET, "cirtusai_session");
  s.setCookie(
    `${COOKIE}=${await sealer.seal({ ...tokens, expires_at: Date.now() - 1000 })}`,
  );
  const refreshesBefore = s.calls.filter((c) => c.url.endsWith("/auth/refresh")).length;
  const results = await Promise.all(
    Array.from({ length: 5 }, () => s.call("GET", "/api/agents/children")),
  );
  assert.deepEqual(results.map((r) => r.status), [200, 200, 200, 200, 200]);
  assert.equal(s.calls.filter((c) => c.url.endsWith("/auth/refresh")).length - refreshesBefore, 1);
});

Deno.test("on Workers a refresh outlives the request that started it (waitUntil), as others wait on it", async () => {
  const s = stack();
  await registerAndLogin(s);
  const tokens = await s.session();
  s.setCookie(
    `${COOKIE}=${await new SessionSealer(SECRET, "cirtusai_session").seal({
      ...tokens,
      expires_at: Date.now() - 1000,
    })}`,
  );
  const kept: Promise<unknown>[] = [];
  const ctx = { waitUntil: (p: Promise<unknown>) => kept.push(p), passThroughOnException() {} };
  const results = await Promise.all(
    Array.from({ length: 3 }, () => s.call("GET", "/api/agents", { ctx })),
  );
  assert.deepEqual(results.map((r) => r.status), [200, 200, 200]);
  assert.equal(kept.length, 1, "the one refresh the three calls shared");
  await kept[0];
  // A plain call to an unexpired session starts no shared work.
  assert.equal((await s.call("GET", "/api/agents", { ctx })).status, 200);
  assert.equal(kept.length, 1);
});

Deno.test("a failed refresh clears the session and answers 401", async () => {
  const s = stack();
  await registerAndLogin(s);
  const tokens = await s.session();
  // Spend the refresh token elsewhere, twice: the family is revoked.
  for (let i = 0; i < 2; i++) {
    await s.emulator.fetch(`${UPSTREAM}/auth/refresh`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ refresh_token: tokens.refresh_token }),
    });
  }
  const res = await s.call("POST", "/api/auth/refresh");
  assert.equal(res.status, 401);
  assert.equal(s.getCookie(), "");
});

Deno.test("tampered and foreign cookies are a 401", async () => {
  const s = stack();
  await registerAndLogin(s);
  const good = s.getCookie();
  const value = good.slice(good.indexOf("=") + 1);
  const flipped = value.slice(0, 20) + (value[20] === "A" ? "B" : "A") + value.slice(21);
  const tampered = await s.call("GET", "/api/agents", { cookie: `${COOKIE}=${flipped}` });
  assert.equal(tampered.status, 401);
  assert.deepEqual(tampered.body, { detail: "Invalid session" });
  const foreign = await new SessionSealer(
    "GHHJDoyDdUuOrl0OBxc1XPGj41LpOP7XwWGzRTdVvhE=",
    "cirtusai_session",
  ).seal({
    access_token: "x",
  });
  assert.equal(
    (await s.call("GET", "/api/agents", { cookie: `${COOKIE}=${foreign}` })).status,
    401,
  );
  assert.equal(
    (await s.call("GET", "/api/agents", { cookie: `${COOKIE}=garbage` })).status,
    401,
  );
});

Deno.test("fixed upstream, allowlist, and refused paths", async () => {
  const s = stack({
    routes: [{ method: "GET", path: "/agents" }, { method: "POST", path: "/_emulator/reset" }],
  });
  const cases: [string, string, number][] = [
    ["GET", "/api/agents", 401], // allowed, no session
    ["GET", "/api/wallets", 404], // not in this allowlist
    ["POST", "/api/_emulator/reset", 404], // never, whatever the routes say
    ["GET", "/api/agents/..%2F_emulator/sms", 400],
    ["GET", "/api//agents", 400],
    ["GET", "/api/agents/a%2e", 400],
    // The URL parser resolves encoded dot segments itself: this arrives as /api/x, not allowed.
    ["GET", "/api/agents/%2e%2e/x", 404],
    ["GET", "/api/agents%5c..%5cx", 400],
    ["GET", "/elsewhere", 404],
  ];
  for (const [method, path, status] of cases) {
    const res = await s.call(method, path, { headers: { host: "evil.example" } });
    assert.equal(res.status, status, `${method} ${path}`);
  }
  assert.ok(
    s.calls.every((c) => c.url.startsWith(`${UPSTREAM}/`)),
    "only the fixed upstream is called",
  );
  assert.equal(s.calls.length, 1);
  // URL normalisation takes "/api/../_emulator" out of /api entirely.
  const escaped = await s.proxy.fetch(at("/api/../_emulator/sms"), CLIENT);
  assert.equal(escaped.status, 404);
});

Deno.test("incoming Authorization and Cookie are never forwarded; hop-by-hop and upstream cookies are stripped", async () => {
  const seen: Headers[] = [];
  const proxy = createProxy({
    upstream: UPSTREAM,
    cookieSecret: SECRET,
    fetch: (_input, init) => {
      seen.push(new Headers(init.headers));
      return Promise.resolve(
        new Response("[]", {
          headers: {
            "content-type": "application/json",
            connection: "close",
            "keep-alive": "timeout=5",
            "set-cookie": "upstream=1",
            "x-request-id": "abc",
          },
        }),
      );
    },
  });
  const res = await proxy.fetch(
    at("/api/agents", {
      headers: {
        authorization: "Bearer stolen",
        cookie: "other=1",
        "x-forwarded-for": "1.2.3.4",
        connection: "keep-alive",
        accept: "application/json",
      },
    }),
    CLIENT,
  );
  assert.equal(res.status, 200);
  assert.equal(seen[0].get("authorization"), null);
  assert.equal(seen[0].get("cookie"), null);
  assert.equal(
    seen[0].get("x-forwarded-for"),
    "203.0.113.9",
    "the connection's address, never the client's header",
  );
  assert.equal(seen[0].get("connection"), null);
  assert.equal(seen[0].get("accept"), "application/json");
  assert.equal(res.headers.get("set-cookie"), null);
  assert.equal(res.headers.get("connection"), null);
  assert.equal(res.headers.get("keep-alive"), null);
  assert.equal(res.headers.get("x-request-id"), null, "an allowlist: x-* headers stay behind");
});

Deno.test("CSRF: state-changing calls need a same-origin or configured Origin", async () => {
  const s = stack({ allowedOrigins: ["https://partner.example"] });
  const { username, password } = await registerAndLogin(s);
  const [master] = (await s.call("GET", "/api/agents")).body as unknown as { id: string }[];
  const create = (headers: Record<string, string>) =>
    s.call("POST", "/api/agents/children", { json: { parent_id: master.id, name: "x" }, headers });
  assert.equal((await create({ origin: "https://evil.example" })).status, 403);
  assert.equal((await create({ origin: "https://partner.example" })).status, 201);
  assert.equal((await create({ origin: ORIGIN })).status, 201);
  // No Origin at all: only a browser's same-origin fetch metadata is accepted.
  const bare = await s.proxy.fetch(
    at("/api/auth/login", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ username, password }),
    }),
    CLIENT,
  );
  assert.equal(bare.status, 403);
  const sameSite = await s.proxy.fetch(
    at("/api/auth/login", {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        "sec-fetch-site": "same-origin",
      },
      body: new URLSearchParams({ username, password }),
    }),
    CLIENT,
  );
  assert.equal(sameSite.status, 200);
  assert.equal(
    (await s.call("POST", "/api/auth/logout", { headers: { origin: "https://evil.example" } }))
      .status,
    403,
  );
});

Deno.test("CORS: configured origins get credentials; others get nothing", async () => {
  const s = stack({ allowedOrigins: ["https://partner.example"] });
  const preflight = (origin: string) =>
    s.proxy.fetch(
      at("/api/agents", {
        method: "OPTIONS",
        headers: {
          origin,
          "access-control-request-method": "POST",
          "access-control-request-headers": "content-type",
        },
      }),
      CLIENT,
    );
  const ok = await preflight("https://partner.example");
  assert.equal(ok.headers.get("access-control-allow-origin"), "https://partner.example");
  assert.equal(ok.headers.get("access-control-allow-credentials"), "true");
  const bad = await preflight("https://evil.example");
  assert.equal(bad.headers.get("access-control-allow-origin"), null);
});

Deno.test("limits: body size 413, upstream timeout 504, unreachable upstream 502, rate limit 429", async () => {
  const big = stack({ maxBodyBytes: 100 });
  const tooLarge = await big.call("POST", "/api/identity/credentials/verify", {
    json: { credential: "x".repeat(500) },
  });
  assert.equal(tooLarge.status, 413);
  assert.deepEqual(tooLarge.body, { detail: "Request body too large" });

  const slow = createProxy({
    upstream: UPSTREAM,
    cookieSecret: SECRET,
    timeout: 30,
    // An upstream that never answers; like a real fetch in flight, it keeps the process alive.
    fetch: (_i, init) =>
      new Promise((_, reject) => {
        const inFlight = setTimeout(() => {}, 60_000);
        init.signal?.addEventListener("abort", () => {
          clearTimeout(inFlight);
          reject(init.signal?.reason);
        });
      }),
  });
  const timedOut = await slow.fetch(at("/api/agents"), CLIENT);
  assert.equal(timedOut.status, 504);
  assert.deepEqual(await timedOut.json(), { detail: "Upstream timed out" });

  const down = createProxy({
    upstream: UPSTREAM,
    cookieSecret: SECRET,
    fetch: () => Promise.reject(new TypeError("connection refused")),
  });
  const unreachable = await down.fetch(at("/api/agents"), CLIENT);
  assert.equal(unreachable.status, 502);
  assert.deepEqual(await unreachable.json(), { detail: "Upstream unreachable" });

  const hits: string[] = [];
  const limited = stack({
    rateLimit: {
      limit: 3,
      windowMs: 60_000,
      store: {
        hit: (key) => {
          hits.push(key);
          return { count: hits.length, resetAt: Date.now() + 42_000 };
        },
      },
    },
  });
  const statuses = [];
  for (let i = 0; i < 5; i++) statuses.push((await limited.call("GET", "/api/agents")).status);
  assert.deepEqual(statuses, [401, 401, 401, 429, 429]);
  const res = await limited.call("GET", "/api/agents");
  assert.ok(Number(res.headers.get("retry-after")) > 30);
  assert.ok(
    hits.every((h) => h === "203.0.113.9"),
    "the pluggable store received the client key",
  );
});

Deno.test("service mode: the proxy's own account serves only the configured routes", async () => {
  const emulator = testEmulator();
  const username = "service-bot";
  const password = "correct horse battery";
  const reg = await emulator.fetch(`${UPSTREAM}/auth/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      username,
      email: "bot@example.com",
      password,
      preferred_2fa_method: "totp",
    }),
  });
  const { secret } = await reg.json();
  const logins: string[] = [];
  // Configured from environment bindings, with the emulator as the upstream's fetch.
  const options = proxyOptionsFromEnv({
    CIRTUSAI_UPSTREAM: UPSTREAM,
    CIRTUSAI_PROXY_MODE: "service",
    CIRTUSAI_USERNAME: username,
    CIRTUSAI_PASSWORD: password,
    CIRTUSAI_TOTP_SECRET: secret,
    CIRTUSAI_PROXY_ROUTES: "GET /agents, GET /identity/dids/:id, POST /auth/login",
  });
  const service = createProxy({
    ...options,
    fetch: (input, init) => {
      if (input.endsWith("/auth/login") || input.endsWith("/auth/refresh")) logins.push(input);
      return emulator.fetch(input, init);
    },
  });
  const kept: Promise<unknown>[] = [];
  const ctx = { waitUntil: (p: Promise<unknown>) => kept.push(p), passThroughOnException() {} };
  const get = (path: string, method = "GET") => service.fetch(at(path, { method }), CLIENT, ctx);
  const agents = await get("/api/agents");
  assert.equal(agents.status, 200);
  assert.equal(kept.length, 1, "the login outlives the request that started it (Workers)");
  const [master] = await agents.json();
  assert.equal((await get(`/api/identity/dids/${master.did}`)).status, 200);
  assert.equal(logins.length, 1, "tokens are cached");
  assert.equal((await get("/api/agents/children")).status, 404);
  assert.equal(
    (await get("/api/auth/login", "POST")).status,
    404,
    "auth routes are never exposed in service mode",
  );
  emulator.clock.advance(31 * 60_000);
  assert.equal((await get("/api/agents")).status, 200, "refreshed after the upstream's 401");
  assert.deepEqual(logins.map((l) => l.slice(UPSTREAM.length)), ["/auth/login", "/auth/refresh"]);
  assert.throws(
    () => createProxy({ upstream: UPSTREAM, mode: "service", service: { refreshToken: "r" } }),
    /routes/,
  );
});

Deno.test("service mode: a login that fails upstream is a 502 or 504, and a refusal is not retried at once", async () => {
  const errors: string[] = [];
  const originalError = console.error;
  console.error = (line: string) => errors.push(line);
  try {
    const service = (fetch: ProxyOptions["fetch"]) =>
      createProxy({
        upstream: UPSTREAM,
        mode: "service",
        service: { username: "bot", password: "wrong password", totpSecret: "JBSWY3DPEHPK3PXP" },
        routes: [{ method: "GET", path: "/agents" }],
        timeout: 30,
        fetch,
      });
    const get = (proxy: ReturnType<typeof service>) => proxy.fetch(at("/api/agents"), CLIENT);

    const unreachable = await get(service(() => Promise.reject(new TypeError("refused"))));
    assert.equal(unreachable.status, 502);
    assert.deepEqual(await unreachable.json(), { detail: "Upstream unreachable" });

    const hanging = service((_input, init) =>
      new Promise((_resolve, reject) =>
        init.signal?.addEventListener("abort", () => reject(init.signal?.reason))
      )
    );
    const timedOut = await get(hanging);
    assert.equal(timedOut.status, 504);
    assert.deepEqual(await timedOut.json(), { detail: "Upstream timed out" });

    const emulator = testEmulator();
    const logins: string[] = [];
    const refusing = service((input, init) => {
      logins.push(input);
      return emulator.fetch(input, init);
    });
    const refused = await get(refusing);
    assert.equal(refused.status, 502);
    const text = await refused.text();
    assert.deepEqual(JSON.parse(text), { detail: "Upstream refused the proxy's login" });
    assert.equal(logins.length, 1);
    assert.equal((await get(refusing)).status, 502);
    assert.equal(logins.length, 1, "no new login for a while after a refusal");
    const now = Date.now;
    Date.now = () => now() + 31_000;
    try {
      assert.equal((await get(refusing)).status, 502);
    } finally {
      Date.now = now;
    }
    assert.equal(logins.length, 2, "30 s later the proxy tries again");
    assert.ok(!text.includes("wrong password") && !errors.join().includes("wrong password"));
    assert.match(errors.join("\n"), /proxy: the upstream refused the service account's login/);
  } finally {
    console.error = originalError;
  }
});

Deno.test("timeout, body limit and rate limit come from bindings too", async () => {
  const options = proxyOptionsFromEnv({
    CIRTUSAI_UPSTREAM: UPSTREAM,
    CIRTUSAI_COOKIE_SECRET: SECRET,
    CIRTUSAI_PROXY_TIMEOUT_MS: "2500",
    CIRTUSAI_PROXY_MAX_BODY_BYTES: "16",
    CIRTUSAI_PROXY_RATE_LIMIT: " 2 ",
  });
  assert.equal(options.timeout, 2500);
  assert.equal(options.maxBodyBytes, 16);
  assert.deepEqual(options.rateLimit, { limit: 2, windowMs: 60_000 });
  const defaults = proxyOptionsFromEnv({
    CIRTUSAI_UPSTREAM: UPSTREAM,
    CIRTUSAI_COOKIE_SECRET: SECRET,
  });
  assert.equal(defaults.timeout, undefined);
  assert.equal(defaults.maxBodyBytes, undefined);
  assert.equal(defaults.rateLimit, undefined);
  // And the proxy built from them applies them.
  const emulator = testEmulator();
  const proxy = createProxy({ ...options, fetch: emulator.fetch });
  const post = (body: string) =>
    proxy.fetch(
      at("/api/auth/login", {
        method: "POST",
        headers: { origin: ORIGIN, "content-type": "application/x-www-form-urlencoded" },
        body,
      }),
      CLIENT,
    );
  assert.equal((await post("x".repeat(17))).status, 413);
  assert.equal((await post("username=a")).status, 422);
  assert.equal((await post("username=a")).status, 429);
});

Deno.test("configuration errors are clear", () => {
  assert.throws(
    () => createProxy({ upstream: "not a url", cookieSecret: SECRET }),
    /upstream must be/,
  );
  assert.throws(
    () => createProxy({ upstream: UPSTREAM, cookieSecret: "short" }),
    /cookieSecret must be base64, base64url or hex of at least 32 random bytes/,
  );
  for (const timeout of [0, -1, Number.NaN]) {
    assert.throws(
      () => createProxy({ upstream: UPSTREAM, cookieSecret: SECRET, timeout }),
      /timeout must be a positive number of ms/,
    );
  }
  assert.throws(
    () => createProxy({ upstream: UPSTREAM, cookieSecret: SECRET, maxBodyBytes: -1 }),
    /maxBodyBytes must be a number of bytes/,
  );
  for (const rateLimit of [{ limit: 0 }, { windowMs: Number.NaN }]) {
    assert.throws(
      () => createProxy({ upstream: UPSTREAM, cookieSecret: SECRET, rateLimit }),
      /rateLimit limit and windowMs must be positive/,
    );
  }
  assert.throws(() => proxyOptionsFromEnv({}), /CIRTUSAI_UPSTREAM must be set/);
  for (const key of ["TIMEOUT_MS", "MAX_BODY_BYTES", "RATE_LIMIT"]) {
    for (const value of ["0", "-5", "1.5", "10s", "9".repeat(20)]) {
      assert.throws(
        () =>
          proxyOptionsFromEnv({ CIRTUSAI_UPSTREAM: UPSTREAM, [`CIRTUSAI_PROXY_${key}`]: value }),
        (err: Error) =>
          err instanceof InvalidArgumentError &&
          err.message === `CIRTUSAI_PROXY_${key} must be a positive whole number`,
        `${key}=${value}`,
      );
    }
  }
  assert.throws(
    () =>
      proxyOptionsFromEnv({
        CIRTUSAI_UPSTREAM: UPSTREAM,
        CIRTUSAI_COOKIE_SECRET: SECRET,
        CIRTUSAI_PROXY_ROUTES: "agents",
      }),
    /METHOD \/path/,
  );
});

Deno.test("over real sockets: bodies with Content-Length pass, oversized ones are refused", async () => {
  const emulator = testEmulator();
  const upstream = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    emulator.app.fetch,
  );
  const proxy = createProxy({
    upstream: `http://127.0.0.1:${upstream.addr.port}`,
    cookieSecret: SECRET,
    maxBodyBytes: 300,
  });
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, proxy.fetch);
  const origin = `http://127.0.0.1:${server.addr.port}`;
  try {
    const post = (body: unknown) =>
      fetch(`${origin}/api/auth/register`, {
        method: "POST",
        headers: { "content-type": "application/json", origin },
        body: JSON.stringify(body),
      });
    const ok = await post({ username: "sock", email: "sock@example.com", password: "long enough" });
    assert.equal(ok.status, 201);
    assert.match((await ok.json()).secret, /^[A-Z2-7]+$/);
    const big = await post({ username: "x".repeat(400), email: "a@b.co", password: "long enough" });
    assert.equal(big.status, 413);
    await big.body?.cancel();
  } finally {
    await server.shutdown();
    await upstream.shutdown();
  }
});

Deno.test("an upstream that answers a login with something other than tokens is a 502", async () => {
  const proxy = createProxy({
    upstream: UPSTREAM,
    cookieSecret: SECRET,
    fetch: () => Promise.resolve(new Response("<html>maintenance</html>", { status: 200 })),
  });
  const res = await proxy.fetch(
    at("/api/auth/login", {
      method: "POST",
      headers: { origin: ORIGIN, "content-type": "application/x-www-form-urlencoded" },
      body: "username=a&password=b",
    }),
    CLIENT,
  );
  assert.equal(res.status, 502);
  assert.deepEqual(await res.json(), { detail: "Upstream answered without tokens" });
  assert.equal(res.headers.get("set-cookie"), null);
});

Deno.test("over real sockets: Content-Length passes for a plain body, not for one fetch decoded", async () => {
  const json = JSON.stringify({ assets: Array.from({ length: 50 }, (_, i) => ({ id: `w${i}` })) });
  const gzipped = new Uint8Array(
    await new Response(new Blob([json]).stream().pipeThrough(new CompressionStream("gzip")))
      .arrayBuffer(),
  );
  const upstream = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    (req) =>
      new URL(req.url).pathname === "/wallets"
        ? new Response(gzipped, {
          headers: { "content-type": "application/json", "content-encoding": "gzip" },
        })
        : new Response(json, { headers: { "content-type": "application/json" } }),
  );
  const proxy = createProxy({
    upstream: `http://127.0.0.1:${upstream.addr.port}`,
    cookieSecret: SECRET,
  });
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, proxy.fetch);
  const origin = `http://127.0.0.1:${server.addr.port}`;
  try {
    const plain = await fetch(`${origin}/api/agents`);
    assert.equal(plain.headers.get("content-length"), String(json.length));
    assert.equal(await plain.text(), json);
    // fetch decoded the upstream's gzip but kept its encoded length: neither may pass.
    const decoded = await fetch(`${origin}/api/wallets`, {
      headers: { "accept-encoding": "identity" },
    });
    assert.equal(decoded.headers.get("content-encoding"), null);
    assert.notEqual(decoded.headers.get("content-length"), String(gzipped.length));
    assert.equal(await decoded.text(), json);
  } finally {
    await server.shutdown();
    await upstream.shutdown();
  }
});

Deno.test("same-origin GETs carry no Origin: a refresh still rotates the cookie, and a failed one clears it", async () => {
  const s = stack({ log: undefined });
  await registerAndLogin(s);
  const get = (cookie: string) => s.proxy.fetch(at("/api/agents", { headers: { cookie } }), CLIENT);
  const cookieOf = (res: Response) => res.headers.get("set-cookie")?.split(";")[0] ?? null;
  // The upstream says the token expired: the replayed answer must carry the new cookie.
  s.emulator.clock.advance(31 * 60_000);
  const replayed = await get(s.getCookie());
  assert.equal(replayed.status, 200);
  await replayed.body?.cancel();
  const rotated = cookieOf(replayed);
  assert.ok(rotated && rotated !== s.getCookie(), "the rotated cookie was lost");
  // An expired cookie is refreshed before the call: the same holds.
  const sealer = new SessionSealer(SECRET, "cirtusai_session");
  const tokens = (await sealer.open(rotated.slice(rotated.indexOf("=") + 1)))!;
  const expired = `${COOKIE}=${await sealer.seal({ ...tokens, expires_at: 0 })}`;
  const early = await get(expired);
  assert.equal(early.status, 200);
  await early.body?.cancel();
  const renewed = cookieOf(early);
  assert.ok(renewed && renewed !== expired, "the renewed cookie was lost");
  // A refresh the upstream refuses clears the cookie on the relayed 401: spend the refresh token
  // elsewhere, twice, so that the family is revoked.
  const spent = (await sealer.open(renewed.slice(renewed.indexOf("=") + 1)))!.refresh_token;
  for (let i = 0; i < 2; i++) {
    await s.emulator.fetch(`${UPSTREAM}/auth/refresh`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ refresh_token: spent }),
    });
  }
  s.emulator.clock.advance(31 * 60_000);
  const refused = await get(renewed);
  assert.equal(refused.status, 401);
  await refused.body?.cancel();
  assert.match(refused.headers.get("set-cookie") ?? "", /Max-Age=0/i, "the cookie was not cleared");
});

Deno.test("opened sessions are cached frozen, so no caller can change what the next one gets", async () => {
  const sealer = new SessionSealer(SECRET, "cirtusai_session");
  const value = await sealer.seal({ access_token: "a", refresh_token: "r", expires_at: 1 });
  const cached = sealer.cached(value)!;
  assert.deepEqual(cached, { access_token: "a", refresh_token: "r", expires_at: 1 });
  assert.ok(Object.isFrozen(cached));
  assert.throws(() => {
    (cached as { access_token: string }).access_token = "changed";
  }, TypeError);
  assert.equal(await sealer.open(value), cached, "open() answers from the cache too");
  const fresh = new SessionSealer(SECRET, "cirtusai_session");
  const opened = (await fresh.open(value))!;
  assert.ok(Object.isFrozen(opened), "a session opened the slow way is the cached one as well");
  assert.equal(fresh.cached(value), opened);
  assert.equal(sealer.cached("never-sealed"), undefined);
});

Deno.test("the memory rate-limit store counts per key and starts a new window when one ends", () => {
  const store = new MemoryRateLimitStore();
  const first = store.hit("a", 60_000);
  assert.equal(first.count, 1);
  assert.equal(store.hit("a", 60_000).count, 2);
  assert.equal(store.hit("b", 60_000).count, 1, "keys are counted apart");
  const now = Date.now;
  Date.now = () => first.resetAt;
  try {
    const next = store.hit("a", 60_000);
    assert.equal(next.count, 1, "a new window starts from zero");
    assert.equal(next.resetAt, first.resetAt + 60_000);
  } finally {
    Date.now = now;
  }
});

Deno.test("unsafePath: what the quick check lets through needs no other check", () => {
  const refused: [string, RegExp][] = [
    ["/agents/../_emulator", /traversal/],
    ["/agents/./x", /traversal/],
    ["/agents/..", /traversal/],
    ["/agents//x", /double slashes/],
    ["/agents\\x", /backslashes/],
    ["/agents%2Fx", /encoded/],
    ["/agents/%2e%2e", /encoded/],
    ["/agents%5cx", /encoded/],
    ["/agents%00", /encoded/],
  ];
  for (const [path, why] of refused) assert.match(unsafePath(path) ?? "", why, path);
  for (
    const path of ["/agents", "/agents/a1b2", "/identity/dids/did:key:z6Mk", "/a.b/c..d", "/x%20y"]
  ) {
    assert.equal(unsafePath(path), null, path);
  }
});

Deno.test("readCookies finds exactly the named cookie, every one of that name", () => {
  const name = "cirtusai_session";
  assert.deepEqual(readCookies("cirtusai_session=abc", name), ["abc"]);
  assert.deepEqual(readCookies("a=1;  cirtusai_session=abc ; b=2", name), ["abc"]);
  assert.deepEqual(readCookies("cirtusai_session2=x; xcirtusai_session=y", name), []);
  assert.deepEqual(readCookies("cirtusai_session2=x; cirtusai_session=", name), [""]);
  assert.deepEqual(readCookies("cirtusai_session=a; cirtusai_session=b", name), ["a", "b"]);
  assert.deepEqual(readCookies("__Host-cirtusai_session=a", name), []);
  assert.deepEqual(readCookies("", name), []);
  assert.deepEqual(readCookies(null, name), []);
});

Deno.test("relay passes a clean answer as it is and copies one whose headers must change", async () => {
  const clean = new Response("{}", { headers: { "content-type": "application/json" } });
  assert.equal(relay(clean), clean, "nothing to change: no copy");
  const withCookie = relay(new Response("{}"), "s=1; Path=/");
  assert.equal(withCookie.headers.get("set-cookie"), "s=1; Path=/");
  const dirty = relay(
    new Response("{}", {
      status: 201,
      headers: { "set-cookie": "upstream=1", "keep-alive": "timeout=5", "x-request-id": "r1" },
    }),
  );
  assert.equal(dirty.status, 201);
  assert.equal(dirty.headers.get("set-cookie"), null);
  assert.equal(dirty.headers.get("keep-alive"), null);
  assert.equal(dirty.headers.get("x-request-id"), null, "not on the allowlist");
  assert.equal(await dirty.text(), "{}");
});

Deno.test("an unexpected failure is a 500 with no detail, with or without an Origin (both paths)", async () => {
  const errors: string[] = [];
  const consoleError = console.error;
  console.error = (line: string) => errors.push(line);
  try {
    for (const sync of [true, false]) {
      const proxy = createProxy({
        upstream: "http://upstream.test",
        cookieSecret: SECRET,
        rateLimit: {
          store: {
            hit: () => {
              if (sync) throw new TypeError("store down: secret-detail");
              return Promise.reject(new TypeError("store down: secret-detail"));
            },
          },
        },
      });
      for (const headers of [{}, { origin: "https://app.example" }] as Record<string, string>[]) {
        const res = await proxy.fetch(at("/api/agents", { headers }), CLIENT);
        assert.equal(res.status, 500);
        assert.deepEqual(await res.json(), { detail: "Internal Server Error" });
      }
    }
    assert.equal(errors.length, 4);
    for (const line of errors) {
      assert.equal(line, "proxy: unexpected error on GET /api/agents: TypeError");
    }
  } finally {
    console.error = consoleError;
  }
});
