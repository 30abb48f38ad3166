/**
 * The emulator's storage interface and its in-memory adapter. Keys are arrays, as in Deno KV.
 *
 * @module
 */

/** A storage key: a path of parts. */
export type Key = readonly (string | number)[];

/** One stored entry. */
export interface Entry<T> {
  /** Its key. */
  key: Key;
  /** Its value. */
  value: T;
}

/**
 * Storage behind the emulator. `update` is atomic: the function sees the current value and its
 * result is written only if nothing changed in between.
 */
export interface Store {
  /** The value at `key`, or null. */
  get<T>(key: Key): Promise<T | null>;
  /** Writes `value` at `key`. */
  set(key: Key, value: unknown): Promise<void>;
  /** Removes `key`. */
  delete(key: Key): Promise<void>;
  /** Every entry whose key starts with `prefix`, in key order. */
  list<T>(prefix: Key): Promise<Entry<T>[]>;
  /** Atomically replaces the value at `key` by `fn(current)` (null deletes); returns both. */
  update<T>(
    key: Key,
    fn: (current: T | null) => T | null,
  ): Promise<{ before: T | null; after: T | null }>;
  /** Removes everything. */
  clear(): Promise<void>;
  /** Releases resources. */
  close(): void;
}

const SEP = "\u0000";

function encodeKey(key: Key): string {
  return key.map((part) => `${typeof part === "number" ? "n" : "s"}${part}`).join(SEP);
}

/**
 * Keeps everything in a Map (values are copied in and out, so callers cannot alias them).
 *
 * @example
 * ```ts
 * import { MemoryStore } from "@cirtusai/sdk/emulator";
 * const store = new MemoryStore();
 * await store.set(["users", "u1"], { name: "ada" });
 * ```
 */
export class MemoryStore implements Store {
  readonly #map = new Map<string, { key: Key; value: unknown }>();

  /** The value at `key`, or null. */
  get<T>(key: Key): Promise<T | null> {
    const entry = this.#map.get(encodeKey(key));
    return Promise.resolve(entry ? structuredClone(entry.value) as T : null);
  }

  /** Writes `value` at `key`. */
  set(key: Key, value: unknown): Promise<void> {
    this.#map.set(encodeKey(key), { key: [...key], value: structuredClone(value) });
    return Promise.resolve();
  }

  /** Removes `key`. */
  delete(key: Key): Promise<void> {
    this.#map.delete(encodeKey(key));
    return Promise.resolve();
  }

  /** Every entry under `prefix`, in key order. */
  list<T>(prefix: Key): Promise<Entry<T>[]> {
    const start = encodeKey(prefix) + SEP;
    const found: [string, Entry<T>][] = [];
    for (const [k, entry] of this.#map) {
      if (k.startsWith(start)) {
        found.push([k, { key: entry.key, value: structuredClone(entry.value) as T }]);
      }
    }
    found.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return Promise.resolve(found.map(([, e]) => e));
  }

  /** Atomic: nothing else runs between the read and the write. */
  update<T>(
    key: Key,
    fn: (current: T | null) => T | null,
  ): Promise<{ before: T | null; after: T | null }> {
    const k = encodeKey(key);
    const current = this.#map.get(k);
    const before = current ? structuredClone(current.value) as T : null;
    const after = fn(before === null ? null : structuredClone(before));
    if (after === null) this.#map.delete(k);
    else this.#map.set(k, { key: [...key], value: structuredClone(after) });
    return Promise.resolve({ before, after });
  }

  /** Removes everything. */
  clear(): Promise<void> {
    this.#map.clear();
    return Promise.resolve();
  }

  /** Nothing to release. */
  close(): void {}
}
