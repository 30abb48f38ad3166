/**
 * The emulator's storage interface and its in-memory adapter. Keys are arrays, as in Deno KV.
 *
 * Every API operation is one atomic step: {@linkcode transact} runs a function that reads through
 * a {@linkcode Txn} (each read remembers the entry's version) and queues writes; the writes are
 * committed together only if nothing it read has changed since, else the function runs again (a
 * bounded number of times). On Deno KV that is one `atomic()` commit with a check per read; in
 * memory, the same checks against per-entry versions, applied in one synchronous step.
 *
 * @module
 */
import { checkCommit } from "./record_size.ts";

export { RecordTooLargeError } from "./record_size.ts";

/** A storage key: a path of parts. */
export type Key = readonly (string | number)[];

/** One stored entry. */
export interface Entry<T> {
  /** Its key. */
  key: Key;
  /** Its value. */
  value: T;
}

/** A value and the version it was read at (null: absent). */
export interface Versioned<T> {
  /** The value, or null when absent. */
  value: T | null;
  /** An opaque version, or null when absent. */
  version: string | null;
}

/** An entry of a listing, with its version. */
export interface VersionedEntry<T> extends Entry<T> {
  /** An opaque version. */
  version: string;
}

/** A queued write of a transaction. */
export type Mutation =
  | { type: "set"; key: Key; value: unknown; expireIn?: number }
  | { type: "delete"; key: Key };

/** The version a commit expects a key to still have (null: still absent). */
export interface Check {
  /** The key. */
  key: Key;
  /** The version it was read at. */
  version: string | null;
}

/** Storage behind the emulator. */
export interface Store {
  /** The value at `key` and its version. */
  read<T>(key: Key): Promise<Versioned<T>>;
  /**
   * Several values at once, in the order of `keys` (one round trip where the store can; optional:
   * {@linkcode readMany} falls back to one `read` per key).
   */
  readMany?(keys: Key[]): Promise<Versioned<unknown>[]>;
  /** Every entry whose key starts with `prefix`, in key order, with versions. */
  scan<T>(prefix: Key): Promise<VersionedEntry<T>[]>;
  /**
   * Applies `mutations` together if every check still holds; false (and nothing written) when one
   * does not. `expireIn` (ms) lets the store forget an entry once it can no longer be of use. A
   * value or key beyond what the store can hold throws a {@linkcode RecordTooLargeError} before
   * anything is written.
   */
  commit(checks: Check[], mutations: Mutation[]): Promise<boolean>;
  /** Removes everything. */
  clear(): Promise<void>;
  /** Releases resources. */
  close(): void;
}

/** What a transaction reads through and writes to. */
export interface Txn {
  /** The value at `key` (the commit checks it is unchanged). */
  get<T>(key: Key): Promise<T | null>;
  /** The entries under `prefix` (the commit checks each is unchanged). */
  list<T>(prefix: Key): Promise<Entry<T>[]>;
  /** Queues a write; `expireIn` in ms. */
  set(key: Key, value: unknown, options?: { expireIn?: number }): void;
  /** Queues a removal. */
  delete(key: Key): void;
}

/** Thrown when a transaction kept conflicting with other writes. */
export class StoreBusyError extends Error {
  /** Creates the error. */
  constructor() {
    super("storage is busy: the operation kept conflicting with concurrent writes");
  }
}

const MAX_ATTEMPTS = 32;

/**
 * Runs `fn` as one atomic step on `store`: its writes land together, and only if nothing it read
 * changed meanwhile; otherwise it runs again, at most 32 times ({@linkcode StoreBusyError}).
 *
 * @example
 * ```ts
 * import { MemoryStore, transact } from "@cirtusai/sdk/emulator";
 * const store = new MemoryStore();
 * await transact(store, async (tx) => {
 *   const n = (await tx.get<number>(["counter"])) ?? 0;
 *   tx.set(["counter"], n + 1);
 * });
 * ```
 */
export async function transact<R>(store: Store, fn: (tx: Txn) => Promise<R>): Promise<R> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const checks: Check[] = [];
    const mutations: Mutation[] = [];
    const result = await fn({
      async get<T>(key: Key) {
        const read = await store.read<T>(key);
        checks.push({ key, version: read.version });
        return read.value;
      },
      async list<T>(prefix: Key) {
        const entries = await store.scan<T>(prefix);
        for (const e of entries) checks.push({ key: e.key, version: e.version });
        return entries;
      },
      set(key, value, options) {
        mutations.push({ type: "set", key, value, expireIn: options?.expireIn });
      },
      delete(key) {
        mutations.push({ type: "delete", key });
      },
    });
    if (mutations.length === 0 || await store.commit(checks, mutations)) return result;
    // Someone else wrote what we read: back off a little, by chance, and read again.
    await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(2 ** attempt, 50)));
  }
  throw new StoreBusyError();
}

/** Reads several values outside a transaction, in one round trip where the store can. */
export async function readMany(store: Store, keys: Key[]): Promise<Versioned<unknown>[]> {
  if (store.readMany) return await store.readMany(keys);
  return await Promise.all(keys.map((key) => store.read(key)));
}

/** Reads one value outside a transaction. */
export async function getValue<T>(store: Store, key: Key): Promise<T | null> {
  return (await store.read<T>(key)).value;
}

type Part = string | number;

interface Node {
  value?: unknown;
  version?: number;
  /** When the entry may be forgotten (the store's clock, ms), if ever. */
  expiresAt?: number;
  /**
   * Its children: one as a pair (the common case under a user's id: a user's one agent, one
   * DID), more in a map. A map costs about 300 bytes even for one entry.
   */
  children?: [Part, Node] | Map<Part, Node>;
}

function childOf(node: Node, part: Part): Node | undefined {
  const c = node.children;
  if (c === undefined) return undefined;
  if (Array.isArray(c)) return c[0] === part ? c[1] : undefined;
  return c.get(part);
}

function addChild(node: Node, part: Part, child: Node): void {
  const c = node.children;
  if (c === undefined) node.children = [part, child];
  else if (Array.isArray(c)) node.children = new Map([c, [part, child]]);
  else c.set(part, child);
}

function removeChild(node: Node, part: Part): void {
  const c = node.children;
  if (Array.isArray(c)) {
    if (c[0] === part) delete node.children;
  } else if (c) {
    c.delete(part);
    if (c.size === 0) delete node.children;
  }
}

/** A node's children in key order. */
function sortedChildren(node: Node): [Part, Node][] {
  const c = node.children;
  if (c === undefined) return [];
  if (Array.isArray(c)) return [c];
  return [...c].sort((a, b) => compareParts(a[0], b[0]));
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

function compareParts(a: Part, b: Part): number {
  // Deno KV's order: numbers before strings, each in its natural order.
  if (typeof a !== typeof b) return typeof a === "number" ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Expired entries removed per read at most: the sweep costs per expired entry, in slices. */
const SWEEP_BUDGET = 64;

/**
 * Keeps everything in memory, in a tree keyed by the parts of each key, so that a listing costs
 * what it returns, never what the store holds. Values are copied in once and frozen; reads hand
 * out the frozen value itself, not a copy. Entries with an expiry are hidden once the store's
 * clock passes it (the emulator's clock, so that tests that move it see expired entries go) and
 * removed soon after: an index by the second they expire, swept a slice at a time by the reads
 * that come after, so that expiry costs per expired entry, never a walk of the live ones.
 *
 * @example
 * ```ts
 * import { MemoryStore, transact } from "@cirtusai/sdk/emulator";
 * const store = new MemoryStore();
 * await transact(store, (tx) => Promise.resolve(tx.set(["users", "u1"], { name: "ada" })));
 * ```
 */
export class MemoryStore implements Store {
  #root: Node = {};
  #version = 0;
  readonly #now: () => number;
  /** Entries with an expiry, by the second it falls in (the key, to remove the entry by). */
  #buckets = new Map<number, Map<Node, Key>>();
  /** The seconds of `#buckets`, a binary min-heap. */
  #seconds: number[] = [];
  /**
   * Where the sweep stopped in the oldest second's bucket: a map's iterator goes on past what
   * was removed meanwhile, where a new one would walk every removed slot again from the start.
   */
  #cursor?: { second: number; keys: IterableIterator<Key> };

  /** Creates an empty store; `now` is its clock (default `Date.now`). */
  constructor(options: { now?: () => number } = {}) {
    this.#now = options.now ?? Date.now;
  }

  /** The value at `key` and its version. */
  read<T>(key: Key): Promise<Versioned<T>> {
    this.#sweep();
    return Promise.resolve(this.#readNow<T>(key));
  }

  /** Several values at once, in the order of `keys`. */
  readMany(keys: Key[]): Promise<Versioned<unknown>[]> {
    this.#sweep();
    return Promise.resolve(keys.map((key) => this.#readNow(key)));
  }

  /** Every entry under `prefix`, in key order. */
  scan<T>(prefix: Key): Promise<VersionedEntry<T>[]> {
    this.#sweep();
    const out: VersionedEntry<T>[] = [];
    const walk = (node: Node, key: Part[]) => {
      for (const [part, child] of sortedChildren(node)) {
        const childKey = [...key, part];
        if (child.version !== undefined && !this.#expired(child)) {
          out.push({ key: childKey, value: child.value as T, version: String(child.version) });
        }
        walk(child, childKey);
      }
    };
    const start = this.#find(prefix);
    if (start) walk(start, [...prefix]);
    return Promise.resolve(out);
  }

  /** Applies the mutations in one synchronous step if every check holds. */
  commit(checks: Check[], mutations: Mutation[]): Promise<boolean> {
    try {
      checkCommit(checks, mutations);
    } catch (err) {
      return Promise.reject(err);
    }
    for (const { key, version } of checks) {
      if (this.#readNow(key).version !== version) return Promise.resolve(false);
    }
    const version = ++this.#version;
    for (const m of mutations) {
      if (m.type === "delete") {
        this.#remove(m.key);
        continue;
      }
      const node = this.#find(m.key, true)!;
      node.value = deepFreeze(structuredClone(m.value));
      node.version = version;
      this.#unindex(node);
      if (m.expireIn !== undefined) {
        node.expiresAt = this.#now() + m.expireIn;
        this.#index(node, m.key);
      }
    }
    return Promise.resolve(true);
  }

  /** Removes everything. */
  clear(): Promise<void> {
    this.#root = {};
    this.#buckets.clear();
    this.#seconds = [];
    this.#cursor = undefined;
    return Promise.resolve();
  }

  /** Nothing to release. */
  close(): void {}

  /** How many entries are kept, expired ones not yet swept included (for tests). */
  get size(): number {
    let n = 0;
    const walk = (node: Node) => {
      if (node.version !== undefined) n++;
      for (const [, child] of sortedChildren(node)) walk(child);
    };
    walk(this.#root);
    return n;
  }

  #readNow<T>(key: Key): Versioned<T> {
    const node = this.#find(key);
    return node?.version === undefined || this.#expired(node)
      ? { value: null, version: null }
      : { value: node.value as T, version: String(node.version) };
  }

  #expired(node: Node): boolean {
    return node.expiresAt !== undefined && node.expiresAt <= this.#now();
  }

  #find(key: Key, create = false): Node | undefined {
    let node = this.#root;
    for (const part of key) {
      let child = childOf(node, part);
      if (!child) {
        if (!create) return undefined;
        child = {};
        addChild(node, part, child);
      }
      node = child;
    }
    return node;
  }

  #remove(key: Key): void {
    const path: Node[] = [this.#root];
    for (const part of key) {
      const child = childOf(path[path.length - 1], part);
      if (!child) return;
      path.push(child);
    }
    const node = path[path.length - 1];
    this.#unindex(node);
    delete node.value;
    delete node.version;
    // Prune empty branches, so that the tree never outgrows what it holds.
    for (let i = key.length; i > 0; i--) {
      const n = path[i];
      if (n.version !== undefined || n.children) break;
      removeChild(path[i - 1], key[i - 1]);
    }
  }

  #index(node: Node, key: Key): void {
    const second = Math.floor(node.expiresAt! / 1000);
    let bucket = this.#buckets.get(second);
    if (!bucket) {
      this.#buckets.set(second, bucket = new Map());
      heapPush(this.#seconds, second);
    }
    bucket.set(node, key);
  }

  #unindex(node: Node): void {
    if (node.expiresAt === undefined) return;
    this.#buckets.get(Math.floor(node.expiresAt / 1000))?.delete(node);
    delete node.expiresAt;
  }

  /** Removes up to {@linkcode SWEEP_BUDGET} entries of the seconds the clock has passed. */
  #sweep(): void {
    const seconds = this.#seconds;
    if (seconds.length === 0) return;
    const now = this.#now();
    let budget = SWEEP_BUDGET;
    while (seconds.length && (seconds[0] + 1) * 1000 <= now) {
      const second = seconds[0];
      if (this.#cursor?.second !== second) {
        this.#cursor = { second, keys: (this.#buckets.get(second) ?? new Map()).values() };
      }
      for (;;) {
        if (budget === 0) return;
        const next = this.#cursor.keys.next();
        if (next.done) break;
        budget--;
        this.#remove(next.value);
      }
      this.#buckets.delete(second);
      heapPop(seconds);
      this.#cursor = undefined;
    }
  }
}

function heapPush(heap: number[], value: number): void {
  let i = heap.push(value) - 1;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (heap[parent] <= value) break;
    heap[i] = heap[parent];
    i = parent;
  }
  heap[i] = value;
}

function heapPop(heap: number[]): void {
  const last = heap.pop()!;
  if (heap.length === 0) return;
  let i = 0;
  for (;;) {
    let child = 2 * i + 1;
    if (child >= heap.length) break;
    if (child + 1 < heap.length && heap[child + 1] < heap[child]) child++;
    if (heap[child] >= last) break;
    heap[i] = heap[child];
    i = child;
  }
  heap[i] = last;
}

/** Writes one value outside a larger transaction; `expireIn` in ms. */
export async function setValue(
  store: Store,
  key: Key,
  value: unknown,
  options?: { expireIn?: number },
): Promise<void> {
  await store.commit([], [{ type: "set", key, value, expireIn: options?.expireIn }]);
}

/** Removes one value. */
export async function deleteValue(store: Store, key: Key): Promise<void> {
  await store.commit([], [{ type: "delete", key }]);
}

/**
 * Replaces the value at `key` by `fn(current)` atomically (null deletes it, `undefined` leaves it
 * as it is); returns both. `expireIn` (ms) applies to the new value.
 */
export async function updateValue<T>(
  store: Store,
  key: Key,
  fn: (current: T | null) => T | null | undefined,
  options?: { expireIn?: number },
): Promise<{ before: T | null; after: T | null }> {
  return await transact(store, async (tx) => {
    const before = await tx.get<T>(key);
    const after = fn(before);
    if (after === undefined) return { before, after: before };
    if (after === null) {
      if (before !== null) tx.delete(key);
    } else tx.set(key, after, options);
    return { before, after };
  });
}
