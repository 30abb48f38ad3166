import { action } from "../action.ts";
import { sys } from "../runtime.ts";
import type { CommandSpec } from "../command.ts";
import type { Context } from "../context.ts";
import type { SavedLogin } from "../credentials.ts";
import { inWords } from "../duration.ts";
import { CliError, CliUsageError } from "../errors.ts";
import { APIError } from "../../sdk/errors.ts";
import { clean } from "../text.ts";

/** Where the token in use comes from, in words. */
function tokenFrom(ctx: Context): string {
  const { kind, variable } = ctx.tokenSource;
  if (kind === "flag") return "--token";
  if (kind === "environment") return variable!;
  return `profile ${ctx.profile}'s saved login`;
}

/** What the server said of a token it refused, in one line (its detail, not a status dump). */
function refusal(err: unknown): string {
  if (err instanceof APIError) {
    return typeof err.detail === "string" ? err.detail : `status ${err.status}`;
  }
  return (err as Error).message;
}

/** When a saved access token expires, in words. */
function expiry(saved: SavedLogin): string | undefined {
  if (saved.expires_at === undefined) return undefined;
  const seconds = (saved.expires_at - Date.now()) / 1000;
  if (seconds > 0) return `expires in ${inWords(seconds)}`;
  return saved.refresh_token ? "expired; refreshed on the next command" : "expired";
}

/** Asks the server whether the token in use works: null if it does, else why not. */
async function serverVerdict(ctx: Context): Promise<string | null> {
  try {
    await ctx.client.auth.get2faStatus();
    return null;
  } catch (err) {
    if (err instanceof APIError && err.status === 401) return refusal(err);
    throw err; // not a verdict on the token: no server, a timeout
  }
}

/** The active login as whoami and auth status report it. */
async function activeLogin(ctx: Context, ask: boolean) {
  const explicit = ctx.tokenSource.kind !== "profile";
  const saved = explicit ? null : await ctx.credentials.get();
  // A token from a flag or the environment is not the profile's: only the server can judge it.
  const refused = explicit || (ask && saved) ? await serverVerdict(ctx) : undefined;
  const loggedIn = explicit ? refused === null : Boolean(saved) && !refused;
  const info: Record<string, unknown> = {
    profile: ctx.profile,
    profile_from: ctx.profileSource,
    api_url: ctx.apiUrl,
    api_url_from: ctx.apiUrlSource,
    token_source: ctx.tokenSource.kind,
    ...(ctx.tokenSource.variable ? { token_variable: ctx.tokenSource.variable } : {}),
    credentials_file: explicit ? null : ctx.credentials.path,
    username: saved?.username ?? null,
    logged_in: loggedIn,
    access_token_expires_at: saved?.expires_at === undefined
      ? null
      : new Date(saved.expires_at).toISOString(),
    has_refresh_token: Boolean(saved?.refresh_token),
    ...(refused === undefined ? {} : { token_valid: refused === null }),
    ...(refused ? { error: refused } : {}),
  };
  return { explicit, saved, refused, loggedIn, info };
}

/** The one-line verdict of whoami --check. */
function verdict(ctx: Context, login: Awaited<ReturnType<typeof activeLogin>>): string {
  const at = `at ${ctx.apiUrl} (profile ${ctx.profile})`;
  if (login.explicit) {
    return login.refused
      ? `The server at ${ctx.apiUrl} refused the token from ${tokenFrom(ctx)}: ${login.refused}`
      : `The token from ${
        tokenFrom(ctx)
      } works at ${ctx.apiUrl} (the API does not say whose it is)`;
  }
  if (!login.saved) return `Not logged in ${at}: run cirtusai login`;
  if (login.refused) {
    return `The server refused the saved login ${at}: ${login.refused}; log in again: cirtusai login`;
  }
  const name = login.saved.username ? ` as ${login.saved.username}` : "";
  return `Logged in${name} ${at}; the server accepts the token`;
}

const whoami: CommandSpec = {
  name: "whoami",
  help: "which account, token and API URL commands use, and where each comes from; exit 1 " +
    "when not logged in",
  options: [{ flags: "--check", help: "ask the server too, and say so in one line" }],
  examples: [
    ["what the saved login is", "cirtusai whoami"],
    [
      "in a script: does the token still work?",
      "cirtusai whoami --check >/dev/null || cirtusai login",
    ],
  ],
  run: action(async (ctx, _args, opts) => {
    const check = Boolean(opts.check);
    const login = await activeLogin(ctx, check);
    if (!login.loggedIn) sys.exitCode = 1;
    if (ctx.out.json) return ctx.out.data(login.info);
    const { saved } = login;
    ctx.out.text(
      check || login.explicit || !saved
        ? verdict(ctx, login)
        : `Logged in${saved.username ? ` as ${saved.username}` : ""} at ${ctx.apiUrl} ` +
          `(profile ${ctx.profile})`,
    );
    if (check) return;
    const token = login.explicit
      ? `from ${tokenFrom(ctx)}, not the profile's saved login`
      : saved
      ? `saved in ${ctx.credentials.path}, ${expiry(saved) ?? "no expiry known"}`
      : "none";
    ctx.out.text(`Token: ${token}`);
    const variable = ctx.apiUrlSource === "environment" ? " (CIRTUSAI_API_URL)" : "";
    ctx.out.text(`API URL from: ${ctx.apiUrlSource}${variable}`);
    ctx.out.text(`Profile from: ${ctx.profileSource}`);
  }),
};

const status: CommandSpec = {
  name: "status",
  help: "every saved login (profile, account, API URL, expiry), and whether the server accepts " +
    "the active one",
  run: action(async (ctx) => {
    const login = await activeLogin(ctx, true);
    if (!login.loggedIn) sys.exitCode = 1;
    const { savedLogins, urlKey } = await import("../credentials.ts");
    const active = urlKey(ctx.apiUrl);
    const logins = (await savedLogins({ path: ctx.credentials.path })).map((l) => ({
      profile: l.profile,
      api_url: l.url,
      username: l.login.username ?? null,
      access_token_expires_at: l.login.expires_at === undefined
        ? null
        : new Date(l.login.expires_at).toISOString(),
      has_refresh_token: Boolean(l.login.refresh_token),
      active: l.profile === ctx.profile && l.url === active,
      saved: l.login,
    }));
    if (ctx.out.machine) {
      return ctx.out.data({
        credentials_file: ctx.credentials.path,
        active: login.info,
        logins: logins.map(({ saved: _, ...rest }) => rest),
      });
    }
    ctx.out.text(
      logins.length
        ? `Saved logins (${ctx.credentials.path}):`
        : `No saved logins (${ctx.credentials.path})`,
    );
    for (const l of logins) {
      ctx.out.text(
        `${l.active ? "*" : " "} ${l.profile}: ${
          l.username ?? "(account not known)"
        } at ${l.api_url}, ${expiry(l.saved) ?? "no expiry known"}${l.active ? " (active)" : ""}`,
      );
    }
    ctx.out.text(verdict(ctx, login));
  }),
};

const switchProfile: CommandSpec = {
  name: "switch",
  help: "make a profile the one commands use (--profile and CIRTUSAI_PROFILE still choose another)",
  args: [["<profile>", "a profile with a saved login (cirtusai auth status lists them)"]],
  examples: [["use the work account from now on", "cirtusai auth switch work"]],
  run: action(async (ctx, [profile]) => {
    const { savedLogins, updateCredentials } = await import("../credentials.ts");
    const logins = (await savedLogins({ path: ctx.credentials.path })).filter((l) =>
      l.profile === profile
    );
    if (!logins.length) {
      throw new CliUsageError(
        `profile '${profile}' has no saved login; log in to it first: cirtusai login --profile ${profile}`,
      );
    }
    await updateCredentials((data) => {
      data.current_profile = profile;
    }, { path: ctx.credentials.path });
    const who = logins.map((l) => `${l.login.username ?? "an account"} at ${l.url}`).join(", ");
    ctx.out.done(`Commands now use profile ${profile} (${who})`);
    if (sys.env("CIRTUSAI_PROFILE")) {
      ctx.out.warn(`CIRTUSAI_PROFILE is set (${sys.env("CIRTUSAI_PROFILE")}) and still wins`);
    }
  }),
};

/** Refresh a saved token that expires within this, before printing it. */
const TOKEN_MARGIN_MS = 60_000;

const token: CommandSpec = {
  name: "token",
  help: "print the access token, for a script (refreshed first when it is about to expire)",
  epilog: "As gh auth token does, it prints the token wherever standard output goes, a terminal " +
    "included: it is asked for by name.",
  examples: [[
    "call the API with curl",
    'curl -H "Authorization: Bearer $(cirtusai auth token)" http://localhost:8000/agents',
  ]],
  run: action(async (ctx) => {
    let value = ctx.explicitToken;
    if (value === undefined) {
      const saved = await ctx.credentials.get();
      if (!saved) {
        throw new CliError(
          `not logged in at ${ctx.apiUrl} (profile ${ctx.profile}); log in: cirtusai login`,
        );
      }
      value = saved.access_token;
      if (
        saved.refresh_token && saved.expires_at !== undefined &&
        saved.expires_at - Date.now() < TOKEN_MARGIN_MS
      ) {
        await ctx.client.auth.refresh();
        value = ctx.client.token ?? value;
      }
    }
    if (ctx.out.json) return ctx.out.data({ access_token: value });
    // Byte for byte into a pipe; at a terminal, a server's token cannot act on it either.
    console.log(sys.stdout.isTerminal() ? clean(value) : value);
  }),
};

/** `whoami`, `status`, `switch` and `token`, under `cirtusai auth`. */
export const sessionCommands: CommandSpec[] = [whoami, status, switchProfile, token];
