import { action } from "../action.ts";
import type { CommandSpec } from "../command.ts";
import { type Column, jsonArgument } from "../io.ts";
import type { Agent, ChildAgent, JsonObject } from "../../sdk/types.ts";

const AGENT_COLUMNS: Column<Agent>[] = [["id", (a) => a.id], ["name", (a) => a.name], [
  "did",
  (a) => a.did,
]];
const CHILD_COLUMNS: Column<ChildAgent>[] = [
  ["id", (a) => a.id],
  ["name", (a) => a.name],
  ["parent", (a) => a.parent_id],
  ["permissions", (a) => a.permissions],
  ["did", (a) => a.did],
];
const CHILD_ID: [string, string] = [
  "[child-id]",
  "child agent id (default: --agent-id or CIRTUSAI_AGENT_ID)",
];

/** `cirtusai agents ...` */
export const agentsCommand: CommandSpec = {
  name: "agents",
  help: "master agents, child agents and their assets",
  commands: [
    {
      name: "list",
      help: "your master agents",
      run: action(async (ctx) => {
        ctx.out.list(await ctx.client.agents.listAgents(), AGENT_COLUMNS);
      }),
    },
    {
      name: "get",
      help: "one agent by id or DID",
      args: [["<agent-id>", "id or DID"]],
      run: action(async (ctx, [id]) => ctx.out.data(await ctx.client.agents.getAgent(id!))),
    },
    {
      name: "children",
      help: "your child agents",
      run: action(async (ctx) => {
        ctx.out.list(await ctx.client.agents.getChildren(), CHILD_COLUMNS);
      }),
    },
    {
      name: "create-child",
      help: "create a child agent",
      args: [["<parent-id>", "parent agent id"], ["<name>", "child's name"]],
      run: action(async (ctx, [parent, name]) => {
        ctx.out.data(await ctx.client.agents.createChildAgent(parent!, name!));
      }),
    },
    {
      name: "delete",
      help: "delete an agent (and its children)",
      args: [["<agent-id>", "id or DID"]],
      run: action(async (ctx, [id]) => {
        await ctx.client.agents.deleteAgent(id!);
        ctx.out.done(`Deleted agent ${id}`);
      }),
    },
    {
      name: "update-permissions",
      help: "replace a child's permissions",
      args: [["<child-id>", "child agent id"], [
        "<permissions-json>",
        `e.g. '{"send_email": true}'`,
      ]],
      run: action(async (ctx, [id, permissions]) => {
        const value = jsonArgument(permissions!, "PERMISSIONS_JSON", {
          object: true,
        }) as JsonObject;
        ctx.out.data(await ctx.client.agents.updateChildPermissions(id!, value));
      }),
    },
    {
      name: "unlink",
      help: "unlink (remove) a child agent",
      args: [["<child-id>", "child agent id"]],
      run: action(async (ctx, [id]) => {
        await ctx.client.agents.unlinkChildAgent(id!);
        ctx.out.done(`Unlinked child agent ${id}`);
      }),
    },
    {
      name: "provision-email",
      help: "give a child agent an e-mail address",
      args: [CHILD_ID],
      run: action(async (ctx, [id]) => {
        ctx.out.data(await ctx.client.agents.provisionEmail(ctx.agentId(id)));
      }),
    },
    {
      name: "provision-wallet",
      help: "give a child agent a wallet",
      args: [CHILD_ID],
      options: [{
        flags: "--chain <chain>",
        help: "the chain",
        choices: ["ethereum", "polygon", "arbitrum", "base", "solana"],
        default: "ethereum",
      }],
      run: action(async (ctx, [id], opts) => {
        ctx.out.data(await ctx.client.agents.provisionWallet(ctx.agentId(id), String(opts.chain)));
      }),
    },
  ],
};
