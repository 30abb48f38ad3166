import { Hono } from "hono";
import type { Backend } from "../backend.ts";
import { type AppEnv, requireUser } from "../env.ts";
import { notFound, Problem, readJson } from "../problem.ts";
import type { AgentRecord, AssetRecord } from "../records.ts";
import { type Chain, newWallet, SUPPORTED_CHAINS } from "../wallet_keys.ts";

/** The wire shape of an agent: a master `Agent`, or a `ChildAgent` with parent and permissions. */
export function agentBody(a: AgentRecord): Record<string, unknown> {
  const base = { id: a.id, name: a.name, did: a.did, state: a.state, created_at: a.created_at };
  return a.parent_id === null
    ? base
    : { ...base, parent_id: a.parent_id, permissions: a.permissions };
}

/** The wire shape of an asset (the private key stays behind). */
export function assetBody(a: AssetRecord): Record<string, unknown> {
  return {
    id: a.id,
    type: a.type,
    agent_id: a.agent_id,
    details: a.details,
    created_at: a.created_at,
  };
}

/**
 * A provisioning answer: the `Asset` plus the flat fields the documents show for the seeds'
 * `dict` (e-mail: `email_address`, `provider`, `status`; wallet: `address`, `chain`, `balance`).
 */
function provisionedBody(a: AssetRecord): Record<string, unknown> {
  const flat = a.type === "email"
    ? { email_address: a.details.email_address, provider: "cirtusai", status: "active" }
    : { address: a.details.address, chain: a.details.chain, balance: "0", status: "active" };
  return { ...assetBody(a), ...flat };
}

function slug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 24) ||
    "agent";
}

/** `/agents`: master agents, child agents, permissions, provisioning. */
export function agentRoutes(backend: Backend): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use("*", requireUser(backend));

  async function child(userId: string, id: string): Promise<AgentRecord> {
    const agent = await backend.findAgent(userId, id);
    if (!agent || agent.parent_id === null) throw notFound("Child agent");
    return agent;
  }

  // The user's master agent, read directly: no walk over its children.
  app.get("/", async (c) => {
    const master = await backend.masterAgent(c.get("user"));
    return c.json(master ? [agentBody(master)] : []);
  });

  app.get("/children", async (c) => {
    const agents = await backend.listAgents(c.get("user").id);
    return c.json(agents.filter((a) => a.parent_id !== null).map(agentBody));
  });

  app.post("/children", async (c) => {
    const body = await readJson<{ parent_id: string; name: string }>(c, {
      parent_id: "string",
      name: "string",
    });
    const name = body.name.trim();
    if (!name || name.length > 256) {
      throw new Problem(422, [{
        loc: ["body", "name"],
        msg: "Name must be 1 to 256 characters",
        type: "value_error",
      }]);
    }
    const child = await backend.createChild(c.get("user").id, body.parent_id, name);
    return c.json(agentBody(child), 201);
  });

  app.put("/children/:id/permissions", async (c) => {
    const { permissions } = await readJson<{ permissions: Record<string, unknown> }>(c, {
      permissions: "object",
    });
    const updated = await backend.setPermissions(c.get("user").id, c.req.param("id"), permissions);
    return c.json(agentBody(updated));
  });

  app.delete("/children/:id", async (c) => {
    await backend.deleteAgent(await child(c.get("user").id, c.req.param("id")));
    return c.body(null, 204);
  });

  app.post("/children/:id/assets/provision/email", async (c) => {
    const suffix = crypto.randomUUID().slice(0, 8);
    const asset = await backend.provisionAsset(c.get("user").id, c.req.param("id"), (agent) => ({
      type: "email",
      details: { email_address: `${slug(agent.name)}-${suffix}@agents.cirtusai.local` },
    }));
    return c.json(provisionedBody(asset));
  });

  app.post("/children/:id/assets/provision/wallet", async (c) => {
    // The query's chain, or a JSON body's (the Python CirtusAgent sends it there).
    const fromBody = c.req.header("content-type")?.includes("application/json")
      ? (await readJson<{ chain?: string }>(c, { chain: "string?" })).chain
      : undefined;
    const query = c.req.query("chain");
    const chain = (query ?? fromBody ?? "ethereum").toLowerCase();
    if (!SUPPORTED_CHAINS.includes(chain as Chain)) {
      throw new Problem(422, [{
        loc: [query === undefined && fromBody !== undefined ? "body" : "query", "chain"],
        msg: `Unsupported chain; supported chains: ${SUPPORTED_CHAINS.join(", ")}`,
        type: "enum",
      }]);
    }
    await child(c.get("user").id, c.req.param("id")); // 404 before the key is made
    const wallet = await newWallet(chain as Chain);
    const asset = await backend.provisionAsset(c.get("user").id, c.req.param("id"), () => ({
      type: "wallet",
      details: { chain, address: wallet.address },
      private_key: wallet.privateKey,
    }));
    return c.json(provisionedBody(asset));
  });

  app.get("/:id", async (c) => {
    const agent = await backend.findAgent(c.get("user").id, c.req.param("id"));
    if (!agent) throw notFound("Agent");
    return c.json(agentBody(agent));
  });

  app.delete("/:id", async (c) => {
    const agent = await backend.findAgent(c.get("user").id, c.req.param("id"));
    if (!agent) throw notFound("Agent");
    // Any agent, master or child (the documents' delete_agent has no restriction): its subtree
    // and assets go with it. Without a master, the account can no longer issue credentials.
    await backend.deleteAgent(agent);
    return c.body(null, 204);
  });

  return app;
}
