/**
 * Login throttling: failed attempts are counted per account and per client in a fixed window;
 * past the limit, login answers 429 with `Retry-After` until the window ends.
 *
 * @module
 */

/** Limits of {@linkcode LoginThrottle}. */
export interface ThrottleOptions {
  /** Failures allowed per account in a window; default 5. */
  perAccount?: number;
  /** Failures allowed per client address in a window; default 20. */
  perClient?: number;
  /** Window length in ms; default 15 minutes. */
  windowMs?: number;
}

interface Window {
  count: number;
  start: number;
}

/** Counts failed logins; all methods take the current time so the emulator's clock drives it. */
export class LoginThrottle {
  readonly #perAccount: number;
  readonly #perClient: number;
  readonly #windowMs: number;
  readonly #windows = new Map<string, Window>();

  /** Creates a throttle with `options`' limits. */
  constructor(options: ThrottleOptions = {}) {
    this.#perAccount = options.perAccount ?? 5;
    this.#perClient = options.perClient ?? 20;
    this.#windowMs = options.windowMs ?? 15 * 60_000;
  }

  /** Seconds to wait when `account` or `client` is locked out, else null. */
  retryAfter(account: string, client: string, now: number): number | null {
    const waits = [
      this.#locked(`a:${account}`, this.#perAccount, now),
      this.#locked(`c:${client}`, this.#perClient, now),
    ].filter((w): w is number => w !== null);
    return waits.length ? Math.max(...waits) : null;
  }

  /** Records a failure. */
  fail(account: string, client: string, now: number): void {
    for (const key of [`a:${account}`, `c:${client}`]) {
      const w = this.#windows.get(key);
      if (!w || now >= w.start + this.#windowMs) this.#windows.set(key, { count: 1, start: now });
      else w.count++;
    }
  }

  /** A successful login clears the account's failures. */
  succeed(account: string): void {
    this.#windows.delete(`a:${account}`);
  }

  /** Forgets everything. */
  clear(): void {
    this.#windows.clear();
  }

  #locked(key: string, limit: number, now: number): number | null {
    const w = this.#windows.get(key);
    if (!w || w.count < limit || now >= w.start + this.#windowMs) return null;
    return Math.ceil((w.start + this.#windowMs - now) / 1000);
  }
}
