/**
 * What a command runs with: the API URL and profile (and where each came from), the token in use
 * and its source, the SDK client on the credentials file, and the output.
 *
 * @module
 */
import { sys } from "./runtime.ts";
import { CirtusAIClient } from "../sdk/client.ts";
import { defaultSleep } from "../sdk/sleep.ts";
import { CredentialsStore, savedSettings } from "./credentials.ts";
import { inWords } from "./duration.ts";
import { CliUsageError } from "./errors.ts";
import { type Output, output } from "./io.ts";
import { spinner } from "./spinner.ts";

/** The global options. */
export interface GlobalOptions {
  apiUrl?: string;
  token?: string;
  agentId?: string;
  profile?: string;
  json?: boolean;
  debug?: boolean;
  timeout?: string;
}

/** Where a setting came from. */
export type Source = "flag" | "environment" | "profile" | "credentials file" | "default";

/** The token a command uses, and where it came from. */
export interface TokenSource {
  /** "flag" (`--token`), "environment" (`variable` names it), or "profile" (the saved login). */
  kind: "flag" | "environment" | "profile";
  /** The environment variable, for "environment". */
  variable?: string;
}

/** A command's context. */
export interface Context {
  apiUrl: string;
  /** Where the API URL came from. */
  apiUrlSource: Source;
  profile: string;
  /** Where the profile came from ("credentials file": chosen with `cirtusai auth switch`). */
  profileSource: Source;
  out: Output;
  credentials: CredentialsStore;
  client: CirtusAIClient;
  /** The token given with `--token` or the environment (it wins over the profile's). */
  explicitToken?: string;
  /** Where the token in use comes from. */
  tokenSource: TokenSource;
  agentId(given: string | undefined): string;
}

/** The default API URL: the emulator's (`cirtusai emulator`). */
export const DEFAULT_API_URL = "http://localhost:8000";

const TOKEN_VARIABLES = ["CIRTUSAI_TOKEN", "CIRTUSAI_ACCESS_TOKEN"];

/** `--timeout` in seconds, as the client's milliseconds. */
function timeoutMs(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (!(seconds > 0) || !Number.isFinite(seconds)) {
    throw new CliUsageError(`--timeout must be a positive number of seconds (got '${value}')`);
  }
  return seconds * 1000;
}

/** Builds the context from the global options and the environment. */
export async function createContext(options: GlobalOptions): Promise<Context> {
  const timeout = timeoutMs(options.timeout);
  const fromEnvProfile = sys.env("CIRTUSAI_PROFILE");
  const fromEnv = sys.env("CIRTUSAI_API_URL");
  const settings = await savedSettings();
  const [profile, profileSource]: [string, Source] = options.profile
    ? [options.profile, "flag"]
    : fromEnvProfile
    ? [fromEnvProfile, "environment"]
    : settings.current_profile
    ? [settings.current_profile, "credentials file"]
    : ["default", "default"];
  const remembered = options.apiUrl || fromEnv ? undefined : settings.api_urls?.[profile];
  const [raw, apiUrlSource]: [string, Source] = options.apiUrl
    ? [options.apiUrl, "flag"]
    : fromEnv
    ? [fromEnv, "environment"]
    : remembered
    ? [remembered, "profile"]
    : [DEFAULT_API_URL, "default"];
  const apiUrl = raw.replace(/\/+$/, "");
  const variable = TOKEN_VARIABLES.find((name) => sys.env(name));
  const token = options.token ?? (variable ? sys.env(variable) : undefined);
  const tokenSource: TokenSource = options.token
    ? { kind: "flag" }
    : variable
    ? { kind: "environment", variable }
    : { kind: "profile" };
  const out = output(options.json ?? false);
  const credentials = new CredentialsStore({
    profile,
    apiUrl,
    onLockWait: (holder) =>
      spinner.start(
        `waiting for another cirtusai command${holder.pid ? ` (process ${holder.pid})` : ""}`,
      ),
  });
  let client: CirtusAIClient;
  try {
    client = new CirtusAIClient(apiUrl, {
      ...(token ? { token } : {}),
      ...(timeout ? { timeout } : {}),
      tokenStore: credentials,
      // Every request shows the spinner while it waits for an answer.
      fetch: (input, init) => {
        const url = new URL(input instanceof Request ? input.url : String(input));
        return spinner.while(
          `${init?.method ?? "GET"} ${url.pathname}`,
          () => globalThis.fetch(input, init),
        );
      },
      sleep: (ms, signal) =>
        spinner.while(
          `retrying in ${inWords(ms / 1000, { up: true })}`,
          () => defaultSleep(ms, signal),
        ),
    });
  } catch (err) {
    const flag = /timeout/i.test((err as Error).message) ? "--timeout" : "--api-url";
    throw new CliUsageError(`${flag}: ${(err as Error).message}`);
  }
  return {
    apiUrl,
    apiUrlSource,
    profile,
    profileSource,
    out,
    credentials,
    client,
    explicitToken: token,
    tokenSource,
    agentId(given) {
      const id = given ?? options.agentId ?? sys.env("CIRTUSAI_AGENT_ID");
      if (!id) {
        throw new CliUsageError(
          "no child agent id: pass one, or set --agent-id or CIRTUSAI_AGENT_ID",
        );
      }
      return id;
    },
  };
}
