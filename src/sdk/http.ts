/**
 * The one place that talks to `fetch`: URLs, bodies, per-attempt timeouts, retries with backoff,
 * and tokens (adoption, persistence, single-flight refresh on 401).
 *
 * @module
 */
import {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  type APIErrorInit,
  APIUserAbortError,
  AuthenticationError,
  CirtusAIError,
  InvalidArgumentError,
  parseRetryAfter,
  ResponseValidationError,
  TwoFactorAuthenticationError,
} from "./errors.ts";
import { Deadlines } from "./deadlines.ts";
import { type Parser, parseToken } from "./parse.ts";
import type { StoredTokens, TokenStore } from "./token_store.ts";
import type { Token } from "./types.ts";
export { defaultSleep } from "./sleep.ts";

/** HTTP methods the API uses. */
export type Method = "GET" | "POST" | "PUT" | "DELETE";

/** Per-call options every SDK method accepts as its last argument. */
export interface CallOptions {
  /** Aborts the call (including retries and backoff waits). */
  signal?: AbortSignal;
}

/** One API call, as the resource classes describe it. */
export interface RequestSpec<T> extends CallOptions {
  /** HTTP method. */
  method: Method;
  /** Path as sent (already encoded), appended to the base URL. */
  path: string;
  /** Query parameters. */
  query?: Record<string, string>;
  /** JSON body. */
  json?: unknown;
  /** Form body (`application/x-www-form-urlencoded`). */
  form?: Record<string, string>;
  /** Send the bearer token when one is known; default true. */
  auth?: boolean;
  /** Parses the JSON body; absent means no body is expected (204). */
  parse?: Parser<T>;
  /** Return the body as bytes instead of JSON. */
  bytes?: boolean;
  /** This is the 2FA verification step: any 4xx becomes a TwoFactorAuthenticationError. */
  twoFactor?: boolean;
}

/** How the HTTP core is configured (the client fills this from its options). */
export interface HttpConfig {
  /** Base URL without trailing slash. */
  baseUrl: string;
  /** The fetch to use. */
  fetch: typeof fetch;
  /** Milliseconds per attempt. */
  timeout: number;
  /** Retries after the first attempt. */
  maxRetries: number;
  /** Largest response body read. */
  maxResponseBytes: number;
  /** Extra headers on every request, with lower-case names. */
  headers: Record<string, string>;
  /** Waits between retries; injectable so tests stay fast. */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Where tokens are persisted. */
  tokenStore: TokenStore;
  /** Called whenever the tokens change. */
  onTokens?: (tokens: StoredTokens | null) => void;
  /** Tokens given to the constructor; when set, the store is not read. */
  initialTokens: StoredTokens | null;
}

const IDEMPOTENT_RETRY = new Set([408, 429, 500, 502, 503, 504]);
// The server did not act on these, so even a POST (a 2FA code, a creation) is safe to resend.
const POST_RETRY = new Set([429, 503]);
const MAX_RETRY_AFTER_MS = 60_000;
// Refresh this long before the access token's announced expiry.
const EXPIRY_SKEW_MS = 30_000;
// Same-origin redirects followed (FastAPI answers 307 for a missing trailing slash).
const MAX_REDIRECTS = 3;
const UTF8 = new TextDecoder();

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  bytes?: Uint8Array;
}

/** Encodes a path parameter; `:` stays literal because the backend routes DIDs on it. */
export function encodePathParam(value: string, field: string): string {
  if (typeof value !== "string" || value.length === 0) {
    throw new InvalidArgumentError(field, `${field} must be a non-empty string`);
  }
  return encodeURIComponent(value).replace(/%3A/gi, ":");
}

/** Backoff before retry number `attempt + 1`: 0.5 s doubling, capped at 8 s, minus up to 25 % jitter. */
export function backoff(attempt: number, random: number = Math.random()): number {
  return Math.min(500 * 2 ** attempt, 8_000) * (1 - 0.25 * random);
}

/** The transport core shared by the resource classes. */
export class HttpClient {
  readonly #config: HttpConfig;
  #tokens: StoredTokens | null;
  #loaded: boolean;
  #loading: Promise<void> | null = null;
  /** Whether the tokens held came from the store or were saved to it (so the store is shared). */
  #stored = false;
  #refreshing: Promise<void> | null = null;
  #closed = false;
  /** The attempts in flight: their timeouts, and close() aborting them. */
  readonly #deadlines = new Deadlines();

  /** Creates the core; see {@linkcode HttpConfig}. */
  constructor(config: HttpConfig) {
    this.#config = config;
    this.#tokens = config.initialTokens;
    this.#loaded = config.initialTokens !== null;
  }

  /** The current tokens (as last loaded or adopted). */
  get tokens(): StoredTokens | null {
    return this.#tokens;
  }

  /** Replaces the tokens (null forgets them), persists them and notifies `onTokens`. */
  async setTokens(tokens: StoredTokens | null): Promise<void> {
    this.#tokens = tokens;
    this.#loaded = true;
    this.#stored = tokens !== null;
    this.#config.onTokens?.(tokens);
    await this.#config.tokenStore.save(tokens);
  }

  /** Re-reads the store under its lock and holds what it has, without saving it back. */
  reload(): Promise<void> {
    const store = this.#config.tokenStore;
    const read = async () => {
      this.#tokens = null;
      this.#loaded = false;
      await this.#load();
      this.#config.onTokens?.(this.#tokens);
    };
    return store.lock ? store.lock(read) : read();
  }

  /** Adopts a Token answer; `keepRefresh` keeps the old refresh token when none came back. */
  async adopt(token: Token, options: { keepRefresh?: boolean } = {}): Promise<void> {
    const next: StoredTokens = { access_token: token.access_token };
    const refresh = token.refresh_token ??
      (options.keepRefresh ? this.#tokens?.refresh_token : undefined);
    if (refresh) next.refresh_token = refresh;
    if (token.expires_in != null) next.expires_at = Date.now() + token.expires_in * 1000;
    await this.setTokens(next);
  }

  /** Aborts calls in flight; later calls fail at once with APIUserAbortError. */
  close(): void {
    this.#closed = true;
    this.#deadlines.abortAll();
  }

  /**
   * Exchanges the refresh token for new tokens and adopts them. With no explicit token, concurrent
   * callers share one refresh. A refusal clears the tokens and throws AuthenticationError.
   */
  async refresh(options: { refreshToken?: string; signal?: AbortSignal } = {}): Promise<Token> {
    await this.#load();
    const explicit = options.refreshToken;
    if (explicit !== undefined && explicit !== this.#tokens?.refresh_token) {
      return await this.#exchange(explicit, options.signal);
    }
    const stale = this.#tokens?.access_token;
    let result: Token | undefined;
    await this.#refreshOnce(stale, async () => {
      result = await this.#exchange(this.#tokens?.refresh_token, options.signal);
    });
    return result ?? { access_token: this.#tokens!.access_token, token_type: "bearer" };
  }

  /** Performs one API call with retries, timeout and refresh-on-401. */
  async request<T>(spec: RequestSpec<T>): Promise<T> {
    if (!this.#loaded) await this.#load();
    const auth = spec.auth ?? true;
    const { method } = spec;
    const t = this.#tokens;
    if (
      auth && t?.refresh_token && t.expires_at !== undefined &&
      Date.now() >= t.expires_at - EXPIRY_SKEW_MS
    ) {
      await this.#refreshOnce(t.access_token, () => this.#exchange(t.refresh_token!));
    }
    let replayed = false;
    for (let attempt = 0;; attempt++) {
      const used = auth ? this.#tokens?.access_token : undefined;
      let answer: Answer;
      try {
        answer = await this.#attempt(spec, used);
      } catch (err) {
        const retry = !(err instanceof APIUserAbortError) && method !== "POST" &&
          attempt < this.#config.maxRetries;
        if (!retry) throw err;
        await this.#wait(backoff(attempt), spec);
        continue;
      }
      const { status } = answer;
      if (status >= 200 && status < 300) return this.#decode(spec, answer);
      if (status === 401 && used && !replayed && this.#tokens?.refresh_token) {
        replayed = true;
        await this.#refreshOnce(used, () => this.#exchange(this.#tokens?.refresh_token));
        attempt--; // the replay is not a retry
        continue;
      }
      const retryable = (method === "POST" ? POST_RETRY : IDEMPOTENT_RETRY).has(status);
      if (retryable && attempt < this.#config.maxRetries) {
        const after = parseRetryAfter(answer.headers.get("retry-after"), Date.now());
        if (after === null || after <= MAX_RETRY_AFTER_MS) {
          await this.#wait(after ?? backoff(attempt), spec);
          continue;
        }
      }
      throw this.#error(spec, answer);
    }
  }

  /** Reads the store once; calls made while it is read wait for it (not sent without a token). */
  #load(): Promise<void> {
    if (this.#loaded) return Promise.resolve();
    return this.#loading ??= (async () => {
      const stored = await this.#config.tokenStore.load();
      if (stored && !this.#tokens) {
        this.#tokens = stored;
        this.#stored = true;
      }
      this.#loaded = true;
    })().finally(() => {
      this.#loading = null;
    });
  }

  /** Runs `exchange` once for every caller that saw `stale` fail; later callers just replay. */
  async #refreshOnce(stale: string | undefined, exchange: () => Promise<unknown>): Promise<void> {
    if (this.#refreshing) return await this.#refreshing;
    if (this.#tokens?.access_token !== stale) return; // someone already refreshed
    const store = this.#config.tokenStore;
    // Refresh tokens are single use: another holder of the session (a tab, a process, a client
    // on the same store) may have rotated them already. Re-read the store under its lock and
    // adopt what is there rather than spend the old refresh token a second time.
    const run = async () => {
      const stored = await store.load();
      if (stored?.access_token && stored.access_token !== stale) {
        this.#tokens = stored;
        this.#config.onTokens?.(stored);
      } else if (!stored?.access_token && this.#stored) {
        // Another holder of the store ended the session (a logout): never bring it back.
        await this.setTokens(null);
        throw new AuthenticationError({
          status: 401,
          body: { detail: "the session was ended by another holder of the token store" },
          headers: new Headers(),
          method: "POST",
          path: "/auth/refresh",
        });
      } else await exchange();
    };
    this.#refreshing = (store.lock ? store.lock(run) : run()).finally(() => {
      this.#refreshing = null;
    });
    await this.#refreshing;
  }

  async #exchange(refreshToken: string | undefined, signal?: AbortSignal): Promise<Token> {
    if (!refreshToken) {
      throw new InvalidArgumentError("refresh_token", "no refresh token: pass one or log in first");
    }
    let token: Token;
    try {
      token = await this.request({
        method: "POST",
        path: "/auth/refresh",
        json: { refresh_token: refreshToken },
        auth: false,
        parse: parseToken,
        signal,
      });
    } catch (err) {
      if (err instanceof APIError && err.status < 500) {
        await this.setTokens(null);
        if (err instanceof AuthenticationError) throw err;
        throw new AuthenticationError(initOf(err));
      }
      throw err;
    }
    await this.adopt(token, { keepRefresh: true });
    return token;
  }

  async #attempt(spec: RequestSpec<unknown>, token: string | undefined): Promise<Answer> {
    const { method, path } = spec;
    if (this.#closed) {
      throw new APIUserAbortError(method, path, {
        message: `${method} ${path}: the client is closed`,
      });
    }
    if (spec.signal?.aborted) {
      throw new APIUserAbortError(method, path, { cause: spec.signal.reason });
    }
    const deadline = this.#deadlines.start(this.#config.timeout);
    const { controller } = deadline;
    const abort = () => controller.abort();
    spec.signal?.addEventListener("abort", abort, { once: true });
    let url = this.#url(spec);
    const init: RequestInit = {
      method,
      headers: this.#headers(spec, token),
      body: spec.form
        ? new URLSearchParams(spec.form)
        : spec.json !== undefined
        ? JSON.stringify(spec.json)
        : undefined,
      signal: controller.signal,
      // Redirects are followed here, so that no body or token ever goes to another origin.
      redirect: "manual",
    };
    try {
      for (let hops = 0;; hops++) {
        const response = await this.#config.fetch(url, init);
        const { status } = response;
        const location = status >= 300 && status < 400 && response.headers.get("location");
        if (response.type === "opaqueredirect" || location) {
          await response.body?.cancel();
          url = this.#redirect(spec, url, location || "", hops);
          if (status === 303 || (status < 307 && method === "POST")) {
            init.method = "GET";
            init.body = undefined;
          }
          continue;
        }
        const asBytes = spec.bytes && status >= 200 && status < 300;
        const body = await this.#read(spec, response, asBytes);
        return typeof body === "string"
          ? { status, headers: response.headers, text: body }
          : { status, headers: response.headers, text: "", bytes: body };
      }
    } catch (err) {
      if (err instanceof CirtusAIError) throw err;
      if (deadline.timedOut) {
        throw new APIConnectionTimeoutError(method, path, this.#config.timeout);
      }
      if (spec.signal?.aborted || this.#closed) {
        throw new APIUserAbortError(method, path, { cause: spec.signal?.reason ?? err });
      }
      throw new APIConnectionError(method, path, { cause: err });
    } finally {
      this.#deadlines.finish(deadline);
      spec.signal?.removeEventListener("abort", abort);
    }
  }

  /** Where a same-origin redirect leads; anything else is refused, with nothing sent there. */
  #redirect(spec: RequestSpec<unknown>, from: string, location: string, hops: number): string {
    const { method, path } = spec;
    // Browsers hide a manual redirect's target (an "opaqueredirect"): it is never followed.
    const target = location ? new URL(location, from) : null;
    const why = !target
      ? "the server answered with a redirect this runtime does not show; not followed"
      : target.origin !== new URL(this.#config.baseUrl).origin
      ? `redirected to another origin (${target.origin}); not followed, nothing was sent there`
      : hops >= MAX_REDIRECTS
      ? `more than ${MAX_REDIRECTS} redirects`
      : null;
    if (why) throw new APIConnectionError(method, path, { message: `${method} ${path}: ${why}` });
    return target!.href;
  }

  /** The body, cut off past `maxResponseBytes` while it streams. */
  async #read(
    spec: RequestSpec<unknown>,
    response: Response,
    asBytes?: boolean,
  ): Promise<string | Uint8Array> {
    const max = this.#config.maxResponseBytes;
    const tooLarge = () =>
      new ResponseValidationError("(body)", `is larger than maxResponseBytes (${max} bytes)`, {
        body: "",
        context: `${spec.method} ${spec.path}`,
      });
    // A compressed answer's length says nothing of what it inflates to: count it as it streams.
    const length = response.headers.has("content-encoding")
      ? NaN
      : Number(response.headers.get("content-length") ?? NaN);
    if (length > max) {
      await response.body?.cancel();
      throw tooLarge();
    }
    // A declared length within the limit is read in one go (fetch enforces it), and text() is
    // the runtimes' fastest way; only an answer of unknown length is counted as it streams.
    if (length >= 0 || !response.body) {
      return asBytes ? new Uint8Array(await response.arrayBuffer()) : await response.text();
    }
    const chunks: Uint8Array[] = [];
    let size = 0;
    const reader = response.body.getReader(); // (async iteration is missing in some browsers)
    for (let r = await reader.read(); !r.done; r = await reader.read()) {
      size += r.value.length;
      if (size > max) {
        await reader.cancel();
        throw tooLarge();
      }
      chunks.push(r.value);
    }
    const all = chunks.length === 1 ? chunks[0] : new Uint8Array(size);
    if (chunks.length > 1) {
      for (let i = 0, at = 0; i < chunks.length; at += chunks[i++].length) all.set(chunks[i], at);
    }
    return asBytes ? all : UTF8.decode(all);
  }

  #url(spec: RequestSpec<unknown>): string {
    const query = spec.query ? `?${new URLSearchParams(spec.query)}` : "";
    return `${this.#config.baseUrl}${spec.path}${query}`;
  }

  #headers(spec: RequestSpec<unknown>, token: string | undefined): Record<string, string> {
    // A record, not a Headers object: fetch reads it once. Config names are already lower-case.
    const headers = { ...this.#config.headers };
    headers.accept = spec.bytes ? "image/png, */*" : "application/json";
    if (spec.form) headers["content-type"] = "application/x-www-form-urlencoded";
    else if (spec.json !== undefined) headers["content-type"] = "application/json";
    if (token) headers.authorization = `Bearer ${token}`;
    return headers;
  }

  async #wait(ms: number, spec: RequestSpec<unknown>): Promise<void> {
    try {
      await this.#config.sleep(ms, spec.signal);
    } catch (err) {
      throw new APIUserAbortError(spec.method, spec.path, { cause: err });
    }
  }

  #decode<T>(spec: RequestSpec<T>, answer: Answer): T {
    if (spec.bytes) return answer.bytes as T;
    if (!spec.parse) return undefined as T;
    const context = `${spec.method} ${spec.path}`;
    let body: unknown;
    try {
      body = JSON.parse(answer.text);
    } catch {
      throw new ResponseValidationError("(body)", "is not valid JSON", {
        body: answer.text,
        context,
      });
    }
    return spec.parse(body, context);
  }

  #error(spec: RequestSpec<unknown>, answer: Answer): APIError {
    let body: unknown = answer.text;
    try {
      body = JSON.parse(answer.text);
    } catch {
      // not JSON: keep the text
    }
    const init = {
      status: answer.status,
      body,
      headers: answer.headers,
      method: spec.method,
      path: spec.path,
    };
    // A second factor refused; a 429 (the account's second factor locked) stays a RateLimitError,
    // whose retryAfter says when to try again.
    if (spec.twoFactor && answer.status >= 400 && answer.status < 500 && answer.status !== 429) {
      return new TwoFactorAuthenticationError(init);
    }
    return APIError.from(init);
  }
}

function initOf(err: APIError): APIErrorInit {
  return {
    status: err.status,
    body: err.body,
    headers: err.headers,
    method: err.method,
    path: err.path,
  };
}
