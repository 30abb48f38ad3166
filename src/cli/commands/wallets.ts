import { Command } from "commander";
import { action } from "../action.ts";
import { jsonArgument } from "../io.ts";
import type { EmailAccountInput, JsonObject } from "../../types.ts";

function input(provider: string, address: string, config: string | undefined): EmailAccountInput {
  return {
    provider,
    email_address: address,
    config: config === undefined
      ? {}
      : jsonArgument(config, "CONFIG_JSON", { object: true }) as JsonObject,
  };
}

/** `cirtusai wallets ...` */
export function walletsCommand(): Command {
  const wallets = new Command("wallets").description("assets and linked e-mail accounts");

  wallets.command("list-assets").description("every asset of your agents").action(
    action(async (ctx) => {
      ctx.out.data(await ctx.client.wallets.listAssets());
    }),
  );

  wallets.command("list-email").description("linked e-mail accounts").action(action(async (ctx) => {
    ctx.out.data(await ctx.client.wallets.listEmailAccounts());
  }));

  wallets.command("get-email").description("one linked e-mail account").argument(
    "<account-id>",
    "account id",
  )
    .action(
      action<[string]>(async (ctx, id) =>
        ctx.out.data(await ctx.client.wallets.getEmailAccount(id))
      ),
    );

  wallets.command("create-email").description("link an e-mail account")
    .argument("<provider>", "gmail, outlook, imap...").argument("<email-address>", "the address")
    .argument("[config-json]", "provider configuration as a JSON object (secrets are never echoed)")
    .action(action<[string, string, string | undefined]>(async (ctx, provider, address, config) => {
      ctx.out.data(await ctx.client.wallets.createEmailAccount(input(provider, address, config)));
    }));

  wallets.command("update-email").description("replace a linked e-mail account")
    .argument("<account-id>", "account id").argument("<provider>", "provider")
    .argument("<email-address>", "the address").argument(
      "[config-json]",
      "configuration JSON object",
    )
    .action(
      action<[string, string, string, string | undefined]>(
        async (ctx, id, provider, address, config) => {
          ctx.out.data(
            await ctx.client.wallets.updateEmailAccount(id, input(provider, address, config)),
          );
        },
      ),
    );

  wallets.command("delete-email").description("unlink an e-mail account").argument(
    "<account-id>",
    "account id",
  )
    .action(action<[string]>(async (ctx, id) => {
      await ctx.client.wallets.deleteEmailAccount(id);
      ctx.out.done(`Deleted e-mail account ${id}`);
    }));

  wallets.command("refresh-email-token").description("get a new provider access token")
    .argument("<account-id>", "account id")
    .action(
      action<[string]>(async (ctx, id) =>
        ctx.out.data(await ctx.client.wallets.refreshEmailToken(id))
      ),
    );

  return wallets;
}
