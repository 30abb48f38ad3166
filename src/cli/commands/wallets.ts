import { action } from "../action.ts";
import type { CommandSpec } from "../command.ts";
import { jsonArgument } from "../io.ts";
import type { Asset, EmailAccount, EmailAccountInput, JsonObject } from "../../sdk/types.ts";

function input(provider: string, address: string, config: string | undefined): EmailAccountInput {
  return {
    provider,
    email_address: address,
    config: config === undefined
      ? {}
      : jsonArgument(config, "CONFIG_JSON", { object: true }) as JsonObject,
  };
}

const ACCOUNT: [string, string] = ["<account-id>", "account id"];

/** An asset's one-line summary: its address, or chain and address. */
function where(asset: Asset | string): string {
  if (typeof asset === "string") return asset;
  const d = asset.details ?? {};
  return String(d.email_address ?? (d.chain ? `${d.chain} ${d.address}` : JSON.stringify(d)));
}

/** `cirtusai wallets ...` */
export const walletsCommand: CommandSpec = {
  name: "wallets",
  help: "assets and linked e-mail accounts",
  commands: [
    {
      name: "list-assets",
      help: "every asset of your agents",
      run: action(async (ctx) => {
        const list = await ctx.client.wallets.listAssets();
        if (ctx.out.json) return ctx.out.data(list);
        ctx.out.list(list.assets ?? [], [
          ["id", (a) => (typeof a === "string" ? a : a.id)],
          ["type", (a) => (typeof a === "string" ? null : a.type)],
          ["agent", (a) => (typeof a === "string" ? null : a.agent_id)],
          ["address", where],
        ]);
      }),
    },
    {
      name: "list-email",
      help: "linked e-mail accounts",
      run: action(async (ctx) => {
        ctx.out.list<EmailAccount>(await ctx.client.wallets.listEmailAccounts(), [
          ["id", (a) => a.id],
          ["provider", (a) => a.provider],
          ["address", (a) => a.email_address],
        ]);
      }),
    },
    {
      name: "get-email",
      help: "one linked e-mail account",
      args: [ACCOUNT],
      run: action(async (ctx, [id]) => ctx.out.data(await ctx.client.wallets.getEmailAccount(id!))),
    },
    {
      name: "create-email",
      help: "link an e-mail account",
      args: [
        ["<provider>", "gmail, outlook, imap..."],
        ["<email-address>", "the address"],
        ["[config-json]", "provider configuration as a JSON object (secrets are never echoed)"],
      ],
      run: action(async (ctx, [provider, address, config]) => {
        ctx.out.data(
          await ctx.client.wallets.createEmailAccount(input(provider!, address!, config)),
        );
      }),
    },
    {
      name: "update-email",
      help: "replace a linked e-mail account",
      args: [
        ACCOUNT,
        ["<provider>", "provider"],
        ["<email-address>", "the address"],
        ["[config-json]", "configuration JSON object"],
      ],
      run: action(async (ctx, [id, provider, address, config]) => {
        ctx.out.data(
          await ctx.client.wallets.updateEmailAccount(id!, input(provider!, address!, config)),
        );
      }),
    },
    {
      name: "delete-email",
      help: "unlink an e-mail account",
      args: [ACCOUNT],
      run: action(async (ctx, [id]) => {
        await ctx.client.wallets.deleteEmailAccount(id!);
        ctx.out.done(`Deleted e-mail account ${id}`);
      }),
    },
    {
      name: "refresh-email-token",
      help: "get a new provider access token",
      args: [ACCOUNT],
      run: action(async (ctx, [id]) =>
        ctx.out.data(await ctx.client.wallets.refreshEmailToken(id!))
      ),
    },
  ],
};
