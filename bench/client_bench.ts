// The SDK's overhead over a bare fetch: agents.listAgents() against a local Deno.serve on
// loopback, versus fetch + res.json() on the same server, in the same run.
import { CirtusAIClient } from "../mod.ts";

const agents = Array.from({ length: 20 }, (_, i) => ({
  id: crypto.randomUUID(),
  name: `agent ${i}`,
  did: `did:key:z6Mk${"x".repeat(44)}`,
  state: { status: "active" },
  created_at: new Date().toISOString(),
}));
const payload = JSON.stringify(agents);
const server = Deno.serve(
  { hostname: "127.0.0.1", port: 0, onListen: () => {} },
  () => new Response(payload, { headers: { "content-type": "application/json" } }),
);
const url = `http://127.0.0.1:${server.addr.port}`;
const client = new CirtusAIClient(url, { token: "bench-token" });

Deno.bench("fetch + res.json()", { group: "listAgents", baseline: true }, async () => {
  const res = await fetch(`${url}/agents`, {
    headers: { authorization: "Bearer bench-token", accept: "application/json" },
  });
  await res.json();
});

Deno.bench("client.agents.listAgents()", { group: "listAgents" }, async () => {
  await client.agents.listAgents();
});
