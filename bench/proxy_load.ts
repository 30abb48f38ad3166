// The edge proxy's cost on loopback, in one run and one process: directly against the upstream,
// through a bare fetch-forwarding handler, and through the proxy in session mode (rate limit, path
// checks, cookie opened, headers filtered, token added, upstream timeout). The targets take turns
// (request by request for latency, round by round for throughput), so a machine that slows down
// for a while slows all three alike; the medians are printed with their ratio to the bare
// forwarder. Goal: session mode at >= 0.9x the bare forwarder's throughput. Two more rows report
// what the options cost: a shared KvProxyStore, and self-hosting with serve() (node:http with
// time limits on clients, src/server/serve_node.ts).
//
//   deno run -A bench/proxy_load.ts [--rounds 61] [--requests 10000]
import { parseArgs } from "node:util";
import { createProxy, KvProxyStore, serve } from "../src/proxy/mod.ts";
import { SessionSealer } from "../src/proxy/session_cookie.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    rounds: { type: "string", default: "61" },
    requests: { type: "string", default: "10000" },
  },
});
const ROUNDS = Number(values.rounds);
const REQUESTS = Number(values.requests);
const CONCURRENCY = 32;
const ROUND_MS = 300;

const SECRET = "a6H8a4Ebnd7w/V2s9pRNfMbfvLZGfc9CSsp7jpG5u4o="; // openssl rand -base64 32
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
// The same proxy on a shared Deno KV (KvProxyStore), as instances on Deno Deploy run it: one
// store read for the session and one counter for the rate limit per request, no other write.
const kv = await Deno.openKv(":memory:");
const kvProxy = Deno.serve(
  quiet,
  createProxy({
    upstream: upstreamUrl,
    cookieSecret: SECRET,
    rateLimit: { limit: 1e9 },
    store: new KvProxyStore(kv),
  }).fetch,
);
// The same proxy self-hosted with serve(): with the time limits that cut off slow clients.
const relayed = await serve(
  createProxy({ upstream: upstreamUrl, cookieSecret: SECRET, rateLimit: { limit: 1e9 } }).fetch,
  { hostname: "127.0.0.1", port: 0 },
);
// A session as a login through the proxy makes it: with its id, so the shared store is read.
const cookie = `cirtusai_session=${await new SessionSealer(SECRET, "cirtusai_session").seal({
  access_token: "token",
  refresh_token: "refresh",
  expires_at: Date.now() + 3600_000,
  sid: crypto.randomUUID(),
  gen: 0,
  exp: Date.now() + 24 * 3600_000,
})}`;

interface Target {
  name: string;
  url: string;
  headers: Record<string, string>;
  latencies: number[];
  rates: number[];
}
const target = (name: string, url: string, headers: Record<string, string>): Target => ({
  name,
  url,
  headers,
  latencies: [],
  rates: [],
});
const targets = [
  target("upstream", `${upstreamUrl}/agents`, { authorization: "Bearer token" }),
  // The browser's request is the same for both forwarders; the bare one ignores the cookie.
  target("bare forwarder", `http://127.0.0.1:${bare.addr.port}/api/agents`, { cookie }),
  target("proxy (session)", `http://127.0.0.1:${proxy.addr.port}/api/agents`, { cookie }),
  target("proxy, KvProxyStore", `http://127.0.0.1:${kvProxy.addr.port}/api/agents`, { cookie }),
  target("proxy, serve() time limits", `${relayed.url}/api/agents`, { cookie }),
];
const [, bareTarget] = targets;

async function once(t: Target): Promise<void> {
  const res = await fetch(t.url, { headers: t.headers });
  if (res.status !== 200) throw new Error(`${t.url}: ${res.status}`);
  await res.arrayBuffer();
}

/** Requests answered in `ms` with CONCURRENCY in flight. */
async function load(t: Target, ms: number): Promise<number> {
  let done = 0;
  const end = performance.now() + ms;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (performance.now() < end) {
      await once(t);
      done++;
    }
  }));
  return done / (ms / 1000);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const percentile = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];

// Connections, compiled code and the proxy's session cache are warm before anything is timed.
for (const t of targets) await load(t, 1000);

for (let i = 0; i < REQUESTS; i++) {
  for (const t of targets) {
    const start = performance.now();
    await once(t);
    t.latencies.push((performance.now() - start) * 1000);
  }
}
for (let round = 0; round < ROUNDS; round++) {
  // A different target goes first each round.
  for (let k = 0; k < targets.length; k++) {
    const t = targets[(round + k) % targets.length];
    t.rates.push(await load(t, ROUND_MS));
  }
}

const bareLatency = median(bareTarget.latencies);
const rows = targets.map((t) => {
  const ratios = t.rates.map((rate, round) => rate / bareTarget.rates[round]);
  return {
    target: t.name,
    "latency p50": `${median(t.latencies).toFixed(1)} µs`,
    "latency p99": `${percentile(t.latencies, 0.99).toFixed(1)} µs`,
    "p50 vs bare": `${(bareLatency / median(t.latencies)).toFixed(3)}x`,
    [`req/s (${CONCURRENCY} concurrent)`]: Math.round(median(t.rates)),
    "throughput vs bare": `${median(ratios).toFixed(3)}x (${Math.min(...ratios).toFixed(2)}–${
      Math.max(...ratios).toFixed(2)
    })`,
  };
});
console.log(
  `${REQUESTS} requests a target one at a time; ${ROUNDS} rounds of ${ROUND_MS} ms at ${CONCURRENCY} concurrent`,
);
console.table(rows);
const goal = median(targets[2].rates.map((rate, round) => rate / bareTarget.rates[round]));
console.log(
  `proxy throughput: ${
    goal.toFixed(3)
  }x the bare forwarder (median of ${ROUNDS} rounds); goal 0.9x`,
);

await Promise.all([
  upstream.shutdown(),
  bare.shutdown(),
  proxy.shutdown(),
  kvProxy.shutdown(),
  relayed.shutdown(),
]);
kv.close();
