/**
 * A lock shared by processes: a lock file created exclusively, holding its owner's process id,
 * host and a random token. The holder touches it every second while it holds it, so a live
 * holder's lock is never judged stale however long its work takes; a lock whose process is gone
 * (on this host), or that has not been touched for 5 s, was left by a holder that died and is
 * taken over at once.
 *
 * Taking over is never check-then-remove: breakers first take a second lock (`<lock>.break`), so
 * that one at a time looks again, then judges the lock through a second name (a hard link) where
 * it lies, and moves it aside and removes it only if it is the very lock it judged stale. A live
 * holder's lock is never moved, so its name is never free for a third process to take. So two
 * processes that both found the same stale lock never both end up holding the lock.
 *
 * A hold is reentrant per call, not per process: a call made inside `fn` (and whatever it starts)
 * holds the lock already, while any other call of the same process waits for it like another
 * process's would.
 *
 * @module
 */
import { sys } from "./runtime.ts";
import { CliError } from "./errors.ts";
import type { AsyncLocalStorage } from "node:async_hooks";

/** A hold of one lock file, seen by the calls made inside it until it ends. */
interface Hold {
  path: string;
  live: boolean;
}
/** The holds of the running call, loaded by the first hold (`node:` modules cost Deno start-up). */
let holds: AsyncLocalStorage<Hold[]> | undefined;

/** How often a holder touches its lock file. */
const HEARTBEAT_MS = 1_000;
/** A lock file untouched for this long was left by a holder that died. */
export const STALE_LOCK_MS = 5_000;
/** A breaker holds `<lock>.break` for milliseconds; one older than this was left by a crash. */
const STALE_BREAK_MS = 2_000;
/** How long to wait for a live holder by default. */
const DEFAULT_WAIT_MS = 60_000;

/** What a lock file says of its holder. */
export interface LockHolder {
  pid?: number;
  host?: string;
  token?: string;
}

/** Options of {@linkcode FileLock.hold}. */
export interface HoldOptions {
  /** How long to wait for another holder, in ms (default 60 s). */
  waitMs?: number;
  /** Called once when the lock is busy and the caller starts to wait; returns a "done" callback. */
  onWait?: (holder: LockHolder) => () => void;
}

interface Seen {
  text: string;
  age: number;
}

function holderOf(text: string): LockHolder {
  try {
    const value = JSON.parse(text);
    return typeof value === "object" && value !== null ? value : {};
  } catch {
    return {}; // an empty file (an older CLI's lock, or one being written) names no one
  }
}

async function look(path: string): Promise<Seen | null> {
  try {
    const text = await sys.readTextFile(path);
    const age = await sys.age(path);
    return age === null ? null : { text, age };
  } catch (err) {
    if (sys.isNotFound(err)) return null;
    throw err;
  }
}

/** Whether the lock's holder is gone: its process has ended, or it stopped touching the file. */
function stale(seen: Seen, staleMs: number): boolean {
  if (seen.age > staleMs) return true;
  const { pid, host } = holderOf(seen.text);
  return typeof pid === "number" && Boolean(host) && host === sys.hostname() && pid !== sys.pid &&
    !sys.processAlive(pid);
}

/**
 * Removes the file at `path` only if it is still `expected`; returns whether it did. It is judged
 * through a second name (a hard link) where it lies, so a file that is not `expected` (a live
 * holder's lock) is never moved: moved aside, its name would be free for another process to take
 * before it could be put back. Only the file judged is then moved aside and removed; should it be
 * replaced in the instant between (another breaker), what was moved goes back, and it is removed
 * only if it is stale itself.
 */
async function removeIfSame(path: string, expected: string, staleMs: number): Promise<boolean> {
  const name = `${path}.${crypto.randomUUID().slice(0, 8)}`;
  const probe = `${name}.probe`;
  try {
    if (!(await sys.link(path, probe))) return false;
  } catch (err) {
    if (sys.isNotFound(err)) return false;
    throw err;
  }
  try {
    if ((await sys.readTextFile(probe).catch(() => null)) !== expected) return false;
  } finally {
    await sys.remove(probe).catch(() => {});
  }
  const aside = `${name}.stale`;
  try {
    await sys.rename(path, aside);
  } catch (err) {
    if (sys.isNotFound(err)) return false;
    throw err;
  }
  const moved = await look(aside);
  if (moved === null) return false;
  if (moved.text !== expected) {
    const back = await sys.link(aside, path).catch(() => false);
    if (!back && !stale(moved, staleMs)) return false; // a live lock is left aside, never removed
  }
  await sys.remove(aside).catch(() => {});
  return moved.text === expected;
}

async function removeIfMine(path: string, mine: string): Promise<void> {
  if ((await sys.readTextFile(path).catch(() => null)) === mine) {
    await sys.remove(path).catch(() => {});
  }
}

/**
 * An inter-process lock on a lock file (see the module's documentation).
 *
 * @example
 * ```ts
 * import { FileLock } from "./file_lock.ts";
 * const lock = new FileLock("/tmp/example.lock");
 * await lock.hold(async () => {
 *   // one process at a time
 * });
 * ```
 */
export class FileLock {
  /** The lock file. */
  readonly path: string;
  readonly #staleMs: number;

  /** A lock on `path`; `staleMs` is how long an untouched lock file counts as live (5 s). */
  constructor(path: string, options: { staleMs?: number } = {}) {
    this.path = path;
    this.#staleMs = options.staleMs ?? STALE_LOCK_MS;
  }

  /**
   * Runs `fn` holding the lock; waits for another holder at most `waitMs`, then fails. Inside
   * `fn`, a hold of the same lock file runs at once.
   */
  async hold<T>(fn: () => Promise<T>, options: HoldOptions = {}): Promise<T> {
    holds ??= new (await import("node:async_hooks")).AsyncLocalStorage<Hold[]>();
    const outer = holds.getStore() ?? [];
    if (outer.some((h) => h.live && h.path === this.path)) return await fn();
    const mine = JSON.stringify({
      pid: sys.pid,
      host: sys.hostname(),
      token: crypto.randomUUID(),
    });
    const deadline = Date.now() + (options.waitMs ?? DEFAULT_WAIT_MS);
    let waiting: (() => void) | undefined;
    try {
      for (;;) {
        if (await sys.createNew(this.path, 0o600, mine)) break;
        const seen = await look(this.path);
        if (seen === null) continue; // released meanwhile
        if (stale(seen, this.#staleMs) && await this.#breakStale(seen.text, mine)) continue;
        if (Date.now() > deadline) {
          const { pid } = holderOf(seen.text);
          throw new CliError(
            `another cirtusai command${pid ? ` (process ${pid})` : ""} has held ${this.path} ` +
              `for ${Math.round((options.waitMs ?? DEFAULT_WAIT_MS) / 1000)} s; ` +
              "wait for it to finish, or end it",
          );
        }
        waiting ??= options.onWait?.(holderOf(seen.text)) ?? (() => {});
        await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 30));
      }
    } finally {
      waiting?.();
    }
    // Touched while held, so that a long hold is never mistaken for a dead holder's.
    const heartbeat = setInterval(() => void sys.touch(this.path).catch(() => {}), HEARTBEAT_MS);
    const hold: Hold = { path: this.path, live: true };
    try {
      return await holds.run([...outer, hold], fn);
    } finally {
      hold.live = false;
      clearInterval(heartbeat);
      // Removed only if it is still ours (a holder judged dead may have been replaced).
      await removeIfMine(this.path, mine);
    }
  }

  /** Removes the stale lock `judged`, one breaker at a time; true if this call removed it. */
  async #breakStale(judged: string, mine: string): Promise<boolean> {
    const breakPath = `${this.path}.break`;
    if (!(await sys.createNew(breakPath, 0o600, mine))) {
      // Another process is breaking it; a break lock that old was left by one that died.
      const seen = await look(breakPath);
      if (seen && seen.age > STALE_BREAK_MS) {
        await removeIfSame(breakPath, seen.text, STALE_BREAK_MS);
      }
      return false;
    }
    try {
      // Looked at again, by one breaker only: is it still the lock that was judged stale?
      const now = await look(this.path);
      if (now === null || now.text !== judged || !stale(now, this.#staleMs)) return false;
      return await removeIfSame(this.path, judged, this.#staleMs);
    } finally {
      await removeIfMine(breakPath, mine);
    }
  }
}
