// Run by tests/runtimes_test.ts: the proxy's Worker bundle in workerd (miniflare) with its Durable
// Object store (ProxyStateObject bound as CIRTUSAI_PROXY_STATE), against the emulator at argv[2]:
// after the access token expires, 8 parallel calls, then a logout, then the rate limit.
import { Miniflare } from "miniflare";
import { Totp } from "../../dist/cirtusai.js";
import { workerCall as call } from "./worker_call.mjs";

const [upstream, secret] = process.argv.slice(2);
const worker = (bindings) =>
  new Miniflare({
    modules: true,
    scriptPath: new URL("../../dist/cirtusai-proxy.js", import.meta.url).pathname,
    compatibilityDate: "2025-01-01",
    durableObjects: { CIRTUSAI_PROXY_STATE: "ProxyStateObject" },
    bindings: { CIRTUSAI_UPSTREAM: upstream, CIRTUSAI_COOKIE_SECRET: secret, ...bindings },
  });
const mf = worker({});
const limited = worker({ CIRTUSAI_PROXY_RATE_LIMIT: "3" });
try {
  const username = `do_${crypto.randomUUID().slice(0, 8)}`;
  const password = "correct horse battery";
  const reg = await fetch(`${upstream}/auth/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, email: `${username}@example.com`, password }),
  }).then((r) => r.json());
  const totp = await Totp.fromSecret(reg.secret);
  const login = await call(mf, "POST", "/api/auth/login", { form: { username, password } });
  const verified = await call(mf, "POST", "/api/auth/verify-2fa", {
    json: { temporary_token: login.body.temporary_token, totp_code: await totp.generate() },
  });
  const cookie = verified.cookie;
  await fetch(`${upstream}/_emulator/clock/advance`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ seconds: 31 * 60 }),
  }).then((r) => r.body?.cancel());
  const parallel = await Promise.all(
    Array.from({ length: 8 }, () => call(mf, "GET", "/api/agents", { cookie })),
  );
  const rotated = parallel.find((r) => r.cookie)?.cookie;
  const stale = await call(mf, "GET", "/api/agents", { cookie });
  const logout = await call(mf, "POST", "/api/auth/logout", { cookie: rotated });
  const afterLogout = await call(mf, "GET", "/api/agents", { cookie: rotated });
  const staleAfterLogout = await call(mf, "GET", "/api/agents", { cookie });
  const limits = [];
  for (let i = 0; i < 5; i++) limits.push((await call(limited, "GET", "/api/agents")).status);
  // The counts live in the Durable Object: ask it directly (one more hit of the same key).
  const ns = await limited.getDurableObjectNamespace("CIRTUSAI_PROXY_STATE");
  const counted = [];
  for (const key of ["127.0.0.1", "anonymous"]) {
    const stub = ns.get(ns.idFromName(`rate:${key}`));
    const res = await stub.fetch("https://cirtusai-proxy-state/hit", {
      method: "POST",
      body: JSON.stringify([key, 60_000]),
    });
    counted.push((await res.json()).count);
  }
  console.log(JSON.stringify({
    counted,
    verified: verified.status,
    parallel: parallel.map((r) => r.status),
    rotated: Boolean(rotated),
    stale: stale.status,
    logout: logout.status,
    after_logout: afterLogout.status,
    stale_after_logout: staleAfterLogout.status,
    limits,
  }));
} finally {
  await mf.dispose();
  await limited.dispose();
}
