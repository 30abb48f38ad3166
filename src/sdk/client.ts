import { InvalidArgumentError } from "./errors.ts";
import { defaultSleep, HttpClient } from "./http.ts";
import { AgentsResource } from "./resources/agents.ts";
import { AuthResource } from "./resources/auth.ts";
import { IdentityResource } from "./resources/identity.ts";
import { WalletsResource } from "./resources/wallets.ts";
import { MemoryTokenStore, type StoredTokens, type TokenStore } from "./token_store.ts";

/** Options of {@linkcode CirtusAIClient}. */
export interface ClientOptions {
  /** An access token to start with (else the token store is read). */
  token?: string;
  /** A refresh token to start with. */
  refreshToken?: string;
  /** The fetch to use; default `globalThis.fetch`. Pass an app's `fetch` to call it in-process. */
  fetch?: (input: Request | URL | string, init?: RequestInit) => Promise<Response>;
  /** Milliseconds per attempt; default 30 000. `Infinity` turns the timeout off. */
  timeout?: number;
  /** Retries after the first attempt; default 2. */
  maxRetries?: number;
  /**
   * Largest response body read, in bytes; default 4 MiB. A larger answer is cut off while it
   * streams and is a `ResponseValidationError`.
   */
  maxResponseBytes?: number;
  /** Extra headers on every request (checked when the client is made). */
  headers?: Record<string, string>;
  /** Where tokens are kept; default in memory. */
  tokenStore?: TokenStore;
  /** Called whenever the tokens change (login, verify-2fa, refresh, setToken, a failed refresh). */
  onTokens?: (tokens: StoredTokens | null) => void;
  /** Waits between retries; default a timer. Tests inject one to stay fast. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/**
 * The CirtusAI API client: `auth`, `agents`, `wallets` and `identity`.
 *
 * @example
 * ```ts
 * import { CirtusAIClient } from "@cirtusai/sdk";
 * const client = new CirtusAIClient("http://localhost:8000");
 * await client.auth.loginWith2fa("ada", "correct horse", { totpSecret: "JBSWY3DPEHPK3PXP" });
 * for (const agent of await client.agents.listAgents()) console.log(agent.did);
 * ```
 */
export class CirtusAIClient {
  /** Registration, login, 2FA, refresh. */
  readonly auth: AuthResource;
  /** Agents, child agents and their assets. */
  readonly agents: AgentsResource;
  /** Assets and e-mail accounts. */
  readonly wallets: WalletsResource;
  /** DIDs and verifiable credentials. */
  readonly identity: IdentityResource;
  /** The base URL, without trailing slash. */
  readonly baseUrl: string;
  readonly #http: HttpClient;

  /** Creates a client for the API at `baseUrl`. */
  constructor(baseUrl: string, options: ClientOptions = {}) {
    this.baseUrl = normalizeBaseUrl(baseUrl);
    const timeout = options.timeout ?? 30_000;
    if (!(timeout > 0)) {
      throw new InvalidArgumentError("timeout", "timeout must be a positive number of ms");
    }
    const maxRetries = options.maxRetries ?? 2;
    if (!Number.isInteger(maxRetries) || maxRetries < 0) {
      throw new InvalidArgumentError("maxRetries", "maxRetries must be a non-negative integer");
    }
    const maxResponseBytes = options.maxResponseBytes ?? 4 * 1024 * 1024;
    if (!Number.isInteger(maxResponseBytes) || maxResponseBytes < 1) {
      throw new InvalidArgumentError(
        "maxResponseBytes",
        "maxResponseBytes must be a positive integer",
      );
    }
    const fetchImpl = options.fetch ?? globalThis.fetch;
    if (typeof fetchImpl !== "function") {
      throw new InvalidArgumentError("fetch", "no fetch available: pass options.fetch");
    }
    const initialTokens: StoredTokens | null = options.token
      ? {
        access_token: options.token,
        ...(options.refreshToken ? { refresh_token: options.refreshToken } : {}),
      }
      : null;
    this.#http = new HttpClient({
      baseUrl: this.baseUrl,
      // Called unbound: some runtimes' fetch throws "Illegal invocation" when bound to another object.
      fetch: (input, init) => fetchImpl(input, init),
      timeout,
      maxRetries,
      maxResponseBytes,
      headers: headerRecord(options.headers),
      sleep: options.sleep ?? defaultSleep,
      tokenStore: options.tokenStore ?? new MemoryTokenStore(),
      onTokens: options.onTokens,
      initialTokens,
    });
    this.auth = new AuthResource(this.#http);
    this.agents = new AgentsResource(this.#http);
    this.wallets = new WalletsResource(this.#http);
    this.identity = new IdentityResource(this.#http);
  }

  /** The current access token, or null. */
  get token(): string | null {
    return this.#http.tokens?.access_token ?? null;
  }

  /** The current refresh token, or null. */
  get refreshToken(): string | null {
    return this.#http.tokens?.refresh_token ?? null;
  }

  /**
   * Sets the access token (and optionally the refresh token) for later calls, as the Python SDK's
   * `set_token` does; null forgets both. Resolves once the token store has saved them.
   */
  setToken(token: string | null, refreshToken?: string): Promise<void> {
    if (token === null) return this.#http.setTokens(null);
    if (typeof token !== "string" || !token) {
      throw new InvalidArgumentError("token", "token must be a non-empty string or null");
    }
    return this.#http.setTokens({
      access_token: token,
      ...(refreshToken ? { refresh_token: refreshToken } : {}),
    });
  }

  /**
   * Reads the token store again (under its lock, when it has one) and uses what it holds: tokens
   * another holder of the store saved since (a login in another process), with their expiry. It
   * saves nothing, so it never writes back a pair that another holder may have rotated meanwhile.
   *
   * @example
   * ```ts
   * import { CirtusAIClient, MemoryTokenStore } from "@cirtusai/sdk";
   * const tokenStore = new MemoryTokenStore();
   * const client = new CirtusAIClient("http://localhost:8000", { tokenStore });
   * tokenStore.save({ access_token: "at", refresh_token: "rt" }); // saved by another holder
   * await client.reloadTokens();
   * console.log(client.token); // "at"
   * ```
   */
  reloadTokens(): Promise<void> {
    return this.#http.reload();
  }

  /** Aborts calls in flight; later calls fail with APIUserAbortError. */
  close(): void {
    this.#http.close();
  }
}

// `await using client = new CirtusAIClient(...)` closes it at the end of the scope. Added at run
// time, where the runtime has Symbol.asyncDispose, so that the SDK's types need no lib newer than
// ES2022 (a declared `[Symbol.asyncDispose]` fails `tsc` with `lib: ["es2022"]`).
const asyncDispose = (Symbol as { asyncDispose?: symbol }).asyncDispose;
if (asyncDispose) {
  Object.defineProperty(CirtusAIClient.prototype, asyncDispose, {
    value(this: CirtusAIClient): Promise<void> {
      this.close();
      return Promise.resolve();
    },
  });
}

function normalizeBaseUrl(baseUrl: string): string {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new InvalidArgumentError(
      "baseUrl",
      `baseUrl is not a URL (expected e.g. "https://api.example.com")`,
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new InvalidArgumentError(
      "baseUrl",
      `baseUrl must be http or https (got "${url.protocol}")`,
    );
  }
  return baseUrl.trim().replace(/\/+$/, "");
}

/** The extra headers as a record with lower-case names, checked once rather than per request. */
function headerRecord(headers: Record<string, string> | undefined): Record<string, string> {
  try {
    return Object.fromEntries(new Headers(headers));
  } catch {
    // Not the platform's message: it may quote a header's value, which may be a credential.
    throw new InvalidArgumentError("headers", "headers must be valid HTTP header names and values");
  }
}
