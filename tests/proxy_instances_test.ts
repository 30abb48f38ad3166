// The edge proxy as a deployment runs it: several instances with the same cookie secret, sharing
// a KvProxyStore (one Deno.Kv, as isolates share KV on Deno Deploy), served on their own ports in
// front of the emulator; and one instance with its default memory store.
import assert from "node:assert/strict";
import { Totp } from "../mod.ts";
import { createEmulator } from "../src/emulator/mod.ts";
import {
  createProxy,
  KvProxyStore,
  type ProxyOptions,
  proxyOptionsFromEnv,
  type ProxyStore,
  serve,
} from "../src/proxy/mod.ts";
import { readCookies } from "../src/proxy/session_cookie.ts";
import { slowClient } from "./raw_connection.ts";

const SECRET = "GHHJDoyDdUuOrl0OBxc1XPGj41LpOP7XwWGzRTdVvhE="; // openssl rand -base64 32
const PASSWORD = "correct horse battery";
/** What Deno.serve hands a handler besides the request: the connection's address. */
const CLIENT = { remoteAddr: { hostname: "198.51.100.9" } };

/** The emulator on loopback, counting the refreshes it is asked for. */
function upstream() {
  const emulator = createEmulator({ pbkdf2Iterations: 1_000 });
  const counts = { refresh: 0 };
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req, info) => {
    if (req.method === "POST" && new URL(req.url).pathname === "/auth/refresh") counts.refresh++;
    return emulator.app.fetch(req, info);
  });
  return { emulator, counts, url: `http://127.0.0.1:${server.addr.port}`, server };
}

/** A proxy instance served on its own port. */
function instance(up: string, extra: Partial<ProxyOptions> = {}) {
  const app = createProxy({ upstream: up, cookieSecret: SECRET, ...extra });
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, app.fetch);
  const origin = `http://127.0.0.1:${server.addr.port}`;
  const call = async (
    path: string,
    init: { method?: string; cookie?: string; json?: unknown } = {},
  ) => {
    const headers: Record<string, string> = { origin };
    if (init.cookie) headers.cookie = `cirtusai_session=${init.cookie}`;
    if (init.json !== undefined) headers["content-type"] = "application/json";
    const res = await fetch(`${origin}/api${path}`, {
      method: init.method ?? "GET",
      headers,
      body: init.json === undefined ? undefined : JSON.stringify(init.json),
    });
    const [cookie] = readCookies(
      (res.headers.get("set-cookie") ?? "").split(";")[0],
      "cirtusai_session",
    );
    return { status: res.status, body: await res.json().catch(() => null), cookie };
  };
  return { app, server, origin, call };
}

/** Registers through the emulator and logs in through `proxy`: the session cookie. */
async function loggedIn(
  proxy: ReturnType<typeof instance>,
  up: ReturnType<typeof upstream>,
  name: string,
) {
  const reg = await up.emulator.fetch("http://e/auth/register", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: name, email: `${name}@example.com`, password: PASSWORD }),
  }).then((r) => r.json());
  const form = await fetch(`${proxy.origin}/api/auth/login`, {
    method: "POST",
    headers: { origin: proxy.origin, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ username: name, password: PASSWORD }),
  }).then((r) => r.json());
  const code = await (await Totp.fromSecret(reg.secret)).generate(up.emulator.clock.now());
  const verified = await proxy.call("/auth/verify-2fa", {
    method: "POST",
    json: { temporary_token: form.temporary_token, totp_code: code },
  });
  assert.equal(verified.status, 200);
  return verified.cookie!;
}

async function close(...servers: { shutdown(): Promise<void> }[]) {
  for (const s of servers) await s.shutdown();
}

Deno.test("two instances on one KvProxyStore: one refresh, rotated and stale cookies work, one logout, one rate limit", async () => {
  const up = upstream();
  const kv = await Deno.openKv(":memory:");
  const store: ProxyStore = new KvProxyStore(kv);
  const a = instance(up.url, { store });
  const b = instance(up.url, { store });
  try {
    const cookie = await loggedIn(a, up, "twin");
    assert.equal((await b.call("/agents", { cookie })).status, 200, "a cookie of A works on B");
    up.emulator.clock.advance(31 * 60_000); // the access token expires upstream
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => (i % 2 ? b : a).call("/agents", { cookie })),
    );
    assert.deepEqual(results.map((r) => r.status), Array(8).fill(200));
    assert.equal(up.counts.refresh, 1, "the upstream saw one refresh");
    const rotated = results.find((r) => r.cookie)?.cookie;
    assert.ok(rotated, "a rotated cookie came back");
    assert.equal((await a.call("/agents", { cookie: rotated })).status, 200);
    // A stale cookie (older than the rotation), on an instance that never saw the refresh.
    const c = instance(up.url, { store });
    try {
      const stale = await c.call("/agents", { cookie });
      assert.equal(stale.status, 200, "the stale cookie gets the current session");
      assert.ok(stale.cookie, "and the current cookie with it");
      assert.equal(up.counts.refresh, 1, "no second refresh");
    } finally {
      await close(c.server);
    }
    // Logout on A ends the session on B at once, for every cookie of it.
    const out = await a.call("/auth/logout", { method: "POST", cookie: rotated });
    assert.equal(out.status, 200);
    for (const any of [cookie, rotated]) {
      const after = await b.call("/agents", { cookie: any });
      assert.equal(after.status, 401);
      assert.equal((await b.call("/auth/refresh", { method: "POST", cookie: any })).status, 401);
    }
    // One refresh, then the logout's two uses of the latest refresh token (which revoke its
    // family upstream); nothing after.
    assert.equal(up.counts.refresh, 3, "a revoked session is not refreshed");
  } finally {
    await close(a.server, b.server, up.server);
    kv.close();
  }
});

Deno.test("the rate limit is one budget across instances", async () => {
  const up = upstream();
  const kv = await Deno.openKv(":memory:");
  const store = new KvProxyStore(kv);
  const rateLimit = { limit: 6, windowMs: 60_000 };
  const a = instance(up.url, { store, rateLimit });
  const b = instance(up.url, { store, rateLimit });
  try {
    const statuses = [];
    for (let i = 0; i < 8; i++) statuses.push((await (i % 2 ? b : a).call("/agents")).status);
    assert.deepEqual(statuses, [401, 401, 401, 401, 401, 401, 429, 429]);
  } finally {
    await close(a.server, b.server, up.server);
    kv.close();
  }
});

Deno.test("one instance, default store: a stale cookie after a rotation works; logout ends the session", async () => {
  const up = upstream();
  const a = instance(up.url);
  try {
    const cookie = await loggedIn(a, up, "solo");
    up.emulator.clock.advance(31 * 60_000);
    const first = await a.call("/agents", { cookie });
    assert.equal(first.status, 200);
    assert.ok(first.cookie);
    // The in-flight map forgets a refresh after 10 s; the store does not.
    const realNow = Date.now;
    Date.now = () => realNow() + 60_000;
    try {
      assert.equal((await a.call("/agents", { cookie })).status, 200, "the stale cookie later");
      assert.equal(up.counts.refresh, 1);
    } finally {
      Date.now = realNow;
    }
    await a.call("/auth/logout", { method: "POST", cookie: first.cookie });
    assert.equal((await a.call("/agents", { cookie: first.cookie })).status, 401);
    assert.equal((await a.call("/agents", { cookie })).status, 401);
  } finally {
    await close(a.server, up.server);
  }
});

Deno.test("the upstream sees each browser's address: one client's failed logins lock out only that client", async () => {
  const emulator = createEmulator({ pbkdf2Iterations: 1_000, throttle: { perClient: 5 } });
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    (req, info) => emulator.app.fetch(req, info),
  );
  const proxy = createProxy({
    upstream: `http://127.0.0.1:${server.addr.port}`,
    cookieSecret: SECRET,
  });
  const login = (client: string, username: string, password: string) =>
    proxy.fetch(
      new Request("https://app.example/api/auth/login", {
        method: "POST",
        headers: { origin: "https://app.example", host: "app.example" },
        body: new URLSearchParams({ username, password }),
      }),
      { remoteAddr: { hostname: client } },
    );
  try {
    await emulator.fetch("http://e/auth/register", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "victim", email: "v@example.com", password: PASSWORD }),
    });
    for (let i = 0; i < 6; i++) {
      await (await login("198.51.100.7", `nobody${i}`, "x")).body?.cancel();
    }
    const attacker = await login("198.51.100.7", "victim", PASSWORD);
    assert.equal(attacker.status, 429, "the attacker is locked out");
    await attacker.body?.cancel();
    const victim = await login("203.0.113.20", "victim", PASSWORD);
    assert.equal(victim.status, 200, "everyone else is not");
    assert.equal((await victim.json()).requires_2fa, true);
  } finally {
    await server.shutdown();
  }
});

Deno.test("the proxy's answers: no foreign Location, no slow body, no weak secret, request-sms during a login", async () => {
  const redirecting = createProxy({
    upstream: "http://upstream.test",
    cookieSecret: SECRET,
    timeout: 300,
    fetch: (input) =>
      Promise.resolve(
        new Response(null, {
          status: 307,
          headers: {
            location: input.includes("away") ? "https://evil.example/x" : "/agents/",
            authorization: "Bearer leaked",
            "access-control-allow-origin": "*",
          },
        }),
      ),
  });
  const away = await redirecting.fetch(
    new Request("https://app.example/api/agents/away"),
    CLIENT,
  );
  assert.equal(away.headers.get("location"), null, "a redirect elsewhere is not relayed");
  assert.equal(away.headers.get("authorization"), null);
  assert.equal(away.headers.get("access-control-allow-origin"), null);
  const within = await redirecting.fetch(new Request("https://app.example/api/agents"), CLIENT);
  assert.equal(
    within.headers.get("location"),
    "/api/agents/",
    "within the upstream: its /api path",
  );

  const started = performance.now();
  const slow = await redirecting.fetch(
    new Request("https://app.example/api/agents/children", {
      method: "POST",
      headers: {
        origin: "https://app.example",
        host: "app.example",
        "content-type": "application/json",
      },
      body: new ReadableStream({ start: (c) => c.enqueue(new TextEncoder().encode("{")) }),
      duplex: "half",
    } as RequestInit),
    CLIENT,
  );
  assert.equal(slow.status, 408, "a body that never ends is cut off");
  assert.ok(performance.now() - started < 5_000);

  assert.throws(
    () => createProxy({ upstream: "http://u.test", cookieSecret: "x".repeat(44) }),
    /cookieSecret is patterned/,
  );

  // request-sms with the login's temporary token, before any session cookie exists.
  const up = upstream();
  const proxy = instance(up.url);
  try {
    await up.emulator.fetch("http://e/auth/register", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        username: "texter",
        email: "t@example.com",
        password: PASSWORD,
        preferred_2fa_method: "sms",
      }),
    });
    const first = await fetch(`${proxy.origin}/api/auth/login`, {
      method: "POST",
      headers: { origin: proxy.origin },
      body: new URLSearchParams({ username: "texter", password: PASSWORD }),
    }).then((r) => r.json());
    assert.equal(first.requires_2fa, true);
    const sms = await proxy.call("/auth/2fa/request-sms", {
      method: "POST",
      json: { temporary_token: first.temporary_token },
    });
    assert.equal(sms.status, 200, JSON.stringify(sms.body));
    assert.equal(up.emulator.outbox.messages.filter((m) => m.to === "texter").length, 2);
  } finally {
    await close(proxy.server, up.server);
  }
});

Deno.test("self-hosted with serve(): a head or body that trickles in is cut off; the browser's address still reaches the upstream", async () => {
  const seen: (string | null)[] = [];
  const up = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    seen.push(req.headers.get("x-forwarded-for"));
    return Response.json({ detail: "Not authenticated" }, { status: 401 });
  });
  const app = createProxy({ upstream: `http://127.0.0.1:${up.addr.port}`, cookieSecret: SECRET });
  // Public on IPv6 loopback: the relay in front reaches the proxy over IPv4 loopback, so the
  // address the upstream is told must be the browser's (::1), not the relay's.
  const served = await serve(app.fetch, {
    port: 0,
    hostname: "::1",
    deadlines: { headersTimeoutMs: 300, requestTimeoutMs: 600 },
  });
  const errors: unknown[] = [];
  const consoleError = console.error;
  console.error = (...args: unknown[]) => errors.push(args);
  try {
    const [head, body] = await Promise.all([
      slowClient(served.port, {
        hostname: "::1",
        head: "GET /api/agents HTTP/1.1\r\nHost: x\r\n",
        drip: "X-Slow: 1\r\n",
      }),
      slowClient(served.port, {
        hostname: "::1",
        head: "POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\n",
        drip: "a",
      }),
    ]);
    assert.match(head.answer, /^HTTP\/1\.1 408 /);
    // Cut by the deadlines given (0.3 s and 0.6 s), not by the defaults (10 s for a head, 30 s for
    // a request): half the smaller default leaves a loaded machine seconds of slack.
    assert.ok(head.ms < 5_000, `head cut off after ${head.ms} ms (the default cuts at 10 s)`);
    assert.ok(body.ms < 5_000, `body cut off after ${body.ms} ms (the default cuts at 30 s)`);
    const res = await fetch(`${served.url}/api/agents`);
    assert.equal(res.status, 401);
    await res.body?.cancel();
    assert.deepEqual(seen, ["::1"]);
    assert.deepEqual(errors, [], "a body cut off is the client's doing, not an error of the proxy");
  } finally {
    console.error = consoleError;
    await served.shutdown();
    await up.shutdown();
  }
});

Deno.test("CIRTUSAI_PROXY_KV opens the shared Deno KV store; the emulator believes X-Forwarded-For only from trusted proxies", async () => {
  const options = proxyOptionsFromEnv({
    CIRTUSAI_UPSTREAM: "http://upstream.test",
    CIRTUSAI_COOKIE_SECRET: SECRET,
    CIRTUSAI_PROXY_KV: ":memory:",
  });
  assert.ok(options.store instanceof KvProxyStore);
  const hit = await options.store.hit("client", 60_000);
  assert.equal(hit.count, 1);
  assert.equal((await options.store.hit("client", 60_000)).count, 2);

  const emulator = createEmulator({ pbkdf2Iterations: 1_000, trustedProxies: ["10.0.0.1"] });
  let n = 0; // a new user name each time, so that only the per-client limit counts
  const login = (remote: string, forwarded?: string) =>
    emulator.app.fetch(
      new Request("http://e/auth/login", {
        method: "POST",
        headers: forwarded ? { "x-forwarded-for": forwarded } : {},
        body: new URLSearchParams({ username: `nobody${++n}`, password: "x" }),
      }),
      { remoteAddr: { hostname: remote } },
    );
  // 20 failures per client: from behind the trusted proxy, each forwarded address is a client.
  for (let i = 0; i < 20; i++) await (await login("10.0.0.1", "198.51.100.1")).body?.cancel();
  assert.equal((await login("10.0.0.1", "198.51.100.1")).status, 429);
  assert.equal((await login("10.0.0.1", "198.51.100.2")).status, 401, "another client behind it");
  // A client that is no trusted proxy cannot choose its address.
  for (let i = 0; i < 20; i++) await (await login("203.0.113.5", `192.0.2.${i}`)).body?.cancel();
  assert.equal((await login("203.0.113.5", "192.0.2.200")).status, 429);
});
