/**
 * Deno KV adapter of the emulator's {@linkcode Store}: data survives restarts (`--db PATH`), and on
 * Deno Deploy the same code gets the hosted KV.
 *
 * @module
 */
import type { Entry, Key, Store } from "./store.ts";

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
  readonly #kv: Deno.Kv;

  /** Wraps an open Deno.Kv. */
  constructor(kv: Deno.Kv) {
    this.#kv = kv;
  }

  /** Opens (or creates) the database at `path`; `":memory:"` for a throwaway one. */
  static async open(path?: string): Promise<KvStore> {
    return new KvStore(await Deno.openKv(path));
  }

  /** The value at `key`, or null. */
  async get<T>(key: Key): Promise<T | null> {
    return (await this.#kv.get<T>(key as Deno.KvKey)).value;
  }

  /** Writes `value` at `key`. */
  async set(key: Key, value: unknown): Promise<void> {
    await this.#kv.set(key as Deno.KvKey, value);
  }

  /** Removes `key`. */
  async delete(key: Key): Promise<void> {
    await this.#kv.delete(key as Deno.KvKey);
  }

  /** Every entry under `prefix`, in key order. */
  async list<T>(prefix: Key): Promise<Entry<T>[]> {
    const out: Entry<T>[] = [];
    for await (const entry of this.#kv.list<T>({ prefix: prefix as Deno.KvKey })) {
      out.push({ key: entry.key as Key, value: entry.value });
    }
    return out;
  }

  /** Optimistic: retried until no other write came between the read and the commit. */
  async update<T>(
    key: Key,
    fn: (current: T | null) => T | null,
  ): Promise<{ before: T | null; after: T | null }> {
    for (;;) {
      const current = await this.#kv.get<T>(key as Deno.KvKey);
      const after = fn(current.value === null ? null : structuredClone(current.value));
      const op = this.#kv.atomic().check(current);
      if (after === null) op.delete(key as Deno.KvKey);
      else op.set(key as Deno.KvKey, after);
      if ((await op.commit()).ok) return { before: current.value, after };
    }
  }

  /** Removes everything. */
  async clear(): Promise<void> {
    for await (const entry of this.#kv.list({ prefix: [] })) await this.#kv.delete(entry.key);
  }

  /** Closes the database. */
  close(): void {
    this.#kv.close();
  }
}
