// The edge proxy's cost on loopback, in one run: directly against the upstream, through a bare
// fetch-forwarding handler, and through the proxy in session mode (cookie decrypted, header
// filtered, token added). `deno bench` prints each group's times and the ratios to the bare
// forwarder. Goal: session mode at >= 0.9x the bare forwarder's throughput.
import { createProxy } from "../src/proxy/mod.ts";
import { SessionSealer } from "../src/proxy/session_cookie.ts";

const SECRET = "bench-cookie-secret-of-32-characters-at-least";
const quiet = { hostname: "127.0.0.1", port: 0, onListen: () => {} };
const body = JSON.stringify(
  Array.from(
    { length: 20 },
    (_, i) => ({ id: `a${i}`, name: `agent ${i}`, did: "did:key:z6Mk", state: null }),
  ),
);

const upstream = Deno.serve(
  quiet,
  (req) =>
    req.headers.get("authorization")
      ? new Response(body, { headers: { "content-type": "application/json" } })
      : new Response('{"detail":"Not authenticated"}', { status: 401 }),
);
const upstreamUrl = `http://127.0.0.1:${upstream.addr.port}`;

// What a hand-written forwarder does: same path, a bearer token, the response passed back.
const bare = Deno.serve(quiet, async (req) => {
  const url = new URL(req.url);
  const res = await fetch(`${upstreamUrl}${url.pathname.slice(4)}`, {
    headers: { authorization: "Bearer token", accept: "application/json" },
  });
  return new Response(res.body, { status: res.status, headers: res.headers });
});

const proxy = Deno.serve(
  quiet,
  createProxy({ upstream: upstreamUrl, cookieSecret: SECRET, rateLimit: { limit: 1e9 } }).fetch,
);
const cookie = `cirtusai_session=${await new SessionSealer(SECRET, "cirtusai_session").seal({
  access_token: "token",
  refresh_token: "refresh",
  expires_at: Date.now() + 3600_000,
})}`;

const targets = {
  upstream: { url: `${upstreamUrl}/agents`, headers: { authorization: "Bearer token" } },
  bare: { url: `http://127.0.0.1:${bare.addr.port}/api/agents`, headers: {} },
  proxy: { url: `http://127.0.0.1:${proxy.addr.port}/api/agents`, headers: { cookie } },
};

async function once(target: { url: string; headers: Record<string, string> }): Promise<void> {
  const res = await fetch(target.url, { headers: target.headers });
  if (res.status !== 200) throw new Error(`${target.url}: ${res.status}`);
  await res.arrayBuffer();
}

// Connections, compiled code and the proxy's session cache are warm before anything is timed.
for (let i = 0; i < 200; i++) {
  for (const target of Object.values(targets)) {
    await Promise.all(Array.from({ length: 32 }, () => once(target)));
  }
}

for (const [name, target] of Object.entries(targets)) {
  Deno.bench(`${name}: one request`, { group: "latency", baseline: name === "bare" }, async () => {
    await once(target);
  });
}
for (const [name, target] of Object.entries(targets)) {
  Deno.bench(
    `${name}: 32 concurrent`,
    { group: "throughput", baseline: name === "bare" },
    async () => {
      await Promise.all(Array.from({ length: 32 }, () => once(target)));
    },
  );
}
