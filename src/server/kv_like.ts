/**
 * The part of `Deno.Kv` the emulator's and the proxy's stores use, spelt out so that the
 * package's types need no Deno declarations (a `Deno.Kv` is one of these).
 *
 * @module
 */

/** A key of {@linkcode KvLike}. */
export type KvKey = readonly (string | number)[];

/** One atomic operation of {@linkcode KvLike}. */
export interface KvAtomicLike {
  /** Fails the commit unless `key` still has `versionstamp` (null: absent). */
  check(check: { key: KvKey; versionstamp: string | null }): KvAtomicLike;
  /** Queues a write. */
  set(key: KvKey, value: unknown, options?: { expireIn?: number }): KvAtomicLike;
  /** Queues a removal. */
  delete(key: KvKey): KvAtomicLike;
  /** Queues an addition to a 64-bit counter (`Deno.KvU64`), which never conflicts. */
  sum(key: KvKey, n: bigint): KvAtomicLike;
  /** Commits. */
  commit(): Promise<{ ok: boolean }>;
}

/**
 * The part of `Deno.Kv` the store uses, spelt out so that the package's types need no Deno
 * declarations (a `Deno.Kv` is one).
 */
export interface KvLike {
  /** One entry. */
  get<T>(key: KvKey): Promise<{ value: T | null; versionstamp: string | null }>;
  /** Entries under a prefix. */
  list<T>(
    selector: { prefix: KvKey },
  ): AsyncIterable<{ key: readonly unknown[]; value: T; versionstamp: string }>;
  /** Starts an atomic operation. */
  atomic(): KvAtomicLike;
  /** Removes one entry. */
  delete(key: KvKey): Promise<void>;
  /** Closes the database. */
  close(): void;
}
