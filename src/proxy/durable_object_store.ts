/**
 * The proxy's shared store on Cloudflare Workers: a Durable Object per session (and one per rate
 * limit key), each the single place its state lives, so instances anywhere agree. Bind the class
 * and pass the namespace:
 *
 * ```toml
 * [[durable_objects.bindings]]
 * name = "CIRTUSAI_PROXY_STATE"
 * class_name = "ProxyStateObject"
 * ```
 *
 * `proxyFromEnv()` uses the binding `CIRTUSAI_PROXY_STATE` when there is one.
 *
 * @module
 */
import type { RateLimitHit } from "./rate_limit.ts";
import { MemoryProxyStore, type ProxyStore, type SharedSession } from "./proxy_store.ts";

/** The part of a Durable Object namespace binding used here. */
export interface DurableObjectNamespaceLike {
  /** The id of the object named `name`. */
  idFromName(name: string): unknown;
  /** A stub to call the object. */
  get(id: unknown): { fetch(input: string, init?: RequestInit): Promise<Response> };
}

/** The part of a Durable Object's state used here. */
export interface DurableObjectStateLike {
  /** Its transactional storage. */
  storage: {
    get<T>(key: string): Promise<T | undefined>;
    put(key: string, value: unknown): Promise<void>;
    delete(key: string): Promise<boolean>;
  };
}

type Op = "session" | "acquire" | "publish" | "release" | "revoke" | "hit";
const ORIGIN = "https://cirtusai-proxy-state";

/**
 * The Durable Object class (export it from the Worker's module and bind it). One object serves
 * one session's state, or one client's rate limit; its requests run one at a time, so a lease it
 * grants is the only one. Sessions are kept in its storage (they outlive the object's eviction),
 * leases and counters in memory (short-lived).
 *
 * @example
 * ```ts
 * // The Worker's module:
 * import { proxyFromEnv } from "@cirtusai/sdk/proxy";
 * export { ProxyStateObject } from "@cirtusai/sdk/proxy";
 * export default proxyFromEnv();
 * ```
 */
export class ProxyStateObject {
  readonly #state: DurableObjectStateLike;
  readonly #memory = new MemoryProxyStore();

  /** Called by the Workers runtime. */
  constructor(state: DurableObjectStateLike, _env?: unknown) {
    this.#state = state;
  }

  /** One operation: `POST /<op>` with its arguments as a JSON array. */
  async fetch(request: Request): Promise<Response> {
    const op = new URL(request.url).pathname.slice(1) as Op;
    const args = await request.json() as unknown[];
    const storage = this.#state.storage;
    const key = (sid: unknown) => `session:${String(sid)}`;
    let result: unknown = null;
    switch (op) {
      case "session": {
        const s = await storage.get<SharedSession & { until: number }>(key(args[0]));
        result = s && s.until > Date.now() ? s : null;
        break;
      }
      case "acquire":
        result = this.#memory.acquire(String(args[0]), Number(args[1]));
        break;
      case "publish": {
        const [sid, sealed, gen, ttlMs] = args as [string, string, number, number];
        const current = await storage.get<SharedSession>(key(sid));
        if (!current?.revoked) {
          await storage.put(key(sid), { sealed, gen, until: Date.now() + ttlMs });
        }
        this.#memory.release(sid);
        break;
      }
      case "release":
        this.#memory.release(String(args[0]));
        break;
      case "revoke":
        await storage.put(key(args[0]), {
          gen: Number.MAX_SAFE_INTEGER,
          revoked: true,
          until: Date.now() + Number(args[1]),
        });
        break;
      case "hit":
        result = this.#memory.hit(String(args[0]), Number(args[1]));
        break;
      default:
        return new Response("unknown operation", { status: 404 });
    }
    return Response.json(result);
  }
}

/**
 * A {@linkcode ProxyStore} over {@linkcode ProxyStateObject}s: one object per session, one per
 * rate-limit key.
 *
 * @example
 * ```ts
 * import { createProxy, DurableObjectProxyStore } from "@cirtusai/sdk/proxy";
 * import type { DurableObjectNamespaceLike } from "@cirtusai/sdk/proxy";
 * // In a Worker's fetch handler, with the namespace and the secret from its `env`:
 * function proxyFor(namespace: DurableObjectNamespaceLike, cookieSecret: string) {
 *   return createProxy({
 *     upstream: "https://api.cirtus.ai",
 *     cookieSecret, // openssl rand -base64 32
 *     store: new DurableObjectProxyStore(namespace),
 *   });
 * }
 * ```
 */
export class DurableObjectProxyStore implements ProxyStore {
  readonly #namespace: DurableObjectNamespaceLike;

  /** Uses the objects of `namespace`. */
  constructor(namespace: DurableObjectNamespaceLike) {
    this.#namespace = namespace;
  }

  async #call<T>(name: string, op: Op, args: unknown[]): Promise<T> {
    const stub = this.#namespace.get(this.#namespace.idFromName(name));
    const res = await stub.fetch(`${ORIGIN}/${op}`, { method: "POST", body: JSON.stringify(args) });
    if (!res.ok) throw new Error(`proxy state object: ${op} failed with ${res.status}`);
    return await res.json() as T;
  }

  /** What is known of `sid`. */
  session(sid: string): Promise<SharedSession | null> {
    return this.#call(`session:${sid}`, "session", [sid]);
  }

  /** Takes the lease of `sid`. */
  acquire(sid: string, ms: number): Promise<boolean> {
    return this.#call(`session:${sid}`, "acquire", [sid, ms]);
  }

  /** Records the tokens and gives up the lease. */
  async publish(sid: string, sealed: string, gen: number, ttlMs: number): Promise<void> {
    await this.#call(`session:${sid}`, "publish", [sid, sealed, gen, ttlMs]);
  }

  /** Gives up the lease. */
  async release(sid: string): Promise<void> {
    await this.#call(`session:${sid}`, "release", [sid]);
  }

  /** Ends the session. */
  async revoke(sid: string, ttlMs: number): Promise<void> {
    await this.#call(`session:${sid}`, "revoke", [sid, ttlMs]);
  }

  /** Counts a request of `key`. */
  hit(key: string, windowMs: number): Promise<RateLimitHit> {
    return this.#call(`rate:${key}`, "hit", [key, windowMs]);
  }
}
