// Issue 30 (the proxy): what it trusts. Its own origin comes from the checked Host, never from the
// request target; CF-Connecting-IP is believed on Workers only; logout ends the session upstream
// and a cookie has an end of its own; __Host- cookies and no second session cookie; IPv6 counted
// by its /64; cookie secrets that are random bytes. In-process, with the emulator as upstream.
import assert from "node:assert/strict";
import { Totp } from "../mod.ts";
import { createProxy, type ProxyOptions, proxyOptionsFromEnv } from "../src/proxy/mod.ts";
import { cookieSecretBytes } from "../src/proxy/cookie_secret.ts";
import { SessionSealer } from "../src/proxy/session_cookie.ts";
import { clientKeyOf } from "../src/server/client_key.ts";
import { remoteAddress } from "../src/server/remote_address.ts";
import type { Emulator } from "../src/emulator/mod.ts";
import { codeAt, testEmulator } from "./helpers.ts";
import { type BrowserCall, browserRequest } from "./browser_request.ts";

const SECRET = "drDB1dK95w7TXqmu/eFyoogWPoFiRiNvdBQD9bFTjFU="; // openssl rand -base64 32
const UPSTREAM = "http://upstream.test";
const PASSWORD = "correct horse battery";
const CLIENT = { remoteAddr: { hostname: "198.51.100.7" } };

type Proxy = ReturnType<typeof createProxy>;

/** One browser call: `url` as the runtime put it in the Request, with the headers a browser sends. */
async function call(
  proxy: Proxy,
  method: string,
  url: string,
  init: BrowserCall & { env?: unknown } = {},
) {
  const res = await proxy.fetch(
    browserRequest(method, url, init),
    "env" in init ? init.env : CLIENT,
  );
  const text = await res.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON
  }
  const setCookie = res.headers.get("set-cookie");
  return { status: res.status, body: parsed, headers: res.headers, setCookie };
}

/** Registers through the emulator (so it is no proxy call). */
async function register(emulator: Emulator, name: string) {
  const res = await emulator.fetch(`${UPSTREAM}/auth/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: name, email: `${name}@example.com`, password: PASSWORD }),
  });
  assert.equal(res.status, 201);
  return await Totp.fromSecret((await res.json()).secret);
}

/** Logs `name` in through the proxy from a page at `page` (its origin): the cookie pair. */
async function logIn(
  proxy: Proxy,
  emulator: Emulator,
  page: string,
  name: string,
  totp: Totp,
  extra: { host?: string } = {},
) {
  emulator.clock.advance(30_000); // a code of its own: each is accepted once
  const first = await call(proxy, "POST", `${page}/api/auth/login`, {
    ...extra,
    form: { username: name, password: PASSWORD },
  });
  assert.equal(first.status, 200, JSON.stringify(first.body));
  const verified = await call(proxy, "POST", `${page}/api/auth/verify-2fa`, {
    ...extra,
    json: { temporary_token: first.body.temporary_token, totp_code: await codeAt(emulator, totp) },
  });
  assert.equal(verified.status, 200, JSON.stringify(verified.body));
  return { setCookie: verified.setCookie!, cookie: verified.setCookie!.split(";")[0] };
}

function proxyOn(emulator: Emulator, extra: Partial<ProxyOptions> = {}) {
  const calls: { path: string; headers: Headers }[] = [];
  const proxy = createProxy({
    upstream: UPSTREAM,
    cookieSecret: SECRET,
    fetch: (input, init) => {
      calls.push({ path: input.slice(UPSTREAM.length), headers: new Headers(init.headers) });
      return emulator.fetch(input, init);
    },
    ...extra,
  });
  return { proxy, calls };
}

Deno.test("the proxy's own origin is the checked Host's, never the request target's", async () => {
  const emulator = testEmulator();
  const { proxy, calls } = proxyOn(emulator);
  const totp = await register(emulator, "victim");
  const page = "http://127.0.0.1:8080";
  const { cookie } = await logIn(proxy, emulator, page, "victim", totp);
  // What Node's serve() used to build from the target `//evil.example/api/...`: the URL's origin
  // is the attacker's, the Host header still the proxy's.
  const evil = "http://evil.example";
  const debug = await call(proxy, "GET", `${evil}/api/auth/debug-2fa`, {
    host: "127.0.0.1:8080",
    origin: evil,
    cookie,
  });
  assert.equal(debug.headers.get("access-control-allow-origin"), null, "no CORS grant to evil");
  const preflight = await proxy.fetch(
    new Request(`${evil}/api/agents/children`, {
      method: "OPTIONS",
      headers: {
        host: "127.0.0.1:8080",
        origin: evil,
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type",
      },
    }),
    CLIENT,
  );
  assert.equal(preflight.headers.get("access-control-allow-origin"), null);
  const before = calls.length;
  const create = await call(proxy, "POST", `${evil}/api/agents/children`, {
    host: "127.0.0.1:8080",
    origin: evil,
    cookie,
    json: { parent_id: "x", name: "planted" },
  });
  assert.equal(create.status, 403);
  assert.equal(calls.length, before, "nothing went upstream");

  // A same-origin page is accepted whatever name it used, whatever the server was bound to.
  for (const name of ["localhost:8080", "127.0.0.1:8080", "vm:8080", "[::1]:8080"]) {
    const other = await register(emulator, `u${name.replace(/\W/g, "")}`);
    await logIn(proxy, emulator, `http://${name}`, `u${name.replace(/\W/g, "")}`, other, {
      // The runtime's URL says the bind address; the browser's Host says what the page used.
      host: name,
    });
  }
  const bound = await call(proxy, "POST", "http://0.0.0.0:8080/api/auth/login", {
    host: "localhost:8080",
    origin: "http://localhost:8080",
    form: { username: "victim", password: PASSWORD },
  });
  assert.equal(bound.status, 200, "bound to 0.0.0.0, a page on localhost logs in");

  // No Host, or one that is no host: no origin of its own, so no Origin matches it.
  for (const host of [null, "127.0.0.1:8080/x", "a b", "evil.example@127.0.0.1"]) {
    const res = await call(proxy, "POST", `${page}/api/auth/login`, {
      host,
      form: { username: "victim", password: PASSWORD },
    });
    assert.equal(res.status, 403, `Host ${host}`);
  }
  // Over HTTPS with no Host header (HTTP/2: the runtime put `:authority` in the URL), the URL's.
  const h2 = await call(proxy, "POST", "https://app.example/api/auth/login", {
    host: null,
    form: { username: "victim", password: PASSWORD },
  });
  assert.equal(h2.status, 200);
  // A default port in Host is the origin without it.
  const port80 = await call(proxy, "POST", "http://app.test/api/auth/login", {
    host: "app.test:80",
    form: { username: "victim", password: PASSWORD },
  });
  assert.equal(port80.status, 200);
});

Deno.test("a configured origin is the proxy's own (TLS ended in front of it) and names the cookie __Host-", async () => {
  const emulator = testEmulator();
  const { proxy } = proxyOn(emulator, { origin: "https://app.example.com" });
  const totp = await register(emulator, "behind");
  // The proxy sees plain HTTP on its own address; the browser sees https://app.example.com.
  const first = await call(proxy, "POST", "http://10.0.0.5:8080/api/auth/login", {
    host: "10.0.0.5:8080",
    origin: "https://app.example.com",
    form: { username: "behind", password: PASSWORD },
  });
  assert.equal(first.status, 200);
  const verified = await call(proxy, "POST", "http://10.0.0.5:8080/api/auth/verify-2fa", {
    host: "10.0.0.5:8080",
    origin: "https://app.example.com",
    json: { temporary_token: first.body.temporary_token, totp_code: await codeAt(emulator, totp) },
  });
  assert.match(verified.setCookie!, /^__Host-cirtusai_session=[^;]+; Max-Age=\d+; Path=\/; /);
  assert.match(verified.setCookie!, /; Secure;/);
  const own = await call(proxy, "POST", "http://10.0.0.5:8080/api/auth/login", {
    host: "10.0.0.5:8080",
    origin: "http://10.0.0.5:8080",
    form: { username: "behind", password: PASSWORD },
  });
  assert.equal(own.status, 403, "only the configured origin is the proxy's own");
  for (const origin of ["app.example.com", "https://app.example.com/path", "ftp://x"]) {
    assert.throws(
      () => createProxy({ upstream: UPSTREAM, cookieSecret: SECRET, origin }),
      /origin/,
    );
  }
  assert.equal(
    proxyOptionsFromEnv({
      CIRTUSAI_UPSTREAM: UPSTREAM,
      CIRTUSAI_COOKIE_SECRET: SECRET,
      CIRTUSAI_PROXY_ORIGIN: "https://app.example.com",
    }).origin,
    "https://app.example.com",
  );
});

Deno.test("CF-Connecting-IP is believed on Cloudflare Workers only; elsewhere an address or clientKey is required", async () => {
  const emulator = testEmulator();
  const errors: string[] = [];
  const consoleError = console.error;
  console.error = (line: string) => errors.push(line);
  try {
    const { proxy, calls } = proxyOn(emulator, { rateLimit: { limit: 5 } });
    const spoofed = (i: number, env: unknown) =>
      call(proxy, "GET", "https://app.example/api/agents", {
        headers: { "cf-connecting-ip": `203.0.113.${i}` },
        env,
      });
    // With the connection's address: fresh header values get no fresh budget.
    const statuses = [];
    for (let i = 0; i < 50; i++) statuses.push((await spoofed(i, CLIENT)).status);
    assert.deepEqual(statuses, [...Array(5).fill(401), ...Array(45).fill(429)]);
    assert.ok(calls.every((c) => c.headers.get("x-forwarded-for") === "198.51.100.7"));
    // Without one (a wrapper that drops the runtime's argument): refused, never the header.
    const blind = await spoofed(1, undefined);
    assert.equal(blind.status, 500);
    assert.match(String(blind.body.detail), /no client address/);
    assert.equal((await spoofed(2, {})).status, 500);
    assert.equal(errors.length, 1, "said once in the log");
    assert.match(errors[0], /set createProxy\(\{ clientKey \}\)/);
    assert.equal(calls.length, 5, "none of them went upstream");

    // A configured clientKey is used; no address goes upstream that the runtime did not give.
    const keys: string[] = [];
    const keyed = proxyOn(emulator, { clientKey: (req) => (keys.push("k"), req.method) });
    const res = await call(keyed.proxy, "GET", "https://app.example/api/agents", {
      headers: { "cf-connecting-ip": "203.0.113.1" },
      env: undefined,
    });
    assert.equal(res.status, 401);
    assert.equal(keys.length, 1);
    assert.equal(keyed.calls[0].headers.get("x-forwarded-for"), null);

    // On Workers (as workerd says in navigator.userAgent), Cloudflare's header is the address.
    const navigator = Object.getOwnPropertyDescriptor(globalThis, "navigator")!;
    Object.defineProperty(globalThis, "navigator", {
      value: { userAgent: "Cloudflare-Workers" },
      configurable: true,
    });
    let worker;
    try {
      worker = proxyOn(emulator);
    } finally {
      Object.defineProperty(globalThis, "navigator", navigator);
    }
    await call(worker.proxy, "GET", "https://app.example/api/agents", {
      headers: { "cf-connecting-ip": "203.0.113.1" },
      env: {},
    });
    assert.equal(worker.calls[0].headers.get("x-forwarded-for"), "203.0.113.1");
    // There the origin is the URL's, which Cloudflare built; workerd's own Host is its loopback.
    const login = await call(worker.proxy, "POST", "https://app.example/api/auth/login", {
      host: "127.0.0.1:36249",
      headers: { "cf-connecting-ip": "203.0.113.1" },
      env: {},
      form: { username: "nobody", password: "x" },
    });
    assert.equal(login.status, 401, "the upstream's answer: no 403 for a same-origin page");
  } finally {
    console.error = consoleError;
  }
});

Deno.test("remote addresses from Deno/serve(), Bun.serve and @hono/node-server; never from a header", () => {
  const request = new Request("http://x/", { headers: { "x-forwarded-for": "6.6.6.6" } });
  assert.equal(remoteAddress({ remoteAddr: { hostname: "192.0.2.1" } }, request), "192.0.2.1");
  const bun = { requestIP: (r: Request) => (r === request ? { address: "192.0.2.2" } : null) };
  assert.equal(remoteAddress(bun, request), "192.0.2.2");
  const node = { incoming: { socket: { remoteAddress: "::ffff:192.0.2.3" } }, outgoing: {} };
  assert.equal(remoteAddress(node, request), "::ffff:192.0.2.3");
  assert.equal(remoteAddress({ server: bun, KEY: "binding" }, request), "192.0.2.2");
  assert.equal(remoteAddress({ server: node }, request), "::ffff:192.0.2.3");
  for (const env of [undefined, null, {}, { remoteAddr: { hostname: "" } }, "x", bun]) {
    assert.equal(remoteAddress(env), undefined);
  }
});

Deno.test("IPv6 clients are counted by their /64, IPv4-mapped ones as IPv4: the proxy's limit and the emulator's login limit", async () => {
  assert.equal(clientKeyOf("192.0.2.1"), "192.0.2.1");
  assert.equal(clientKeyOf("2001:db8:1:2:3:4:5:6"), "2001:db8:1:2::/64");
  assert.equal(clientKeyOf("2001:0DB8:0001:0002::ffff"), "2001:db8:1:2::/64");
  assert.equal(clientKeyOf("[2001:db8:1:2::1]"), "2001:db8:1:2::/64");
  assert.equal(clientKeyOf("fe80::1%eth0"), "fe80:0:0:0::/64");
  assert.equal(clientKeyOf("::1"), "0:0:0:0::/64");
  assert.equal(clientKeyOf("::ffff:192.0.2.1"), "192.0.2.1");
  assert.equal(clientKeyOf("::ffff:c000:201"), "192.0.2.1");
  assert.equal(clientKeyOf("2001:db8::1.2.3.4"), "2001:db8:0:0::/64");
  for (const odd of ["local", "anonymous", "1:2:3", "::g", "1::2::3", "1:2:3:4:5:6:7:8:9"]) {
    assert.equal(clientKeyOf(odd), odd);
  }

  const emulator = testEmulator();
  const { proxy } = proxyOn(emulator, { rateLimit: { limit: 5 } });
  const statuses = [];
  for (let i = 1; i <= 20; i++) {
    const env = { remoteAddr: { hostname: `2001:db8:abcd:12::${i.toString(16)}` } };
    statuses.push((await call(proxy, "GET", "https://app.example/api/agents", { env })).status);
  }
  assert.deepEqual(statuses, [...Array(5).fill(401), ...Array(15).fill(429)]);
  const other = { remoteAddr: { hostname: "2001:db8:abcd:13::1" } };
  assert.equal(
    (await call(proxy, "GET", "https://app.example/api/agents", { env: other })).status,
    401,
  );
  const v4 = await call(proxy, "GET", "https://app.example/api/agents", {
    env: { remoteAddr: { hostname: "192.0.2.9" } },
  });
  assert.equal(v4.status, 401);
  for (let i = 0; i < 4; i++) {
    await call(proxy, "GET", "https://app.example/api/agents", {
      env: { remoteAddr: { hostname: "::ffff:192.0.2.9" } },
    });
  }
  const mapped = await call(proxy, "GET", "https://app.example/api/agents", {
    env: { remoteAddr: { hostname: "192.0.2.9" } },
  });
  assert.equal(mapped.status, 429, "::ffff:192.0.2.9 and 192.0.2.9 share one budget");

  // The emulator's 20 failed logins per client: one /64 is one client.
  let n = 0;
  const login = (hostname: string) =>
    emulator.app.fetch(
      new Request("http://e/auth/login", {
        method: "POST",
        body: new URLSearchParams({ username: `nobody${++n}`, password: "x" }),
      }),
      { remoteAddr: { hostname } },
    );
  for (let i = 1; i <= 20; i++) await (await login(`2001:db8:77:1::${i}`)).body?.cancel();
  assert.equal((await login("2001:db8:77:1::ffff")).status, 429);
  assert.equal((await login("2001:db8:77:2::1")).status, 401, "another /64 is another client");
});

Deno.test("logout ends the session upstream: after a restart (new store, same secret) the old cookie is a 401, before and after the access token expires", async () => {
  const emulator = testEmulator();
  const first = proxyOn(emulator);
  const totp = await register(emulator, "leaver");
  const page = "https://app.example";
  const { cookie } = await logIn(first.proxy, emulator, page, "leaver", totp);
  assert.equal((await call(first.proxy, "GET", `${page}/api/agents`, { cookie })).status, 200);
  const before = first.calls.length;
  const out = await call(first.proxy, "POST", `${page}/api/auth/logout`, { cookie });
  assert.equal(out.status, 200);
  assert.deepEqual(out.body, { authenticated: false });

  // The proxy restarts: a new memory store, the same secret. The stolen cookie is replayed.
  const second = proxyOn(emulator);
  const replay = await call(second.proxy, "GET", `${page}/api/agents`, { cookie });
  assert.equal(replay.status, 401);
  emulator.clock.advance(31 * 60_000); // the access token has expired: the proxy would refresh
  const later = await call(second.proxy, "GET", `${page}/api/agents`, { cookie });
  assert.equal(later.status, 401);
  const refresh = await call(second.proxy, "POST", `${page}/api/auth/refresh`, { cookie });
  assert.equal(refresh.status, 401);
  assert.deepEqual(
    first.calls.slice(before).map((c) => c.path),
    ["/auth/refresh", "/auth/refresh"],
    "at logout the refresh token was spent, then reused: the family is revoked",
  );

  // An upstream that cannot be reached at logout: the browser is logged out, and is told.
  const again = await register(emulator, "offline");
  const live = proxyOn(emulator);
  const session = await logIn(live.proxy, emulator, page, "offline", again);
  const down = createProxy({
    upstream: UPSTREAM,
    cookieSecret: SECRET,
    fetch: () => Promise.reject(new TypeError("connection refused")),
  });
  const failed = await call(down, "POST", `${page}/api/auth/logout`, { cookie: session.cookie });
  assert.equal(failed.status, 502);
  assert.match(failed.setCookie ?? "", /Max-Age=0/);
});

Deno.test("the sealed cookie carries its own end: refused after it whatever the store says", async () => {
  const emulator = testEmulator();
  const { proxy } = proxyOn(emulator, { sessionMaxAge: 3600 });
  const totp = await register(emulator, "ender");
  const page = "https://app.example";
  const { cookie, setCookie } = await logIn(proxy, emulator, page, "ender", totp);
  assert.match(setCookie, /Max-Age=3600;/, "the browser keeps it as long as it may live");
  const value = cookie.slice(cookie.indexOf("=") + 1);
  const sealer = new SessionSealer(SECRET, "cirtusai_session");
  const session = (await sealer.open(value))!;
  assert.ok(Math.abs(session.exp! - (Date.now() + 3600_000)) < 5_000);
  // Refreshes keep the end: it is no sliding window.
  emulator.clock.advance(31 * 60_000);
  const renewed = await call(proxy, "POST", `${page}/api/auth/refresh`, { cookie });
  assert.equal(renewed.status, 200);
  const next = (await sealer.open(renewed.setCookie!.split(";")[0].split("=")[1]))!;
  assert.equal(next.exp, session.exp);
  const now = Date.now;
  Date.now = () => now() + 3601_000;
  try {
    const late = await call(proxy, "GET", `${page}/api/agents`, {
      cookie: renewed.setCookie!.split(";")[0],
    });
    assert.equal(late.status, 401);
    assert.deepEqual(late.body, { detail: "Session expired: log in again" });
  } finally {
    Date.now = now;
  }
  // A cookie sealed with no end (as before this rule) is refused too.
  const endless = await sealer.seal({ ...session, exp: undefined });
  const old = await call(proxy, "GET", `${page}/api/agents`, {
    cookie: `__Host-cirtusai_session=${endless}`,
  });
  assert.equal(old.status, 401);
  assert.throws(
    () => createProxy({ upstream: UPSTREAM, cookieSecret: SECRET, sessionMaxAge: 0 }),
    /sessionMaxAge/,
  );
});

Deno.test("__Host- cookie over HTTPS; a second session cookie is refused, so a planted one cannot switch accounts", async () => {
  const emulator = testEmulator();
  const { proxy } = proxyOn(emulator);
  const victim = await register(emulator, "target");
  const attacker = await register(emulator, "planter");
  // Over plain HTTP to loopback: the plain name, Secure (browsers keep it on loopback).
  const http = await logIn(proxy, emulator, "http://127.0.0.1:8080", "target", victim);
  assert.match(
    http.setCookie,
    /^cirtusai_session=[^;]+; Max-Age=\d+; Path=\/; HttpOnly; Secure; SameSite=Strict$/,
  );
  const planted = await logIn(proxy, emulator, "http://127.0.0.1:8080", "planter", attacker);
  // The attacker's cookie, set for a longer path, comes first in the victim's Cookie header.
  const both = `${planted.cookie}; ${http.cookie}`;
  const add = await call(proxy, "POST", "http://127.0.0.1:8080/api/wallets/email_accounts", {
    cookie: both,
    json: { provider: "gmail", email_address: "victim@example.com", config: {} },
  });
  assert.equal(add.status, 400);
  assert.match(String(add.body.detail), /Two cirtusai_session cookies were sent/);
  for (const [name, totp] of [["target", victim], ["planter", attacker]] as const) {
    const { cookie } = await logIn(proxy, emulator, "http://127.0.0.1:8080", name, totp);
    const list = await call(proxy, "GET", "http://127.0.0.1:8080/api/wallets/email_accounts", {
      cookie,
    });
    assert.deepEqual(list.body, [], `nothing was added to ${name}'s account`);
  }

  // Over HTTPS: __Host-, which no other site or path can set; a plain-named cookie is ignored.
  const https = await logIn(proxy, emulator, "https://app.example", "target", victim);
  assert.match(
    https.setCookie,
    /^__Host-cirtusai_session=[^;]+; Max-Age=\d+; Path=\/; HttpOnly; Secure; SameSite=Strict$/,
  );
  assert.ok(!/domain=/i.test(https.setCookie));
  const tossed = await call(proxy, "POST", "https://app.example/api/wallets/email_accounts", {
    cookie: `cirtusai_session=${planted.cookie.split("=")[1]}; ${https.cookie}`,
    json: { provider: "gmail", email_address: "victim@example.com", config: {} },
  });
  assert.equal(tossed.status, 201, "the victim's own session was used");
  const mine = await call(proxy, "GET", "https://app.example/api/wallets/email_accounts", {
    cookie: https.cookie,
  });
  assert.equal((mine.body as unknown as unknown[]).length, 1);

  // Plain HTTP to a name that is not loopback: without Secure, which the browser would drop.
  const lan = await register(emulator, "laner");
  const named = await logIn(proxy, emulator, "http://vm:8080", "laner", lan);
  assert.match(named.setCookie, /; HttpOnly; SameSite=Strict$/);
  assert.throws(
    () => createProxy({ upstream: UPSTREAM, cookieSecret: SECRET, cookieName: "__Host-x" }),
    /cookieName/,
  );
});

Deno.test("GET /api/auth/session answers from the cookie: logged in or not, and after a logout", async () => {
  const emulator = testEmulator();
  const { proxy, calls } = proxyOn(emulator);
  const page = "https://app.example";
  const none = await call(proxy, "GET", `${page}/api/auth/session`, { origin: null });
  assert.deepEqual(none.body, { authenticated: false, expires_in: null });
  const totp = await register(emulator, "prober");
  const { cookie } = await logIn(proxy, emulator, page, "prober", totp);
  const before = calls.length;
  const probe = await call(proxy, "GET", `${page}/api/auth/session`, { origin: null, cookie });
  assert.equal(probe.status, 200);
  assert.equal(probe.body.authenticated, true);
  assert.ok(Number(probe.body.expires_in) > 1790);
  assert.equal(calls.length, before, "answered by the proxy itself");
  // An expired access token is refreshed first, so the answer holds for the next call.
  emulator.clock.advance(31 * 60_000);
  const sealer = new SessionSealer(SECRET, "cirtusai_session");
  const stale = (await sealer.open(cookie.split("=")[1]))!;
  const expired = `__Host-cirtusai_session=${await sealer.seal({ ...stale, expires_at: 0 })}`;
  const renewed = await call(proxy, "GET", `${page}/api/auth/session`, { cookie: expired });
  assert.equal(renewed.body.authenticated, true);
  assert.ok(renewed.setCookie?.startsWith("__Host-cirtusai_session="));
  const current = renewed.setCookie!.split(";")[0];
  await call(proxy, "POST", `${page}/api/auth/logout`, { cookie: current });
  const after = await call(proxy, "GET", `${page}/api/auth/session`, { cookie: current });
  assert.equal(after.status, 200);
  assert.deepEqual(after.body, { authenticated: false, expires_in: null });
  assert.match(after.setCookie ?? "", /Max-Age=0/);
  const garbage = await call(proxy, "GET", `${page}/api/auth/session`, {
    cookie: "__Host-cirtusai_session=garbage",
  });
  assert.deepEqual(garbage.body, { authenticated: false, expires_in: null });
  assert.equal((await call(proxy, "POST", `${page}/api/auth/session`)).status, 404);
});

Deno.test("cookieSecret: 32+ random bytes as base64, base64url or hex; patterned, short or wordy ones refused, and the message says how to make one", () => {
  const random = crypto.getRandomValues(new Uint8Array(32));
  const base64 = btoa(String.fromCharCode(...random));
  const hex = Array.from(random, (b) => b.toString(16).padStart(2, "0")).join("");
  const base64url = base64.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  for (const good of [base64, hex, base64url, `${base64}\n`, hex.toUpperCase()]) {
    assert.deepEqual(cookieSecretBytes(good), random);
  }
  const refused: [string, RegExp][] = [
    ["0123456789abcdef0123456789abcdef", /holds 16 bytes/],
    ["abcdefghijklmnopqrstuvwxyzabcdef", /holds 24 bytes/],
    ["a".repeat(64), /patterned/],
    ["0123456789abcdef".repeat(4), /patterned/],
    ["deadbeef".repeat(8), /patterned/],
    ["abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ", /patterned/],
    [btoa("a".repeat(32)), /patterned/],
    [btoa(String.fromCharCode(...Array.from({ length: 32 }, (_, i) => i))), /patterned/],
    [btoa(String.fromCharCode(...Array.from({ length: 32 }, (_, i) => i % 4))), /patterned/],
    [base64.slice(0, 22).repeat(2), /patterned/],
    ["correct horse battery staple, correct horse", /must be base64, base64url or hex/],
    ["", /is not set/],
  ];
  for (const [secret, why] of refused) {
    assert.throws(
      () => createProxy({ upstream: UPSTREAM, cookieSecret: secret }),
      (err: Error) =>
        why.test(err.message) && err.message.includes("openssl rand -base64 32") &&
        err.message.includes("node -e") && (secret === "" || !err.message.includes(secret)),
      secret,
    );
  }
  assert.throws(
    () =>
      proxyOptionsFromEnv({ CIRTUSAI_UPSTREAM: UPSTREAM, CIRTUSAI_COOKIE_SECRET: "x".repeat(44) }),
    /^InvalidArgumentError: CIRTUSAI_COOKIE_SECRET is patterned/,
  );
  assert.throws(
    () => proxyOptionsFromEnv({ CIRTUSAI_UPSTREAM: UPSTREAM }),
    /CIRTUSAI_COOKIE_SECRET is not set/,
  );
});

// A test CA and a certificate it signed for localhost and 127.0.0.1 (test only; 100 years).
const CA = `-----BEGIN CERTIFICATE-----
MIIBjTCCATOgAwIBAgIUTsiwMLHdSvGGepagjWGIRcMfIPIwCgYIKoZIzj0EAwIw
GzEZMBcGA1UEAwwQY2lydHVzYWkgdGVzdCBDQTAgFw0yNjEyMDQxOTA3NTVaGA8y
MTI2MTExMDE5MDc1NVowGzEZMBcGA1UEAwwQY2lydHVzYWkgdGVzdCBDQTBZMBMG
ByqGSM49AgEGCCqGSM49AwEHA0IABFf8MlTvBH1hOX9a5VtfFp9rzGPwAuePFGbw
NnFu1lno53B10Cyd/3wIu/o9WP0JWJeSXcDL+K2OB9lUePKYhJKjUzBRMB0GA1Ud
DgQWBBRo1W3IfEhb4E/FxZS3qFqi+BksRzAfBgNVHSMEGDAWgBRo1W3IfEhb4E/F
xZS3qFqi+BksRzAPBgNVHRMBAf8EBTADAQH/MAoGCCqGSM49BAMCA0gAMEUCIFSs
/jNik5qX3eic0ECUMavw4axbYKB52hk+lAkT5iDGAiEAksxcyetnMbdcUve9pk+D
lMY3FP/I2/zDaRD3tQR/TbA=
-----END CERTIFICATE-----
`;
const CERT = `-----BEGIN CERTIFICATE-----
MIIBwDCCAWagAwIBAgIUChusE+A0TlXMNCOi728Q9BLKlncwCgYIKoZIzj0EAwIw
GzEZMBcGA1UEAwwQY2lydHVzYWkgdGVzdCBDQTAgFw0yNjEyMDQxOTA3NTZaGA8y
MTI2MTExMDE5MDc1NlowFDESMBAGA1UEAwwJbG9jYWxob3N0MFkwEwYHKoZIzj0C
AQYIKoZIzj0DAQcDQgAEnWAHRH7e+2JOvsnaBAYDMql54CQePVdzdJGPzMYOSRhM
80c/VzDeiFb5+SjbvUuHLg/2r3RfcvI4vh7bietYlKOBjDCBiTAJBgNVHRMEAjAA
MBoGA1UdEQQTMBGCCWxvY2FsaG9zdIcEfwAAATATBgNVHSUEDDAKBggrBgEFBQcD
ATALBgNVHQ8EBAMCB4AwHQYDVR0OBBYEFHhiPJrfwKwUZ/tMFghIV9TXVUGqMB8G
A1UdIwQYMBaAFGjVbch8SFvgT8XFlLeoWqL4GSxHMAoGCCqGSM49BAMCA0gAMEUC
IBZdxlg953kDDXs2ihT3L1FQfwp+TBE/45mxvo8iZpCWAiEA69Va40voll9sw1S6
8Gc7EbaZwSLK+AXcUrz1If5hi3g=
-----END CERTIFICATE-----
`;
const KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQghN8XOzrtHauVid3c
vdd8cv2luJvR86pky7UlgJmiShyhRANCAASdYAdEft77Yk6+ydoEBgMyqXngJB49
V3N0kY/Mxg5JGEzzRz9XMN6IVvn5KNu9S4cuD/avdF9y8ji+HtuJ61iU
-----END PRIVATE KEY-----
`;

Deno.test("over HTTP/2 (Deno.serve with TLS), where there is no Host header, a same-origin login works", async () => {
  const emulator = testEmulator();
  const totp = await register(emulator, "h2user");
  const proxy = createProxy({
    upstream: UPSTREAM,
    cookieSecret: SECRET,
    fetch: (input, init) => emulator.fetch(input, init),
  });
  const hosts: (string | null)[] = [];
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, cert: CERT, key: KEY, onListen: () => {} },
    (req, info) => {
      hosts.push(req.headers.get("host"));
      return proxy.fetch(req, info);
    },
  );
  const client = Deno.createHttpClient({ caCerts: [CA], http2: true, http1: false });
  const origin = `https://localhost:${server.addr.port}`;
  try {
    const post = (path: string, body: BodyInit, type: string) =>
      fetch(`${origin}/api${path}`, {
        method: "POST",
        headers: { origin, "content-type": type },
        body,
        client,
      });
    const first = await post(
      "/auth/login",
      new URLSearchParams({ username: "h2user", password: PASSWORD }),
      "application/x-www-form-urlencoded",
    );
    assert.equal(first.status, 200);
    const { temporary_token } = await first.json();
    const verified = await post(
      "/auth/verify-2fa",
      JSON.stringify({ temporary_token, totp_code: await codeAt(emulator, totp) }),
      "application/json",
    );
    assert.equal(verified.status, 200);
    await verified.body?.cancel();
    assert.match(verified.headers.get("set-cookie") ?? "", /^__Host-cirtusai_session=/);
    assert.deepEqual(hosts, [null, null], "HTTP/2: no Host header reached the handler");
    const evil = await post(
      "/agents/children",
      JSON.stringify({ parent_id: "x", name: "y" }),
      "application/json",
    ).then(async (r) => (await r.body?.cancel(), r.status));
    assert.equal(evil, 401, "same origin, no session cookie sent: the upstream's 401, not a 403");
  } finally {
    client.close();
    await server.shutdown();
  }
});
