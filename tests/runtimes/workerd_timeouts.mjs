// Run by tests/runtimes_test.ts: timeouts inside workerd (miniflare), where a timer or a signal
// belongs to the request that made it. Against an upstream that never answers, two overlapping
// requests must each time out: through the proxy's Worker bundle (a 504), and through the SDK
// bundle in a Worker that keeps one client for all its requests (APIConnectionTimeoutError). A
// timer shared by both requests would be cancelled with the first and leave the second hanging.
import { Miniflare } from "miniflare";
import { createServer } from "node:http";
import { readFileSync } from "node:fs";

const dist = (name) => new URL(`../../dist/${name}`, import.meta.url);
const sockets = new Set();
const silent = createServer(() => {}); // accepts requests, never answers
silent.on("connection", (socket) => sockets.add(socket));
await new Promise((resolve) => silent.listen(0, "127.0.0.1", resolve));
const upstream = `http://127.0.0.1:${silent.address().port}`;

const proxy = new Miniflare({
  modules: true,
  scriptPath: dist("cirtusai-proxy.js").pathname,
  compatibilityDate: "2025-01-01",
  bindings: {
    CIRTUSAI_UPSTREAM: upstream,
    CIRTUSAI_COOKIE_SECRET: "tTkBXRAFyxvy9F5jE+gdsC2++rr6qwLflpJ0IPcJ6nw=",
    CIRTUSAI_PROXY_TIMEOUT_MS: "300",
  },
});
const sdk = new Miniflare({
  modules: [
    {
      type: "ESModule",
      path: "worker.js",
      contents: `
        import { CirtusAIClient } from "./cirtusai.js";
        let client;
        export default {
          async fetch(request, env) {
            client ??= new CirtusAIClient(env.API, { token: "t", timeout: 300, maxRetries: 0 });
            try {
              await client.agents.listAgents();
              return new Response("answered");
            } catch (err) {
              return new Response(err.name);
            }
          },
        };`,
    },
    { type: "ESModule", path: "cirtusai.js", contents: readFileSync(dist("cirtusai.js"), "utf8") },
  ],
  compatibilityDate: "2025-01-01",
  bindings: { API: upstream },
});

/** One request after `delay` ms: its status and body, or "hung" after 5 s. */
async function call(mf, path, delay) {
  await new Promise((resolve) => setTimeout(resolve, delay));
  let guard;
  const res = await Promise.race([
    mf.dispatchFetch(`http://localhost${path}`),
    new Promise((resolve) => guard = setTimeout(() => resolve(null), 5_000)),
  ]);
  clearTimeout(guard);
  return res ? `${res.status} ${await res.text()}` : "hung";
}

try {
  // Each Worker first answers once alone, so that its start-up is not timed.
  await Promise.all([call(proxy, "/api/agents", 0), call(sdk, "/", 0)]);
  const [proxyCalls, sdkCalls] = await Promise.all([
    Promise.all([call(proxy, "/api/agents", 0), call(proxy, "/api/agents", 100)]),
    Promise.all([call(sdk, "/", 0), call(sdk, "/", 100)]),
  ]);
  console.log(JSON.stringify({ proxy: proxyCalls, sdk: sdkCalls }));
} finally {
  await Promise.all([proxy.dispose(), sdk.dispose()]);
  for (const socket of sockets) socket.destroy();
  silent.close();
}
