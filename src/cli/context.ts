/**
 * What a command runs with: the API URL and profile, the SDK client on the credentials file, and
 * the output.
 *
 * @module
 */
import { sys } from "./runtime.ts";
import { CirtusAIClient } from "../sdk/client.ts";
import { defaultSleep } from "../sdk/sleep.ts";
import { CredentialsStore, profileApiUrl } from "./credentials.ts";
import { CliUsageError } from "./errors.ts";
import { type Output, output } from "./io.ts";

/** The global options. */
export interface GlobalOptions {
  apiUrl?: string;
  token?: string;
  agentId?: string;
  profile?: string;
  json?: boolean;
  debug?: boolean;
}

/** A command's context. */
export interface Context {
  apiUrl: string;
  /** Where the API URL came from: "flag", "environment", "profile" or "default". */
  apiUrlSource: string;
  profile: string;
  out: Output;
  credentials: CredentialsStore;
  client: CirtusAIClient;
  explicitToken: boolean;
  agentId(given: string | undefined): string;
}

/** The default API URL: the emulator's (`cirtusai emulator`). */
export const DEFAULT_API_URL = "http://localhost:8000";

/** Builds the context from the global options and the environment. */
export async function createContext(options: GlobalOptions): Promise<Context> {
  const profile = options.profile ?? sys.env("CIRTUSAI_PROFILE") ?? "default";
  const fromEnv = sys.env("CIRTUSAI_API_URL");
  const remembered = options.apiUrl || fromEnv ? undefined : await profileApiUrl(profile);
  const [raw, apiUrlSource] = options.apiUrl
    ? [options.apiUrl, "flag"]
    : fromEnv
    ? [fromEnv, "environment"]
    : remembered
    ? [remembered, "profile"]
    : [DEFAULT_API_URL, "default"];
  const apiUrl = raw.replace(/\/+$/, "");
  const token = options.token ?? sys.env("CIRTUSAI_TOKEN") ??
    sys.env("CIRTUSAI_ACCESS_TOKEN");
  const out = output(options.json ?? false);
  const credentials = new CredentialsStore({ profile, apiUrl });
  let client: CirtusAIClient;
  try {
    client = new CirtusAIClient(apiUrl, {
      ...(token ? { token } : {}),
      tokenStore: credentials,
      sleep: (ms, signal) => {
        out.progress(`retrying in ${(ms / 1000).toFixed(1)} s...`);
        return defaultSleep(ms, signal);
      },
    });
  } catch (err) {
    throw new CliUsageError(`--api-url: ${(err as Error).message}`);
  }
  return {
    apiUrl,
    apiUrlSource,
    profile,
    out,
    credentials,
    client,
    explicitToken: Boolean(token),
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
