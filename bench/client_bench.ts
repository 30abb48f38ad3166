// The SDK's overhead over a bare fetch, in one run: agents.listAgents() (20 agents) versus
// fetch + res.json() of the same answer, first against a local Deno.serve on loopback, then
// in process (a fetch that answers at once), which leaves only the SDK's own work to measure:
// URL and headers, the timeout, the status check and the validation of every agent.
import { CirtusAIClient } from "../mod.ts";

const agents = Array.from({ length: 20 }, (_, i) => ({
  id: crypto.randomUUID(),
  name: `agent ${i}`,
  did: `did:key:z6Mk${"x".repeat(44)}`,
  state: { status: "active" },
  created_at: new Date().toISOString(),
}));
const payload = JSON.stringify(agents);
// With its Content-Length, as servers send JSON: an answer of unknown length is instead counted
// chunk by chunk as it streams (the maxResponseBytes cap), which costs a few µs more.
const length = String(new TextEncoder().encode(payload).length);
const answer = () =>
  new Response(payload, {
    headers: { "content-type": "application/json", "content-length": length },
  });
const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, answer);
const url = `http://127.0.0.1:${server.addr.port}`;
const headers = { authorization: "Bearer bench-token", accept: "application/json" };

const inProcess = (_input: Request | URL | string, _init?: RequestInit) =>
  Promise.resolve(answer());
const cases = {
  loopback: {
    fetch: globalThis.fetch,
    client: new CirtusAIClient(url, { token: "bench-token" }),
  },
  "in process": {
    fetch: inProcess,
    client: new CirtusAIClient(url, { token: "bench-token", fetch: inProcess }),
  },
};

for (const [group, { fetch, client }] of Object.entries(cases)) {
  const raw = async () => {
    const res = await fetch(`${url}/agents`, { headers });
    if (res.status !== 200) throw new Error(`status ${res.status}`);
    await res.json();
  };
  const sdk = async () => {
    if ((await client.agents.listAgents()).length !== 20) throw new Error("not 20 agents");
  };
  // Connections and compiled code are warm before either is timed, so neither pays for them.
  for (let i = 0; i < 2000; i++) await raw(), await sdk();
  Deno.bench("fetch + res.json()", { group, baseline: true }, raw);
  Deno.bench("client.agents.listAgents()", { group }, sdk);
}
