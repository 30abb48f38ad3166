import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { Backend } from "../backend.ts";
import { type AppEnv, requireUser } from "../env.ts";
import { notFound } from "../problem.ts";
import type { AgentRecord, AssetRecord } from "../records.ts";
import { bodyId, chain, idParams, jsonObject, name } from "../schemas/fields.ts";
import {
  Agent,
  AgentOrChild,
  ChildAgent,
  ChildAgentUpdate,
  ProvisionedAsset,
} from "../schemas/models.ts";
import {
  AUTH_FAILURES,
  BEARER,
  BODY_FAILURES,
  error,
  json,
  jsonRequest,
  routesOn,
} from "../schemas/operation.ts";
import { validationHook } from "../validation.ts";
import { newWallet } from "../wallet_keys.ts";

type AgentBody = z.infer<typeof Agent> | z.infer<typeof ChildAgent> & { parent_id: string };

/** The wire shape of an agent: a master `Agent`, or a `ChildAgent` with parent and permissions. */
export function agentBody(a: AgentRecord): AgentBody {
  const base = { id: a.id, name: a.name, did: a.did, state: a.state, created_at: a.created_at };
  return a.parent_id === null
    ? base
    : { ...base, parent_id: a.parent_id, permissions: a.permissions };
}

/** The wire shape of an asset (the private key stays behind). */
export function assetBody(a: AssetRecord) {
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
function provisionedBody(a: AssetRecord): z.infer<typeof ProvisionedAsset> {
  const flat = a.type === "email"
    ? { email_address: String(a.details.email_address), provider: "cirtusai", status: "active" }
    : {
      address: String(a.details.address),
      chain: String(a.details.chain),
      balance: "0",
      status: "active",
    };
  return { ...assetBody(a), ...flat };
}

function slug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 24) ||
    "agent";
}

/** `/agents`: master agents, child agents, permissions, provisioning. */
export function agentRoutes(backend: Backend): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  const serve = routesOn(app, requireUser(backend));
  const tags = ["agents"];
  const security = BEARER;

  async function child(userId: string, id: string): Promise<AgentRecord> {
    const agent = await backend.findAgent(userId, id);
    if (!agent || agent.parent_id === null) throw notFound("Child agent");
    return agent;
  }

  // The user's master agent, read directly: no walk over its children.
  serve(
    createRoute({
      method: "get",
      path: "/",
      operationId: "listAgents",
      tags,
      security,
      summary: "Your master agents",
      responses: {
        200: json(z.array(Agent), "The master agent (none once deleted)"),
        ...AUTH_FAILURES,
      },
    }),
    async (c) => {
      const master = await backend.masterAgent(c.get("user"));
      return c.json(master ? [agentBody(master) as z.infer<typeof Agent>] : [], 200);
    },
  );

  serve(
    createRoute({
      method: "get",
      path: "/children",
      operationId: "getChildren",
      tags,
      security,
      summary: "Your child agents",
      responses: {
        200: json(z.array(ChildAgent), "Every child agent, oldest first"),
        ...AUTH_FAILURES,
      },
    }),
    async (c) => {
      const agents = await backend.listAgents(c.get("user").id);
      return c.json(agents.filter((a) => a.parent_id !== null).map(agentBody), 200);
    },
  );

  serve(
    createRoute({
      method: "post",
      path: "/children",
      operationId: "createChildAgent",
      tags,
      security,
      summary: "Create a child agent under one of your agents",
      request: {
        body: jsonRequest(z.object({
          parent_id: bodyId("parent_id", "The parent agent's id or DID"),
          name: name("Name"),
        })),
      },
      responses: {
        201: json(ChildAgent, "The new child agent"),
        ...AUTH_FAILURES,
        ...BODY_FAILURES,
        404: error("Parent agent not found"),
      },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const made = await backend.createChild(c.get("user").id, body.parent_id, body.name);
      return c.json(agentBody(made), 201);
    },
  );

  serve(
    createRoute({
      method: "put",
      path: "/children/{id}/permissions",
      operationId: "updateChildPermissions",
      tags,
      security,
      summary: "Replace a child's permissions",
      request: {
        params: idParams("Child agent"),
        body: jsonRequest(z.object({ permissions: jsonObject })),
      },
      responses: {
        200: json(ChildAgentUpdate, "The updated child agent"),
        ...AUTH_FAILURES,
        ...BODY_FAILURES,
        404: error("Child agent not found"),
      },
    }),
    async (c) => {
      const { permissions } = c.req.valid("json");
      const updated = await backend.setPermissions(
        c.get("user").id,
        c.req.valid("param").id,
        permissions,
      );
      return c.json(agentBody(updated), 200);
    },
  );

  serve(
    createRoute({
      method: "delete",
      path: "/children/{id}",
      operationId: "unlinkChildAgent",
      tags,
      security,
      summary: "Unlink (delete) a child agent, with its subtree and assets",
      request: { params: idParams("Child agent") },
      responses: {
        204: { description: "Unlinked" },
        ...AUTH_FAILURES,
        404: error("Child agent not found"),
      },
    }),
    async (c) => {
      await backend.deleteAgent(await child(c.get("user").id, c.req.valid("param").id));
      return c.body(null, 204);
    },
  );

  serve(
    createRoute({
      method: "post",
      path: "/children/{id}/assets/provision/email",
      operationId: "provisionEmail",
      tags,
      security,
      summary: "Provision an e-mail address for a child agent (no body)",
      request: { params: idParams("Child agent") },
      responses: {
        200: json(ProvisionedAsset, "The new asset, with the flat fields"),
        ...AUTH_FAILURES,
        404: error("Child agent not found"),
      },
    }),
    async (c) => {
      const suffix = crypto.randomUUID().slice(0, 8);
      const asset = await backend.provisionAsset(
        c.get("user").id,
        c.req.valid("param").id,
        (agent) => ({
          type: "email",
          details: { email_address: `${slug(agent.name)}-${suffix}@agents.cirtusai.local` },
        }),
      );
      return c.json(provisionedBody(asset), 200);
    },
  );

  const chainDefault = { description: 'Default `"ethereum"`' };
  serve(
    createRoute({
      method: "post",
      path: "/children/{id}/assets/provision/wallet",
      operationId: "provisionWallet",
      tags,
      security,
      summary: "Provision a wallet for a child agent",
      description:
        "The chain comes from the query, or else from an optional JSON body `{chain}` (the Python " +
        "`CirtusAgent` sends it there); the query wins when both are sent.",
      request: {
        params: idParams("Child agent"),
        query: z.object({ chain: chain.optional().openapi(chainDefault) }),
        body: jsonRequest(z.object({ chain: chain.nullish().openapi(chainDefault) }), false),
      },
      responses: {
        200: json(ProvisionedAsset, "The new asset, with the flat fields"),
        ...AUTH_FAILURES,
        ...BODY_FAILURES,
        404: error("Child agent not found"),
      },
    }),
    async (c) => {
      const id = c.req.valid("param").id;
      const picked = c.req.valid("query").chain ?? c.req.valid("json").chain ?? "ethereum";
      await child(c.get("user").id, id); // 404 before the key is made
      const wallet = await newWallet(picked);
      const asset = await backend.provisionAsset(c.get("user").id, id, () => ({
        type: "wallet",
        details: { chain: picked, address: wallet.address },
        private_key: wallet.privateKey,
      }));
      return c.json(provisionedBody(asset), 200);
    },
  );

  serve(
    createRoute({
      method: "get",
      path: "/{id}",
      operationId: "getAgent",
      tags,
      security,
      summary: "One of your agents, master or child",
      request: { params: idParams("Agent") },
      responses: {
        200: json(AgentOrChild, "The agent: a child has a parent_id"),
        ...AUTH_FAILURES,
        404: error("Agent not found"),
      },
    }),
    async (c) => {
      const agent = await backend.findAgent(c.get("user").id, c.req.valid("param").id);
      if (!agent) throw notFound("Agent");
      return c.json(agentBody(agent), 200);
    },
  );

  serve(
    createRoute({
      method: "delete",
      path: "/{id}",
      operationId: "deleteAgent",
      tags,
      security,
      summary: "Delete an agent, master or child, with its subtree and assets",
      description:
        "Without its master agent, the account can no longer issue credentials (409 on issue).",
      request: { params: idParams("Agent") },
      responses: {
        204: { description: "Deleted" },
        ...AUTH_FAILURES,
        404: error("Agent not found"),
      },
    }),
    async (c) => {
      const agent = await backend.findAgent(c.get("user").id, c.req.valid("param").id);
      if (!agent) throw notFound("Agent");
      await backend.deleteAgent(agent);
      return c.body(null, 204);
    },
  );

  return app;
}
