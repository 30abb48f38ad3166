/**
 * What every command gets: the global options, the client (with tokens from flags, environment
 * or the credentials file) and the output.
 *
 * @module
 */
import { CirtusAIClient } from "../client.ts";
import { defaultSleep } from "../http.ts";
import { CredentialsStore } from "./credentials.ts";
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

/** Built once per invocation. */
export interface Context {
  apiUrl: string;
  profile: string;
  out: Output;
  credentials: CredentialsStore;
  client: CirtusAIClient;
  /** A token given by flag or environment (then the credentials file is not used for it). */
  explicitToken: boolean;
  agentId(given: string | undefined): string;
}

/** Builds the context from the global options and the environment. */
export function createContext(options: GlobalOptions): Context {
  const apiUrl = (options.apiUrl ?? Deno.env.get("CIRTUSAI_API_URL") ?? "http://localhost:8000")
    .replace(/\/+$/, "");
  const profile = options.profile ?? Deno.env.get("CIRTUSAI_PROFILE") ?? "default";
  const token = options.token ?? Deno.env.get("CIRTUSAI_TOKEN") ??
    Deno.env.get("CIRTUSAI_ACCESS_TOKEN");
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
    profile,
    out,
    credentials,
    client,
    explicitToken: Boolean(token),
    agentId(given) {
      const id = given ?? options.agentId ?? Deno.env.get("CIRTUSAI_AGENT_ID");
      if (!id) {
        throw new CliUsageError(
          "no child agent id: pass one, or set --agent-id or CIRTUSAI_AGENT_ID",
        );
      }
      return id;
    },
  };
}
