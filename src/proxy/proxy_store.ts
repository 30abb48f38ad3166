/**
 * The state that instances of the proxy share: on Deno Deploy and Cloudflare Workers each request
 * may land on another isolate, and isolates share no memory. Per session (a random id kept in the
 * sealed cookie across rotations) the store holds the latest tokens, sealed, with their
 * generation; whether the session was ended (logout); and a short lease, so that one instance at
 * a time refreshes it. It also counts requests for the rate limit, so that N instances allow one
 * budget, not N.
 *
 * @module
 */
import type { KvKey, KvLike } from "../server/kv_like.ts";
import { MemoryRateLimitStore, type RateLimitHit, type RateLimitStore } from "./rate_limit.ts";

/** What the store knows of one session. */
export interface SharedSession {
  /** The latest tokens, sealed as in the cookie. */
  sealed?: string;
  /** Their generation: 0 at login, one more per refresh. */
  gen: number;
  /** The session was ended (logout): no instance serves its cookies any more. */
  revoked?: boolean;
}

/** A value, or the promise of one: in-memory stores answer at once, shared ones later. */
export type Maybe<T> = T | Promise<T>;

/** The shared state of proxy instances; see the module's documentation. */
export interface ProxyStore extends RateLimitStore {
  /** What is known of session `sid`, or null. */
  session(sid: string): Maybe<SharedSession | null>;
  /** Takes the refresh lease of `sid` for `ms`; false when another instance holds it. */
  acquire(sid: string, ms: number): Maybe<boolean>;
  /** Records a refresh's tokens (generation `gen`), kept `ttlMs`, and gives up the lease. */
  publish(sid: string, sealed: string, gen: number, ttlMs: number): Maybe<void>;
  /** Gives up the lease without a result. */
  release(sid: string): Maybe<void>;
  /** Ends the session for every instance, remembered `ttlMs`. */
  revoke(sid: string, ttlMs: number): Maybe<void>;
}

/**
 * The store of a single instance (and of tests): everything in this isolate's memory, entries
 * dropped once they expire.
 *
 * @example
 * ```ts
 * import { createProxy, MemoryProxyStore } from "@cirtusai/sdk/proxy";
 * const app = createProxy({
 *   upstream: "http://localhost:8000",
 *   cookieSecret: Deno.env.get("CIRTUSAI_COOKIE_SECRET")!, // openssl rand -base64 32
 *   store: new MemoryProxyStore(),
 * });
 * ```
 */
export class MemoryProxyStore extends MemoryRateLimitStore implements ProxyStore {
  readonly #sessions = new Map<string, SharedSession & { until: number }>();
  readonly #leases = new Map<string, number>();

  /** What is known of `sid`. */
  session(sid: string): SharedSession | null {
    const s = this.#sessions.get(sid);
    if (s === undefined) return null; // the common case: a session never refreshed
    if (s.until > Date.now()) return s;
    this.#sessions.delete(sid);
    return null;
  }

  /** Takes the lease unless another holder's is still running. */
  acquire(sid: string, ms: number): boolean {
    const now = Date.now();
    if ((this.#leases.get(sid) ?? 0) > now) return false;
    this.#leases.set(sid, now + ms);
    return true;
  }

  /** Records the tokens and gives up the lease. */
  publish(sid: string, sealed: string, gen: number, ttlMs: number): void {
    this.#sweep();
    if (!this.#sessions.get(sid)?.revoked) {
      this.#sessions.set(sid, { sealed, gen, until: Date.now() + ttlMs });
    }
    this.#leases.delete(sid);
  }

  /** Gives up the lease. */
  release(sid: string): void {
    this.#leases.delete(sid);
  }

  /** Ends the session. */
  revoke(sid: string, ttlMs: number): void {
    this.#sweep();
    this.#sessions.set(sid, {
      gen: Number.MAX_SAFE_INTEGER,
      revoked: true,
      until: Date.now() + ttlMs,
    });
  }

  #sweep(): void {
    if (this.#sessions.size < 10_000) return;
    const now = Date.now();
    for (const [sid, s] of this.#sessions) if (s.until <= now) this.#sessions.delete(sid);
    for (const [sid, until] of this.#leases) if (until <= now) this.#leases.delete(sid);
  }
}

const PREFIX = "cirtusai_proxy";

/**
 * The store over Deno KV, which is globally consistent on Deno Deploy: the lease is an atomic
 * check-and-set with `expireIn`, the latest tokens and revocations expire with the cookie, and the
 * rate limit is a counter per client and window. Give every instance the same `Deno.Kv` (or a
 * promise of it).
 *
 * @example
 * ```ts
 * import { createProxy, KvProxyStore } from "@cirtusai/sdk/proxy";
 * const app = createProxy({
 *   upstream: "http://localhost:8000",
 *   cookieSecret: Deno.env.get("CIRTUSAI_COOKIE_SECRET")!, // openssl rand -base64 32
 *   store: new KvProxyStore(Deno.openKv()),
 * });
 * ```
 */
export class KvProxyStore implements ProxyStore {
  readonly #kv: Promise<KvLike>;

  /** Wraps an open `Deno.Kv`, or the promise of one. */
  constructor(kv: KvLike | Promise<KvLike>) {
    this.#kv = Promise.resolve(kv);
  }

  /** What is known of `sid`. */
  async session(sid: string): Promise<SharedSession | null> {
    return (await (await this.#kv).get<SharedSession>([PREFIX, "session", sid])).value;
  }

  /** Takes the lease with one atomic check-and-set; it expires by itself after `ms`. */
  async acquire(sid: string, ms: number): Promise<boolean> {
    const kv = await this.#kv;
    const key: KvKey = [PREFIX, "lease", sid];
    const current = await kv.get<number>(key);
    if (current.value !== null && current.value > Date.now()) return false;
    const res = await kv.atomic().check({ key, versionstamp: current.versionstamp })
      .set(key, Date.now() + ms, { expireIn: ms }).commit();
    return res.ok;
  }

  /** Records the tokens (never over a revocation) and gives up the lease, in one commit. */
  async publish(sid: string, sealed: string, gen: number, ttlMs: number): Promise<void> {
    const kv = await this.#kv;
    const key: KvKey = [PREFIX, "session", sid];
    for (let i = 0; i < 10; i++) {
      const current = await kv.get<SharedSession>(key);
      const op = kv.atomic().check({ key, versionstamp: current.versionstamp })
        .delete([PREFIX, "lease", sid]);
      if (!current.value?.revoked) op.set(key, { sealed, gen }, { expireIn: ttlMs });
      if ((await op.commit()).ok) return;
    }
  }

  /** Gives up the lease. */
  async release(sid: string): Promise<void> {
    await (await this.#kv).delete([PREFIX, "lease", sid]);
  }

  /** Ends the session for every instance. */
  async revoke(sid: string, ttlMs: number): Promise<void> {
    const kv = await this.#kv;
    await kv.atomic().set(
      [PREFIX, "session", sid],
      { gen: Number.MAX_SAFE_INTEGER, revoked: true },
      { expireIn: ttlMs },
    ).commit();
  }

  /**
   * Counts a request of `key` in its window across instances: an atomic sum, which never
   * conflicts however many requests arrive at once, then a read of the total. Sums cannot
   * expire, so each hit also drops the window before last.
   */
  async hit(key: string, windowMs: number): Promise<RateLimitHit> {
    const kv = await this.#kv;
    const window = Math.floor(Date.now() / windowMs);
    const k: KvKey = [PREFIX, "rate", key, window];
    await kv.atomic().sum(k, 1n).delete([PREFIX, "rate", key, window - 2]).commit();
    const total = (await kv.get<{ value: bigint }>(k)).value?.value ?? 1n;
    return { count: Number(total), resetAt: (window + 1) * windowMs };
  }
}
