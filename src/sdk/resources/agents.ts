import { requireNonBlank, requireObject } from "../arguments.ts";
import { type CallOptions, encodePathParam, type HttpClient } from "../http.ts";
import {
  parseAgentOrChild,
  parseAgents,
  parseChildAgent,
  parseChildAgents,
  parseChildAgentUpdate,
  parseProvisionedAsset,
} from "../parse.ts";
import type {
  Agent,
  AgentOrChild,
  ChildAgent,
  ChildAgentUpdate,
  JsonObject,
  ProvisionedAsset,
} from "../types.ts";

/**
 * Master agents, child agents, their permissions and their assets.
 *
 * @example
 * ```ts
 * import { CirtusAIClient } from "@cirtusai/sdk";
 * const client = new CirtusAIClient("http://localhost:8000", { token: "..." });
 * const [master] = await client.agents.listAgents();
 * const child = await client.agents.createChildAgent(master.id, "researcher");
 * await client.agents.provisionWallet(child.id, "polygon");
 * ```
 */
export class AgentsResource {
  readonly #http: HttpClient;

  /** Used by {@linkcode CirtusAIClient}; not meant to be built directly. */
  constructor(http: HttpClient) {
    this.#http = http;
  }

  /** The user's master agents. */
  async listAgents(options?: CallOptions): Promise<Agent[]> {
    return await this.#http.request({
      method: "GET",
      path: "/agents",
      parse: parseAgents,
      signal: options?.signal,
    });
  }

  /** One agent by id or DID: a master {@linkcode Agent} or a {@linkcode ChildAgent}. */
  async getAgent(agentId: string, options?: CallOptions): Promise<AgentOrChild> {
    const path = `/agents/${encodePathParam(agentId, "agent_id")}`;
    return await this.#http.request({
      method: "GET",
      path,
      parse: parseAgentOrChild,
      signal: options?.signal,
    });
  }

  /** Creates a child agent under `parentId`. */
  async createChildAgent(
    parentId: string,
    name: string,
    options?: CallOptions,
  ): Promise<ChildAgent> {
    return await this.#http.request({
      method: "POST",
      path: "/agents/children",
      json: {
        parent_id: requireNonBlank(parentId, "parent_id"),
        name: requireNonBlank(name, "name"),
      },
      parse: parseChildAgent,
      signal: options?.signal,
    });
  }

  /** Deletes an agent. */
  async deleteAgent(agentId: string, options?: CallOptions): Promise<void> {
    await this.#http.request({
      method: "DELETE",
      path: `/agents/${encodePathParam(agentId, "agent_id")}`,
      signal: options?.signal,
    });
  }

  /** Every child agent of the user. */
  async getChildren(options?: CallOptions): Promise<ChildAgent[]> {
    return await this.#http.request({
      method: "GET",
      path: "/agents/children",
      parse: parseChildAgents,
      signal: options?.signal,
    });
  }

  /** Replaces a child's permissions object. */
  async updateChildPermissions(
    childId: string,
    permissions: JsonObject,
    options?: CallOptions,
  ): Promise<ChildAgentUpdate> {
    requireObject(permissions, "permissions");
    return await this.#http.request({
      method: "PUT",
      path: `/agents/children/${encodePathParam(childId, "child_id")}/permissions`,
      json: { permissions },
      parse: parseChildAgentUpdate,
      signal: options?.signal,
    });
  }

  /** Unlinks (removes) a child agent. */
  async unlinkChildAgent(childId: string, options?: CallOptions): Promise<void> {
    await this.#http.request({
      method: "DELETE",
      path: `/agents/children/${encodePathParam(childId, "child_id")}`,
      signal: options?.signal,
    });
  }

  /** Gives a child agent an e-mail address. */
  async provisionEmail(childId: string, options?: CallOptions): Promise<ProvisionedAsset> {
    return await this.#http.request({
      method: "POST",
      path: `/agents/children/${encodePathParam(childId, "child_id")}/assets/provision/email`,
      parse: parseProvisionedAsset,
      signal: options?.signal,
    });
  }

  /** Gives a child agent a wallet on `chain` (default `"ethereum"`). */
  async provisionWallet(
    childId: string,
    chain = "ethereum",
    options?: CallOptions,
  ): Promise<ProvisionedAsset> {
    return await this.#http.request({
      method: "POST",
      path: `/agents/children/${encodePathParam(childId, "child_id")}/assets/provision/wallet`,
      query: { chain: requireNonBlank(chain, "chain") },
      parse: parseProvisionedAsset,
      signal: options?.signal,
    });
  }
}
