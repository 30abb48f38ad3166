/**
 * The CirtusAI API as tools for AI agents: one table of name, description (written for a
 * model), JSON Schema of the input, MCP annotations and the SDK call. `cirtusai mcp` serves it
 * over the Model Context Protocol; {@linkcode cirtusaiTools} gives it to any other agent
 * framework (LangChain.js, the Vercel AI SDK) to wrap in a few lines. It imports no framework.
 *
 * Nothing that sets up or disables 2FA, or shows codes, backup codes or tokens, is a tool.
 * Tools that delete or unlink are offered only with `allowDestructive`.
 *
 * @example
 * ```ts
 * import { CirtusAIClient } from "@cirtusai/sdk";
 * import { cirtusaiTools } from "@cirtusai/sdk/tools";
 * const client = new CirtusAIClient("http://localhost:8000");
 * await client.auth.loginWith2fa("ada", "correct horse", { totpSecret: "JBSWY3DPEHPK3PXP" });
 * const tools = cirtusaiTools(client);
 * const listAgents = tools.find((tool) => tool.name === "list_agents")!;
 * console.log(await listAgents.execute({})); // { agents: [...] }
 * ```
 *
 * @module
 */
import type { CirtusAIClient } from "../sdk/client.ts";
import { InvalidArgumentError } from "../sdk/errors.ts";
import type { JsonObject } from "../sdk/types.ts";
import { SUPPORTED_CHAINS } from "../sdk/chains.ts";
import { maskSecrets } from "../sdk/mask_secrets.ts";
import { type JsonSchema, schemaError } from "./schema.ts";

export { type JsonSchema, schemaError } from "./schema.ts";

/** The MCP tool annotations: hints for the host (whether to ask before a call), not guarantees. */
export interface ToolAnnotations {
  /** A title for people. */
  title: string;
  /** The tool changes nothing. */
  readOnlyHint: boolean;
  /** The tool may delete or unlink something (offered only with `allowDestructive`). */
  destructiveHint: boolean;
  /** Calling it again with the same input has no further effect. */
  idempotentHint: boolean;
  /** False: the tools act on the account's own data only. */
  openWorldHint: boolean;
}

/** One tool, in no framework's format: wrap it in the framework's own tool type. */
export interface CirtusAITool {
  /** The tool's name (snake_case), unique in the table. */
  name: string;
  /** What it does and when to use it, written for a model. */
  description: string;
  /** The JSON Schema of its input: always an object. */
  inputSchema: JsonSchema;
  /** MCP annotations. */
  annotations: ToolAnnotations;
  /** True when the tool needs no API call (and so no session). */
  offline: boolean;
  /**
   * Checks `input` against {@linkcode CirtusAITool.inputSchema} (bad input is an
   * `InvalidArgumentError` and nothing is sent), then makes the SDK call. Resolves to a JSON
   * object; rejects with the SDK's errors.
   */
  execute(input: unknown, options?: { signal?: AbortSignal }): Promise<JsonObject>;
  /** A one-line summary of a result of this tool, for models that read text. */
  summarize(result: JsonObject): string;
}

/**
 * Wraps every API call of the tools: the place for a session that must exist first (a service
 * login) or be renewed when it ended. Validation happens before, so bad input starts nothing.
 */
export interface ToolSession {
  /** Runs `call` within the session. */
  run<T>(call: () => Promise<T>): Promise<T>;
}

/** Options of {@linkcode cirtusaiTools}. */
export interface CirtusAIToolsOptions {
  /** Also offer the tools that delete or unlink (`destructiveHint`); default false. */
  allowDestructive?: boolean;
  /** Wraps every API call (not the offline ones); default: the client as it is. */
  session?: ToolSession;
}

type Input = Record<string, unknown>;

interface ToolDefinition {
  name: string;
  title: string;
  description: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  readOnly: boolean;
  destructive?: boolean;
  idempotent: boolean;
  offline?: boolean;
  /** The SDK call; its answer is a JSON object (agents and children have no index signature). */
  call(client: CirtusAIClient, input: Input, signal?: AbortSignal): Promise<object>;
  summarize(result: JsonObject): string;
}

/** Ids and DIDs: the API refuses longer ones (404). */
function id(description: string): JsonSchema {
  return { type: "string", minLength: 1, maxLength: 256, description };
}

const AGENT_ID = id(
  "An agent's id or its DID (did:key:...), from list_agents or list_child_agents",
);
const CHILD_ID = id("A child agent's id, from list_child_agents or create_child_agent");

const count = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const list = (result: JsonObject, key: string) =>
  Array.isArray(result[key]) ? (result[key] as unknown[]).length : 0;

/** The table. The order is the order a model meets them in. */
const TOOLS: ToolDefinition[] = [
  {
    name: "list_agents",
    title: "List master agents",
    description: "List the user's master agents (their top-level AI agents), each with its id " +
      "and DID. A master agent's id is the parent_id for create_child_agent.",
    readOnly: true,
    idempotent: true,
    call: async (client, _input, signal) => ({
      agents: await client.agents.listAgents({ signal }),
    }),
    summarize: (r) => count(list(r, "agents"), "master agent"),
  },
  {
    name: "get_agent",
    title: "Get an agent",
    description: "Get one agent, master or child, by its id or DID. A child agent also has " +
      "its parent_id and its permissions.",
    properties: { agent_id: AGENT_ID },
    required: ["agent_id"],
    readOnly: true,
    idempotent: true,
    call: async (client, input, signal) =>
      await client.agents.getAgent(input.agent_id as string, { signal }),
    summarize: (r) =>
      `Agent ${r.name ?? r.id}${
        typeof r.parent_id === "string" ? ` (child of ${r.parent_id})` : ""
      }`,
  },
  {
    name: "list_child_agents",
    title: "List child agents",
    description: "List every child agent of the user's master agents, with its parent_id, " +
      "permissions and DID. These ids are what provision_email, provision_wallet and " +
      "update_child_permissions take.",
    readOnly: true,
    idempotent: true,
    call: async (client, _input, signal) => ({
      children: await client.agents.getChildren({ signal }),
    }),
    summarize: (r) => count(list(r, "children"), "child agent"),
  },
  {
    name: "create_child_agent",
    title: "Create a child agent",
    description: "Create a child agent under a master agent (parent_id from list_agents). The " +
      "child gets its own DID and no permissions. Each call creates another agent.",
    properties: {
      parent_id: id("The master agent's id, from list_agents"),
      name: { type: "string", minLength: 1, maxLength: 256, description: "The child's name" },
    },
    required: ["parent_id", "name"],
    readOnly: false,
    idempotent: false,
    call: async (client, input, signal) =>
      await client.agents.createChildAgent(input.parent_id as string, input.name as string, {
        signal,
      }),
    summarize: (r) => `Created child agent ${r.name ?? ""} (id ${r.id})`,
  },
  {
    name: "update_child_permissions",
    title: "Set a child agent's permissions",
    description: "Replace a child agent's permissions with the given object, e.g. " +
      '{"send_email": true, "spend_limit_usd": 25}. Permissions left out are removed, so pass ' +
      "the whole set (get_agent shows the current one).",
    properties: {
      child_id: CHILD_ID,
      permissions: {
        type: "object",
        description: "The child's permissions, as a JSON object of names to values",
      },
    },
    required: ["child_id", "permissions"],
    readOnly: false,
    idempotent: true,
    call: async (client, input, signal) =>
      await client.agents.updateChildPermissions(
        input.child_id as string,
        input.permissions as JsonObject,
        { signal },
      ),
    summarize: (r) => `Permissions of ${r.id ?? "the child"}: ${JSON.stringify(r.permissions)}`,
  },
  {
    name: "provision_email",
    title: "Give a child agent an e-mail address",
    description: "Give a child agent a new e-mail address of its own. Each call provisions " +
      "another address.",
    properties: { child_id: CHILD_ID },
    required: ["child_id"],
    readOnly: false,
    idempotent: false,
    call: async (client, input, signal) =>
      maskSecrets(await client.agents.provisionEmail(input.child_id as string, { signal })),
    summarize: (r) =>
      `E-mail address ${r.email_address ?? (r.details as JsonObject | undefined)?.email_address}`,
  },
  {
    name: "provision_wallet",
    title: "Give a child agent a wallet",
    description: "Give a child agent a new wallet on a chain (default ethereum). Each call " +
      "creates another wallet. The answer has its public address, never a private key.",
    properties: {
      child_id: CHILD_ID,
      chain: {
        type: "string",
        enum: SUPPORTED_CHAINS,
        default: "ethereum",
        description: "The chain",
      },
    },
    required: ["child_id"],
    readOnly: false,
    idempotent: false,
    call: async (client, input, signal) =>
      maskSecrets(
        await client.agents.provisionWallet(
          input.child_id as string,
          (input.chain as string | undefined) ?? "ethereum",
          { signal },
        ),
      ),
    summarize: (r) => {
      const details = (r.details ?? {}) as JsonObject;
      return `Wallet on ${r.chain ?? details.chain}: ${r.address ?? details.address}`;
    },
  },
  {
    name: "list_assets",
    title: "List assets",
    description: "List every asset of the user's agents: e-mail addresses and wallets, each " +
      "with its type, owning agent_id and details (address, chain).",
    readOnly: true,
    idempotent: true,
    call: async (client, _input, signal) =>
      maskSecrets(await client.wallets.listAssets({ signal })),
    summarize: (r) => count(list(r, "assets"), "asset"),
  },
  {
    name: "list_email_accounts",
    title: "List linked e-mail accounts",
    description: "List the e-mail accounts linked to the user's wallet: provider, address and " +
      "configuration (secret values are not shown).",
    readOnly: true,
    idempotent: true,
    call: async (client, _input, signal) => ({
      email_accounts: maskSecrets(await client.wallets.listEmailAccounts({ signal })),
    }),
    summarize: (r) => count(list(r, "email_accounts"), "linked e-mail account"),
  },
  {
    name: "get_did",
    title: "Get a DID document",
    description: "Get an agent's DID and its DID document (verification methods, public key), " +
      "by agent id or DID.",
    properties: { agent_id: AGENT_ID },
    required: ["agent_id"],
    readOnly: true,
    idempotent: true,
    call: async (client, input, signal) =>
      await client.identity.getDid(input.agent_id as string, { signal }),
    summarize: (r) => `DID ${r.did}`,
  },
  {
    name: "issue_credential",
    title: "Issue a verifiable credential",
    description: "Issue a verifiable credential (a VC-JWT) about a subject (an agent id or any " +
      "DID), signed by the user's master agent: types such as AgentCapability, and the claims " +
      "about the subject as an object.",
    properties: {
      subject_id: id("The subject: an agent id or any DID"),
      types: {
        type: "array",
        items: { type: "string", minLength: 1, maxLength: 256 },
        minItems: 1,
        maxItems: 32,
        description: 'Credential types, e.g. ["AgentCapability"] (VerifiableCredential is added)',
      },
      claim: {
        type: "object",
        description: 'The claims about the subject, e.g. {"can_send_email": true}',
      },
    },
    required: ["subject_id", "types", "claim"],
    readOnly: false,
    idempotent: false,
    call: async (client, input, signal) =>
      await client.identity.issueCredential({
        subject_id: input.subject_id as string,
        types: input.types as string[],
        claim: input.claim as JsonObject,
      }, { signal }),
    summarize: () => "Issued a credential",
  },
  {
    name: "verify_credential",
    title: "Verify a credential (server)",
    description: "Ask the CirtusAI server to verify a credential (a VC-JWT, or a credential " +
      "object carrying one in proof.jwt): signature, issuer, the credential's shape and " +
      "validity period. The answer has verified, and the payload or the reason it failed.",
    properties: {
      credential: {
        anyOf: [{ type: "string", minLength: 1, maxLength: 65_536 }, { type: "object" }],
        description: "The VC-JWT string, or the credential object",
      },
    },
    required: ["credential"],
    readOnly: true,
    idempotent: true,
    call: async (client, input, signal) =>
      await client.identity.verifyCredential(input.credential as string | JsonObject, {
        signal,
      }),
    summarize: (r) => (r.verified ? "Verified" : `Not verified: ${r.error ?? "no reason given"}`),
  },
  {
    name: "verify_credential_offline",
    title: "Verify a VC-JWT offline",
    description: "Verify a credential here, without the server, as a W3C VC-JWT: the EdDSA " +
      "signature against the issuer's did:key, the shape of its vc claim (@context, type, " +
      "credentialSubject, iss and sub agreeing with it) and the validity period. Takes the " +
      "VC-JWT, or a credential object carrying it in proof.jwt, which must claim only what " +
      "that JWT signs. The answer has verified, and the payload or the reason it failed.",
    properties: {
      credential: {
        anyOf: [{ type: "string", minLength: 1, maxLength: 65_536 }, { type: "object" }],
        description: "The VC-JWT (header.payload.signature), or the credential object",
      },
    },
    required: ["credential"],
    readOnly: true,
    idempotent: true,
    offline: true,
    call: async (_client, input) =>
      await (await import("../sdk/did.ts")).verifyCredentialJwt(
        input.credential as string | JsonObject,
      ),
    summarize: (r) => (r.verified ? "Verified" : `Not verified: ${r.error ?? "no reason given"}`),
  },
  {
    name: "get_2fa_status",
    title: "Two-factor authentication status",
    description: "Whether two-factor authentication is enabled on the account, and its method " +
      "(totp or sms). It never shows codes or secrets.",
    readOnly: true,
    idempotent: true,
    call: async (client, _input, signal) => await client.auth.get2faStatus({ signal }),
    summarize: (r) =>
      `2FA enabled: ${r.is_2fa_enabled ?? "unknown"}, method: ${
        r.preferred_2fa_method ?? "unknown"
      }`,
  },
  {
    name: "delete_agent",
    title: "Delete an agent",
    description: "Permanently delete an agent, master or child, with all its child agents and " +
      "their assets. It cannot be undone.",
    properties: { agent_id: AGENT_ID },
    required: ["agent_id"],
    readOnly: false,
    destructive: true,
    idempotent: true,
    call: async (client, input, signal) => {
      await client.agents.deleteAgent(input.agent_id as string, { signal });
      return { deleted: true, agent_id: input.agent_id };
    },
    summarize: (r) => `Deleted agent ${r.agent_id}`,
  },
  {
    name: "unlink_child_agent",
    title: "Unlink a child agent",
    description: "Remove a child agent from its master agent, with its assets. It cannot be " +
      "undone.",
    properties: { child_id: CHILD_ID },
    required: ["child_id"],
    readOnly: false,
    destructive: true,
    idempotent: true,
    call: async (client, input, signal) => {
      await client.agents.unlinkChildAgent(input.child_id as string, { signal });
      return { unlinked: true, child_id: input.child_id };
    },
    summarize: (r) => `Unlinked child agent ${r.child_id}`,
  },
  {
    name: "delete_email_account",
    title: "Unlink an e-mail account",
    description: "Unlink an e-mail account (id from list_email_accounts) from the user's " +
      "wallet. It cannot be undone.",
    properties: { account_id: id("The e-mail account's id, from list_email_accounts") },
    required: ["account_id"],
    readOnly: false,
    destructive: true,
    idempotent: true,
    call: async (client, input, signal) => {
      await client.wallets.deleteEmailAccount(input.account_id as string, { signal });
      return { deleted: true, account_id: input.account_id };
    },
    summarize: (r) => `Unlinked e-mail account ${r.account_id}`,
  },
];

/**
 * The CirtusAI tools on `client`: name, description, input JSON Schema, annotations and
 * `execute`. The client must be logged in (or be given a `session` that logs it in); the tools
 * that delete or unlink are left out unless `allowDestructive` is set.
 *
 * @example
 * ```ts
 * import { CirtusAIClient } from "@cirtusai/sdk";
 * import { cirtusaiTools } from "@cirtusai/sdk/tools";
 * const client = new CirtusAIClient("http://localhost:8000", { token: "..." });
 * // The shape most frameworks take (the Vercel AI SDK: wrap inputSchema in its jsonSchema()).
 * const tools = Object.fromEntries(cirtusaiTools(client).map((t) => [t.name, {
 *   description: t.description,
 *   parameters: t.inputSchema,
 *   execute: (input: unknown) => t.execute(input),
 * }]));
 * console.log(Object.keys(tools)); // ["list_agents", "get_agent", ...]
 * ```
 */
export function cirtusaiTools(
  client: CirtusAIClient,
  options: CirtusAIToolsOptions = {},
): CirtusAITool[] {
  const session = options.session;
  return TOOLS.filter((def) => options.allowDestructive || !def.destructive).map((def) => {
    const inputSchema: JsonSchema = {
      type: "object",
      properties: def.properties ?? {},
      ...(def.required ? { required: def.required } : {}),
      additionalProperties: false,
    };
    return {
      name: def.name,
      description: def.description,
      inputSchema,
      annotations: {
        title: def.title,
        readOnlyHint: def.readOnly,
        destructiveHint: def.destructive ?? false,
        idempotentHint: def.idempotent,
        openWorldHint: false,
      },
      offline: def.offline ?? false,
      async execute(input, { signal } = {}) {
        const args = input === undefined ? {} : input;
        const error = schemaError(inputSchema, args);
        if (error) {
          throw new InvalidArgumentError(
            "input",
            `invalid input for ${def.name}: ${error}; nothing was sent`,
          );
        }
        const call = () => def.call(client, args as Input, signal);
        return (def.offline || !session ? await call() : await session.run(call)) as JsonObject;
      },
      summarize: def.summarize,
    };
  });
}
