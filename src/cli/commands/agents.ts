import { action } from "../action.ts";
import { sys } from "../runtime.ts";
import type { CommandSpec } from "../command.ts";
import type { Context } from "../context.ts";
import { CliUsageError } from "../errors.ts";
import { type Column, confirm, interactive, jsonArgument } from "../io.ts";
import type { Agent, ChildAgent, JsonObject } from "../../sdk/types.ts";
import { SUPPORTED_CHAINS } from "../../sdk/chains.ts";

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
/** What deleting an agent takes with it: counted before anything is deleted. */
interface Doomed {
  /** "the master agent NAME (ID)" or "agent NAME (ID)". */
  name: string;
  master: boolean;
  /** "3 child agents and 2 assets", or "" when nothing else goes. */
  with: string;
}

function count(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** Finds the agent (by id or DID) and counts its subtree and the assets that go with it. */
async function doomed(ctx: Context, id: string): Promise<Doomed | null> {
  const [masters, children, { assets }] = await Promise.all([
    ctx.client.agents.listAgents(),
    ctx.client.agents.getChildren(),
    ctx.client.wallets.listAssets(),
  ]);
  const agent = [...masters, ...children].find((a) => a.id === id || a.did === id);
  if (!agent) return null; // the server's answer to the delete says why
  const subtree = new Set([agent.id]);
  for (let grew = true; grew;) {
    grew = false;
    for (const c of children) {
      if (c.parent_id && subtree.has(c.parent_id) && !subtree.has(c.id)) {
        subtree.add(c.id);
        grew = true;
      }
    }
  }
  const owned =
    (assets ?? []).filter((a) =>
      typeof a !== "string" && a.agent_id != null && subtree.has(a.agent_id)
    ).length;
  const master = masters.some((m) => m.id === agent.id);
  const parts = [
    ...(subtree.size > 1 ? [count(subtree.size - 1, "child agent", "child agents")] : []),
    ...(owned ? [count(owned, "asset", "assets")] : []),
  ];
  const label = agent.name ? `${agent.name} (${agent.id})` : agent.id;
  return {
    name: `${master ? "the master agent" : "agent"} ${label}`,
    master,
    with: parts.join(" and "),
  };
}

/**
 * Deletes an agent after saying what goes with it. A master agent (nothing recreates it) needs
 * a yes at a terminal, or `--yes`; at a terminal, so does an agent that takes others with it.
 */
async function deleteWithCare(
  ctx: Context,
  id: string,
  options: { yes: boolean; verb: "delete" | "unlink"; remove: () => Promise<void> },
): Promise<void> {
  const { yes, verb, remove } = options;
  const [Verb, done] = verb === "delete" ? ["Delete", "Deleted"] : ["Unlink", "Unlinked"];
  const target = await doomed(ctx, id);
  if (!target) return await remove();
  const what = `${target.name}${target.with ? `, with its ${target.with}` : ""}`;
  if (!yes && (target.master || (target.with && interactive()))) {
    const consequence = target.master
      ? " Nothing recreates a master agent: without it, the account cannot issue credentials."
      : "";
    if (!interactive()) {
      throw new CliUsageError(
        `refusing to ${verb} ${what} without --yes.${consequence} Add --yes to ${verb} it.`,
      );
    }
    ctx.out.note(`This ${verb}s ${what}.${consequence}`);
    if (!(await confirm(`${Verb} it?`))) {
      ctx.out.note(`Nothing was ${done.toLowerCase()}.`);
      sys.exitCode = 1;
      return;
    }
  }
  await remove();
  ctx.out.done(`${done} ${what}`);
}

const YES = {
  flags: "--yes",
  help: "delete without asking (a master agent needs it off a terminal)",
};

const CHILD_ID: [string, string] = [
  "[child-id]",
  "child agent id (default: --agent-id or CIRTUSAI_AGENT_ID)",
];

/** `cirtusai agents ...` */
export const agentsCommand: CommandSpec = {
  name: "agents",
  help: "master agents, child agents and their assets",
  examples: [
    ["your master agent", "cirtusai agents list"],
    ["a child agent under it", "cirtusai agents create-child MASTER_ID scout"],
    ["the ids alone, for a script", "cirtusai agents children --json | jq -r '.[].id'"],
  ],
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
      help: "delete an agent, with its child agents and their assets (says how many first)",
      args: [["<agent-id>", "id or DID"]],
      options: [YES],
      examples: [
        [
          "asks first when others go with it, or when it is the master agent",
          "cirtusai agents delete AGENT_ID",
        ],
        ["in a script", "cirtusai agents delete AGENT_ID --yes"],
      ],
      run: action(async (ctx, [id], opts) => {
        await deleteWithCare(ctx, id!, {
          yes: Boolean(opts.yes),
          verb: "delete",
          remove: () => ctx.client.agents.deleteAgent(id!),
        });
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
      help: "unlink (remove) a child agent, with its own child agents and their assets",
      args: [["<child-id>", "child agent id"]],
      options: [YES],
      run: action(async (ctx, [id], opts) => {
        await deleteWithCare(ctx, id!, {
          yes: Boolean(opts.yes),
          verb: "unlink",
          remove: () => ctx.client.agents.unlinkChildAgent(id!),
        });
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
        choices: [...SUPPORTED_CHAINS],
        default: "ethereum",
      }],
      run: action(async (ctx, [id], opts) => {
        ctx.out.data(await ctx.client.agents.provisionWallet(ctx.agentId(id), String(opts.chain)));
      }),
    },
  ],
};
