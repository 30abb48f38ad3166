/**
 * Bounds on what the emulator's stores hold, checked before anything is written. Deno KV refuses a
 * value over 64 KiB and a key over 2 KiB with a `TypeError` at commit; both stores refuse the same
 * records the same way, earlier, with a {@linkcode RecordTooLargeError} that the app answers as a
 * 413, whichever route wrote it.
 *
 * @module
 */
import type { Check, Key, Mutation } from "./store.ts";

/** The most a stored value may take, in bytes of V8's serialization (Deno KV's limit: 65 536). */
export const MAX_VALUE_BYTES = 60_000;
/** The most a key may take, in bytes of Deno KV's encoding (its limit: 2 048). */
export const MAX_KEY_BYTES = 2_000;

/** Thrown by a store's commit when a value or a key is larger than a store may hold. */
export class RecordTooLargeError extends Error {
  /** At least how many bytes the value or key takes. */
  readonly bytes: number;
  /** The limit it passed. */
  readonly limit: number;

  /** Creates the error for a `what` of at least `bytes` bytes. */
  constructor(what: "value" | "key", bytes: number, limit: number) {
    super(
      `The record is too large to store (its ${what} takes more than ${limit} bytes): ` +
        "send less data, such as shorter names, ids, claims or config",
    );
    this.name = "RecordTooLargeError";
    this.bytes = bytes;
    this.limit = limit;
  }
}

/**
 * An upper bound of the bytes V8's serializer (which Deno KV stores) writes for `value`, counted
 * only until it passes `stopAt`. Numbers count 9 (a double), strings 7 plus one byte a code unit
 * when all of them fit in Latin-1, else two; a repeated object counts as a reference.
 */
export function serializedSize(value: unknown, stopAt = Infinity): number {
  let total = 3; // the serializer's header
  const seen = new Set<object>();
  const stack: unknown[] = [value];
  while (stack.length && total <= stopAt) {
    const v = stack.pop();
    switch (typeof v) {
      case "string":
        // A code unit above Latin-1 makes V8 keep (and write) the string two bytes a unit.
        total += 7 + (/[\u0100-\uffff]/.test(v) ? 2 * v.length : v.length);
        continue;
      case "number":
        total += 9;
        continue;
      case "bigint":
        total += 6 + 8 * Math.ceil(v.toString(16).length / 16);
        continue;
      case "object":
        break;
      default:
        total += 1; // undefined, booleans
        continue;
    }
    if (v === null) {
      total += 1;
      continue;
    }
    if (seen.has(v)) {
      total += 6;
      continue;
    }
    seen.add(v);
    if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer) {
      total += 32 + v.byteLength;
    } else if (v instanceof Date) {
      total += 9;
    } else if (Array.isArray(v)) {
      total += 17;
      for (let i = 0; i < v.length; i++) stack.push(v[i]);
    } else {
      total += 7;
      for (const [k, item] of Object.entries(v)) stack.push(k, item);
    }
  }
  return total;
}

/** An upper bound of a key's size in Deno KV's encoding (a tag, the bytes, a terminator). */
export function keySize(key: Key): number {
  let total = 0;
  for (const part of key) {
    if (typeof part === "number") {
      total += 9;
      continue;
    }
    total += 2;
    for (let i = 0; i < part.length; i++) {
      const unit = part.charCodeAt(i);
      // UTF-8 bytes (a surrogate half counts 2, a pair 4); a NUL is escaped to two bytes.
      total += unit === 0
        ? 2
        : unit < 0x80
        ? 1
        : unit < 0x800 || (unit & 0xf800) === 0xd800
        ? 2
        : 3;
    }
  }
  return total;
}

/** The most checks and writes one commit may hold (Deno KV's limits). */
export const MAX_CHECKS = 100;
/** See {@linkcode MAX_CHECKS}. */
export const MAX_MUTATIONS = 1000;

/**
 * Throws {@linkcode RecordTooLargeError} when a write's key or value is beyond the bounds, and a
 * `RangeError` for a commit with more checks or writes than Deno KV takes (a bug of the caller,
 * which must split its work; the memory store refuses it too, so that tests on it find it).
 */
export function checkCommit(checks: readonly Check[], mutations: readonly Mutation[]): void {
  if (checks.length > MAX_CHECKS || mutations.length > MAX_MUTATIONS) {
    throw new RangeError(
      `a commit takes at most ${MAX_CHECKS} checks and ${MAX_MUTATIONS} writes ` +
        `(${checks.length} and ${mutations.length} given)`,
    );
  }
  for (const m of mutations) {
    const keyBytes = keySize(m.key);
    if (keyBytes > MAX_KEY_BYTES) throw new RecordTooLargeError("key", keyBytes, MAX_KEY_BYTES);
    if (m.type !== "set") continue;
    const bytes = serializedSize(m.value, MAX_VALUE_BYTES);
    if (bytes > MAX_VALUE_BYTES) throw new RecordTooLargeError("value", bytes, MAX_VALUE_BYTES);
  }
}
