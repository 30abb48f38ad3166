/**
 * Deno KV adapter of the emulator's {@linkcode Store}: data survives restarts (`--db PATH`), and on
 * Deno Deploy the same code gets the hosted KV.
 *
 * @module
 */
import type { KvKey, KvLike } from "../server/kv_like.ts";
import { checkCommit } from "./record_size.ts";
import type { Check, Key, Mutation, Store, Versioned, VersionedEntry } from "./store.ts";

export type { KvAtomicLike, KvLike } from "../server/kv_like.ts";

/**
 * A {@linkcode Store} over Deno KV.
 *
 * @example
 * ```ts
 * import { KvStore } from "@cirtusai/sdk/emulator";
 * const store = await KvStore.open("./emulator.kv");
 * ```
 */
export class KvStore implements Store {
  readonly #kv: KvLike & Partial<KvManyLike>;

  /** Wraps an open `Deno.Kv` (or anything with its `get`, `list` and `atomic`). */
  constructor(kv: KvLike) {
    this.#kv = kv;
  }

  /** Opens (or creates) the database at `path`; `":memory:"` for a throwaway one. */
  static async open(path?: string): Promise<KvStore> {
    return new KvStore(await Deno.openKv(path));
  }

  /** The value at `key` and its versionstamp. */
  async read<T>(key: Key): Promise<Versioned<T>> {
    const entry = await this.#kv.get<T>(key);
    return { value: entry.value, version: entry.versionstamp };
  }

  /** Several values in one `getMany` (Deno KV takes up to 10 keys a call). */
  async readMany(keys: Key[]): Promise<Versioned<unknown>[]> {
    const getMany = this.#kv.getMany?.bind(this.#kv);
    if (!getMany) return await Promise.all(keys.map((key) => this.read(key)));
    const out: Versioned<unknown>[] = [];
    for (let i = 0; i < keys.length; i += 10) {
      for (const entry of await getMany(keys.slice(i, i + 10))) {
        out.push({ value: entry.value, version: entry.versionstamp });
      }
    }
    return out;
  }

  /** Every entry under `prefix`, in key order. */
  async scan<T>(prefix: Key): Promise<VersionedEntry<T>[]> {
    const out: VersionedEntry<T>[] = [];
    for await (const entry of this.#kv.list<T>({ prefix: prefix })) {
      out.push({ key: entry.key as Key, value: entry.value, version: entry.versionstamp });
    }
    return out;
  }

  /** One `atomic()` commit: a check per read, then every write (with `expireIn`). */
  async commit(checks: Check[], mutations: Mutation[]): Promise<boolean> {
    checkCommit(checks, mutations);
    const op = this.#kv.atomic();
    for (const { key, version } of checks) {
      op.check({ key: key, versionstamp: version });
    }
    for (const m of mutations) {
      if (m.type === "delete") op.delete(m.key);
      else {
        op.set(
          m.key,
          m.value,
          m.expireIn === undefined ? undefined : { expireIn: Math.max(1, Math.ceil(m.expireIn)) },
        );
      }
    }
    return (await op.commit()).ok;
  }

  /** Removes everything. */
  async clear(): Promise<void> {
    for await (const entry of this.#kv.list({ prefix: [] })) {
      await this.#kv.delete(entry.key as Key);
    }
  }

  /** Closes the database. */
  close(): void {
    this.#kv.close();
  }
}

/** `Deno.Kv`'s `getMany`, which {@linkcode KvStore} uses when the database has it. */
interface KvManyLike {
  getMany(keys: KvKey[]): Promise<{ value: unknown; versionstamp: string | null }[]>;
}
