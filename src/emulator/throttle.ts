/**
 * Attempt limits, counted before the thing they guard is checked (so that parallel attempts count
 * too): failed logins per account and per client, wrong second-factor codes per account, SMS codes
 * per account. Each is a fixed window; past its limit the caller answers 429 with `Retry-After`
 * until the window ends. Counting and checking happen in one synchronous step, so no two requests
 * can both see room for one more.
 *
 * @module
 */

/** Limits of {@linkcode LoginThrottle}. */
export interface ThrottleOptions {
  /** Failed logins allowed per account in a window; default 5. */
  perAccount?: number;
  /** Failed logins allowed per client address in a window; default 20. */
  perClient?: number;
  /** Wrong second-factor codes allowed per account in a window; default 10. */
  secondFactorPerAccount?: number;
  /** SMS codes sent per account in a window; default 5. */
  smsPerAccount?: number;
  /** Window length in ms; default 15 minutes. */
  windowMs?: number;
}

interface Window {
  count: number;
  start: number;
}

/** A counted attempt: `wait` seconds when refused, else a `refund` for when it succeeded. */
export type Attempt = { wait: number } | { wait: null; refund: () => void };

/** Counts attempts; all methods take the current time so the emulator's clock drives it. */
export class LoginThrottle {
  readonly #limits: { login: number; client: number; code: number; sms: number };
  readonly #windowMs: number;
  readonly #windows = new Map<string, Window>();
  #sweptAt = 0;

  /** Creates a throttle with `options`' limits. */
  constructor(options: ThrottleOptions = {}) {
    this.#limits = {
      login: options.perAccount ?? 5,
      client: options.perClient ?? 20,
      code: options.secondFactorPerAccount ?? 10,
      sms: options.smsPerAccount ?? 5,
    };
    this.#windowMs = options.windowMs ?? 15 * 60_000;
  }

  /** Counts a login attempt for `account` and `client`, or says how long both must wait. */
  login(account: string, client: string, now: number): Attempt {
    return this.#take(
      [[`a:${account}`, this.#limits.login], [`c:${client}`, this.#limits.client]],
      now,
    );
  }

  /** A right password clears the account's failed logins (never a second-factor lock). */
  loginSucceeded(account: string): void {
    this.#windows.delete(`a:${account}`);
  }

  /** Counts a second-factor attempt of the account `userId`. */
  secondFactor(userId: string, now: number): Attempt {
    return this.#take([[`2fa:${userId}`, this.#limits.code]], now);
  }

  /** Counts an SMS code sent to the account `userId` (never refunded). */
  sms(userId: string, now: number): Attempt {
    return this.#take([[`sms:${userId}`, this.#limits.sms]], now);
  }

  /** Forgets everything. */
  clear(): void {
    this.#windows.clear();
  }

  /** Forgets the windows that start after `now` (the clock went back to real time). */
  forgetFrom(now: number): void {
    for (const [key, w] of this.#windows) if (w.start > now) this.#windows.delete(key);
  }

  /** How many windows are kept (for tests of the sweep). */
  get size(): number {
    return this.#windows.size;
  }

  #take(keys: [key: string, limit: number][], now: number): Attempt {
    this.#sweep(now);
    const waits = keys.map(([key, limit]) => this.#wait(key, limit, now)).filter((w) => w > 0);
    if (waits.length) return { wait: Math.max(...waits) };
    const windows = keys.map(([key]) => {
      const w = this.#windows.get(key);
      if (w && now < w.start + this.#windowMs) {
        w.count++;
        return [key, w] as const;
      }
      const fresh = { count: 1, start: now };
      this.#windows.set(key, fresh);
      return [key, fresh] as const;
    });
    let refunded = false;
    return {
      wait: null,
      refund: () => {
        if (refunded) return;
        refunded = true;
        for (const [key, w] of windows) {
          w.count = Math.max(0, w.count - 1);
          // An empty window counts nothing: not kept (one per account that logged in, else).
          if (w.count === 0 && this.#windows.get(key) === w) this.#windows.delete(key);
        }
      },
    };
  }

  #wait(key: string, limit: number, now: number): number {
    const w = this.#windows.get(key);
    if (!w || w.count < limit || now >= w.start + this.#windowMs) return 0;
    return Math.max(1, Math.ceil((w.start + this.#windowMs - now) / 1000));
  }

  /** Drops windows that have ended, at most once a window, so the map never outgrows its use. */
  #sweep(now: number): void {
    if (now < this.#sweptAt + this.#windowMs) return;
    this.#sweptAt = now;
    for (const [key, w] of this.#windows) {
      if (now >= w.start + this.#windowMs) this.#windows.delete(key);
    }
  }
}
