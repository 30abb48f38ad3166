/**
 * Where the client keeps its tokens between calls (and, for persistent stores, between runs).
 *
 * @module
 */

/** The tokens a client holds. */
export interface StoredTokens {
  /** Bearer token. */
  access_token: string;
  /** Token for `/auth/refresh`, when the server issued one. */
  refresh_token?: string;
  /** When the access token expires, epoch milliseconds, when known. */
  expires_at?: number;
}

/**
 * Storage for a client's tokens. Implement it to keep tokens elsewhere (a file, a KV store).
 *
 * @example
 * ```ts
 * import type { StoredTokens, TokenStore } from "@cirtusai/sdk";
 * class SessionStorageTokenStore implements TokenStore {
 *   load(): StoredTokens | null {
 *     const raw = sessionStorage.getItem("tokens");
 *     return raw ? JSON.parse(raw) : null;
 *   }
 *   save(tokens: StoredTokens | null): void {
 *     if (tokens) sessionStorage.setItem("tokens", JSON.stringify(tokens));
 *     else sessionStorage.removeItem("tokens");
 *   }
 * }
 * ```
 */
export interface TokenStore {
  /** The saved tokens, or null. */
  load(): StoredTokens | null | Promise<StoredTokens | null>;
  /** Saves tokens; null forgets them. */
  save(tokens: StoredTokens | null): void | Promise<void>;
  /**
   * Runs `fn` holding the store's refresh lock, so that only one holder of a shared session
   * (browser tabs, processes, clients) refreshes at a time; the client re-reads the store inside
   * it and adopts tokens another holder already rotated. Optional: without it the client still
   * re-reads the store before refreshing. The wait for the lock should be bounded.
   */
  lock?<T>(fn: () => Promise<T>): Promise<T>;
}

/** How long a holder waits for another's refresh before refreshing itself. */
const LOCK_WAIT_MS = 10_000;

/** The part of the Web Locks API (`navigator.locks`) used here. */
interface Locks {
  request<T>(
    name: string,
    options: { signal?: AbortSignal; ifAvailable?: boolean },
    fn: (lock: unknown) => Promise<T>,
  ): Promise<T>;
}

/**
 * Keeps tokens in memory only (the default).
 *
 * @example
 * ```ts
 * import { CirtusAIClient, MemoryTokenStore } from "@cirtusai/sdk";
 * const client = new CirtusAIClient("http://localhost:8000", { tokenStore: new MemoryTokenStore() });
 * ```
 */
export class MemoryTokenStore implements TokenStore {
  #tokens: StoredTokens | null = null;
  #queue: Promise<unknown> = Promise.resolve();
  /** Runs `fn` after every earlier `lock` call of this store has finished. */
  lock<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => {});
    return run;
  }
  /** The saved tokens, or null. */
  load(): StoredTokens | null {
    return this.#tokens;
  }
  /** Saves tokens; null forgets them. */
  save(tokens: StoredTokens | null): void {
    this.#tokens = tokens ? { ...tokens } : null;
  }
}

/**
 * Keeps tokens in the browser's `localStorage` (or any object with the Storage methods).
 * Prefer the edge proxy's session mode where a script injection could read storage.
 *
 * @example
 * ```ts
 * import { CirtusAIClient, LocalStorageTokenStore } from "@cirtusai/sdk";
 * const client = new CirtusAIClient("https://api.example.com", {
 *   tokenStore: new LocalStorageTokenStore({ key: "cirtusai.tokens" }),
 * });
 * ```
 */
export class LocalStorageTokenStore implements TokenStore {
  readonly #key: string;
  readonly #storage: Pick<Storage, "getItem" | "setItem" | "removeItem">;

  /** `key` defaults to `"cirtusai.tokens"`; `storage` to `globalThis.localStorage`. */
  constructor(
    options: { key?: string; storage?: Pick<Storage, "getItem" | "setItem" | "removeItem"> } = {},
  ) {
    this.#key = options.key ?? "cirtusai.tokens";
    this.#storage = options.storage ?? globalThis.localStorage;
  }

  /** The saved tokens, or null (also when the stored value is not valid). */
  load(): StoredTokens | null {
    const raw = this.#storage.getItem(this.#key);
    if (!raw) return null;
    try {
      const value = JSON.parse(raw);
      return typeof value?.access_token === "string" ? value : null;
    } catch {
      return null;
    }
  }

  /** Saves tokens; null removes the entry. */
  save(tokens: StoredTokens | null): void {
    if (tokens) this.#storage.setItem(this.#key, JSON.stringify(tokens));
    else this.#storage.removeItem(this.#key);
  }
  /**
   * Runs `fn` holding a Web Lock named after the key, shared by every tab of the origin; waits
   * at most 10 s for it. Where the platform has no Web Locks, runs `fn` at once.
   */
  async lock<T>(fn: () => Promise<T>): Promise<T> {
    const locks = (globalThis.navigator as { locks?: Locks } | undefined)?.locks;
    if (!locks) return await fn();
    const name = `${this.#key}:refresh`;
    const before = this.#storage.getItem(this.#key);
    let started = false;
    const run = () => ((started = true), fn());
    const free = await locks.request(
      name,
      { ifAvailable: true },
      async (lock) => (lock ? { value: await run() } : null),
    );
    if (free) return free.value;
    try {
      // Another tab holds the lock, most likely refreshing. localStorage reaches other tabs a
      // moment after it is written, so once the lock is ours, give that write time to arrive.
      return await locks.request(
        name,
        { signal: AbortSignal.timeout(LOCK_WAIT_MS) },
        async () => (await this.#changed(before), await run()),
      );
    } catch (err) {
      if (started) throw err;
      return await fn(); // the lock was not had in time: go on without it
    }
  }

  /** Resolves once the stored value differs from `before`, or after at most 1 s. */
  async #changed(before: string | null): Promise<void> {
    for (let waited = 0; waited < 1000 && this.#storage.getItem(this.#key) === before;) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      waited += 20;
    }
  }
}
