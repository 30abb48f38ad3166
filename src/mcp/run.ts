/**
 * What `cirtusai mcp` does once it runs: the session the tools act with (a service login from the
 * environment, a token, or the CLI's stored session), then the MCP server on stdio. Loaded only by
 * that command, so that the other commands start without the SDK client or the MCP SDK.
 *
 * @module
 */
import type { Parsed } from "../cli/command.ts";
import { type Context, createContext, type GlobalOptions } from "../cli/context.ts";
import { CliUsageError } from "../cli/errors.ts";
import { nextStep } from "../cli/next_step.ts";
import { sys } from "../cli/runtime.ts";
import { CirtusAIClient } from "../sdk/client.ts";
import { MemoryTokenStore } from "../sdk/token_store.ts";
import { Totp } from "../sdk/totp.ts";
import type { ToolSession } from "../tools/tools.ts";
import type { ServiceCredentials } from "./service_login.ts";

const SERVICE_ENV = ["CIRTUSAI_USERNAME", "CIRTUSAI_PASSWORD", "CIRTUSAI_TOTP_SECRET"] as const;

/** The service login of the environment: all three variables, or none. */
async function serviceCredentials(): Promise<ServiceCredentials | null> {
  const [username, password, totpSecret] = SERVICE_ENV.map((name) => sys.env(name));
  if (!username && !password && !totpSecret) return null;
  if (!username || !password || !totpSecret) {
    const missing = SERVICE_ENV.filter((name) => !sys.env(name));
    throw new CliUsageError(
      `a service login needs ${SERVICE_ENV.join(", ")}: ${missing.join(" and ")} ` +
        `${missing.length === 1 ? "is" : "are"} not set (2FA is mandatory, so the TOTP ` +
        "secret too); unset them all to use the CLI's stored session",
    );
  }
  // Checked now, so that a typo is a start-up error (the parser's message would quote it).
  await Totp.fromSecret(totpSecret).catch(() => {
    throw new CliUsageError("CIRTUSAI_TOTP_SECRET is not a valid base32 TOTP secret");
  });
  return { username, password, totpSecret };
}

/** The client the tools act with, the session around their calls, and who that is. */
async function sessionOf(
  ctx: Context,
  service: ServiceCredentials | null,
): Promise<{ client: CirtusAIClient; session?: ToolSession; who: string; stored: boolean }> {
  if (service) {
    // In memory only: the person's stored session for the profile stays as it is.
    const client = new CirtusAIClient(ctx.apiUrl, { tokenStore: new MemoryTokenStore() });
    const { ServiceLogin } = await import("./service_login.ts");
    return {
      client,
      session: new ServiceLogin(client, service),
      who: `as ${service.username} (a service login from the environment)`,
      stored: false,
    };
  }
  if (ctx.explicitToken) {
    return {
      client: ctx.client,
      who: "with the token of --token or CIRTUSAI_TOKEN",
      stored: false,
    };
  }
  const { StoredSession } = await import("./stored_session.ts");
  const saved = await ctx.credentials.get();
  if (!saved) {
    console.error(
      `cirtusai mcp: no saved session for profile ${ctx.profile} at ${ctx.apiUrl}; the tools ` +
        "fail until you log in (cirtusai login)",
    );
  }
  return {
    client: ctx.client,
    session: new StoredSession(ctx.client),
    who: `as ${saved?.username ?? "the account"} (the CLI's session of profile ${ctx.profile})`,
    stored: true,
  };
}

/** Runs `cirtusai mcp` until its client closes stdin. */
export async function runMcp({ opts, globals }: Parsed): Promise<void> {
  const service = await serviceCredentials();
  const ctx = await createContext(globals as GlobalOptions);
  if (service && ctx.explicitToken) {
    throw new CliUsageError(
      "both a token (--token, CIRTUSAI_TOKEN) and a service login (CIRTUSAI_USERNAME) are " +
        "given: choose one",
    );
  }
  // The MCP SDK is loaded here only, so that the other commands start as fast as before.
  const [{ serveMcpStdio }, { cirtusaiTools }] = await Promise.all([
    import("./server.ts"),
    import("../tools/tools.ts"),
  ]);
  const { client, session, who, stored } = await sessionOf(ctx, service);
  const allowDestructive = Boolean(opts.allowDestructive);
  const tools = cirtusaiTools(client, { allowDestructive: true, session });
  const offered = tools.filter((t) => allowDestructive || !t.annotations.destructiveHint);
  console.error(`cirtusai mcp: ${offered.length} tools for ${ctx.apiUrl}, ${who}`);
  try {
    await serveMcpStdio({
      tools,
      allowDestructive,
      instructions: `CirtusAI at ${ctx.apiUrl}, ${who}. Start with list_agents and ` +
        "list_child_agents: the other tools take their ids.",
      log: (line) => console.error(`cirtusai mcp: ${line}`),
      secrets: () => [service?.password, service?.totpSecret, client.token, client.refreshToken],
      hint: (err) =>
        nextStep(err, {
          apiUrl: ctx.apiUrl,
          login: stored ? "terminal" : null,
          profile: ctx.profile,
        }),
    });
  } finally {
    client.close();
  }
}
