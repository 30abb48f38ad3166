import { Command } from "commander";
import { action } from "../action.ts";
import { jsonArgument } from "../io.ts";
import type { JsonObject } from "../../types.ts";

/** `cirtusai agents ...` */
export function agentsCommand(): Command {
  const agents = new Command("agents").description("master agents, child agents and their assets");

  agents.command("list").description("your master agents").action(action(async (ctx) => {
    ctx.out.data(await ctx.client.agents.listAgents());
  }));

  agents.command("get").description("one agent by id or DID").argument("<agent-id>", "id or DID")
    .action(
      action<[string]>(async (ctx, id) => ctx.out.data(await ctx.client.agents.getAgent(id))),
    );

  agents.command("children").description("your child agents").action(action(async (ctx) => {
    ctx.out.data(await ctx.client.agents.getChildren());
  }));

  agents.command("create-child").description("create a child agent")
    .argument("<parent-id>", "parent agent id").argument("<name>", "child's name")
    .action(action<[string, string]>(async (ctx, parent, name) => {
      ctx.out.data(await ctx.client.agents.createChildAgent(parent, name));
    }));

  agents.command("delete").description("delete an agent (and its children)").argument(
    "<agent-id>",
    "id or DID",
  )
    .action(action<[string]>(async (ctx, id) => {
      await ctx.client.agents.deleteAgent(id);
      ctx.out.done(`Deleted agent ${id}`);
    }));

  agents.command("update-permissions").description("replace a child's permissions")
    .argument("<child-id>", "child agent id").argument(
      "<permissions-json>",
      `e.g. '{"send_email": true}'`,
    )
    .action(action<[string, string]>(async (ctx, id, permissions) => {
      const value = jsonArgument(permissions, "PERMISSIONS_JSON", { object: true }) as JsonObject;
      ctx.out.data(await ctx.client.agents.updateChildPermissions(id, value));
    }));

  agents.command("unlink").description("unlink (remove) a child agent").argument(
    "<child-id>",
    "child agent id",
  )
    .action(action<[string]>(async (ctx, id) => {
      await ctx.client.agents.unlinkChildAgent(id);
      ctx.out.done(`Unlinked child agent ${id}`);
    }));

  agents.command("provision-email").description("give a child agent an e-mail address")
    .argument("[child-id]", "child agent id (default: --agent-id or CIRTUSAI_AGENT_ID)")
    .action(action<[string | undefined]>(async (ctx, id) => {
      ctx.out.data(await ctx.client.agents.provisionEmail(ctx.agentId(id)));
    }));

  agents.command("provision-wallet").description("give a child agent a wallet")
    .argument("[child-id]", "child agent id (default: --agent-id or CIRTUSAI_AGENT_ID)")
    .option("--chain <chain>", "ethereum, polygon, arbitrum, base or solana", "ethereum")
    .action(action<[string | undefined]>(async (ctx, id, opts) => {
      ctx.out.data(await ctx.client.agents.provisionWallet(ctx.agentId(id), String(opts.chain)));
    }));

  return agents;
}
