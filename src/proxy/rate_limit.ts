/**
 * Per-client rate limiting for the proxy, with a pluggable store (memory by default; a KV or
 * Durable Object store for several instances).
 *
 * @module
 */

/** Hits of one key in the current window, and when the window ends (epoch ms). */
export type RateLimitHit = Readonly<{ count: number; resetAt: number }>;

/** Counts hits per key in fixed windows. */
export interface RateLimitStore {
  /** Records a hit for `key`; returns the hits in the current window and when it ends (epoch ms). */
  hit(
    key: string,
    windowMs: number,
  ): Promise<RateLimitHit> | RateLimitHit;
}

/**
 * Keeps counts in memory (one instance, or one isolate on Workers).
 *
 * @example
 * ```ts
 * const store = new MemoryRateLimitStore();
 * store.hit("203.0.113.7", 60_000); // { count: 1, resetAt: ... }
 * ```
 */
export class MemoryRateLimitStore implements RateLimitStore {
  readonly #windows = new Map<string, { count: number; resetAt: number }>();

  hit(key: string, windowMs: number): RateLimitHit {
    const now = Date.now();
    let w = this.#windows.get(key);
    if (!w || now >= w.resetAt) {
      if (this.#windows.size > 10_000) this.#sweep(now);
      w = { count: 0, resetAt: now + windowMs };
      this.#windows.set(key, w);
    }
    w.count++;
    return w; // read-only to the caller: no copy per call
  }

  #sweep(now: number): void {
    for (const [key, w] of this.#windows) if (now >= w.resetAt) this.#windows.delete(key);
  }
}
