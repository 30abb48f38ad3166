/**
 * Upstream timeouts by the window. Every exchange that starts within the same short window of time
 * runs under one shared abort signal, which fires once the last exchange of the window has had its
 * whole timeout: each exchange gets at least `timeout`, and at most `timeout` plus one window (a
 * tenth of the timeout, at most a second).
 *
 * Why not a controller per exchange: in Deno an AbortController costs about 2 µs, a good share of
 * the proxy's own work on a call. A window costs one controller and one timer, shared by every call
 * that starts in it. The signal fires when its window's time is up whether or not its exchanges
 * are done: aborting a finished fetch does nothing, and a body still streaming by then may be cut.
 *
 * Where timers and signals belong to the request that made them (Cloudflare Workers), nothing can
 * be shared between the exchanges of different requests: there each exchange is a window of its
 * own, with its own timeout signal.
 *
 * @module
 */
import { requestScopedTimers } from "../sdk/request_scope.ts";

/** The signal an exchange runs under. */
export interface TimeoutWindow {
  /**
   * Aborted (with a `TimeoutError`) when the window's time is up; undefined when there is no
   * timeout. (Deno's fetch remembers every signal that follows a given one until that one goes,
   * so a signal shared forever would grow without end.)
   */
  readonly signal: AbortSignal | undefined;
  /** Set once the window's time is up. */
  readonly expired: boolean;
}

const MAX_WIDTH_MS = 1000;
// setTimeout's longest delay (about 24.8 days); a longer timeout is no timeout in practice.
const MAX_DELAY_MS = 2 ** 31 - 1;

interface OpenWindow extends TimeoutWindow {
  readonly signal: AbortSignal;
  expired: boolean;
  /** The clock's time from which calls go to the next window. */
  readonly closesAt: number;
}

/** Hands out the shared timeout signal of the current window. */
export class TimeoutWindows {
  readonly #timeout: number;
  readonly #width: number;
  readonly #perCall: boolean;
  readonly #now: () => number;
  #current: OpenWindow | undefined;
  static readonly #none: TimeoutWindow = { signal: undefined, expired: false };

  /**
   * `timeout` in ms, for every exchange; `Infinity` (or beyond about 24 days): none. `perCall`: a
   * window for each exchange; by default only where timers and signals are request-scoped. `now`:
   * the clock windows close by, in ms (default `performance.now`; tests pass their own).
   */
  constructor(timeout: number, options: { perCall?: boolean; now?: () => number } = {}) {
    this.#timeout = timeout + MAX_WIDTH_MS > MAX_DELAY_MS ? Infinity : timeout;
    this.#width = Math.min(MAX_WIDTH_MS, Math.max(1, timeout / 10));
    this.#perCall = options.perCall ?? requestScopedTimers();
    this.#now = options.now ?? (() => performance.now());
  }

  /** The window that an exchange starting now belongs to. */
  current(): TimeoutWindow {
    if (this.#timeout === Infinity) return TimeoutWindows.#none;
    if (this.#perCall) {
      const signal = AbortSignal.timeout(Math.ceil(this.#timeout));
      return {
        signal,
        get expired() {
          return signal.aborted;
        },
      };
    }
    const window = this.#current;
    if (window !== undefined && this.#now() < window.closesAt) return window;
    return this.#open();
  }

  #open(): OpenWindow {
    const controller = new AbortController();
    const window: OpenWindow = {
      signal: controller.signal,
      expired: false,
      closesAt: this.#now() + this.#width,
    };
    const timer: ReturnType<typeof setTimeout> & { unref?: () => void } = setTimeout(() => {
      window.expired = true;
      controller.abort(new DOMException("Upstream timed out", "TimeoutError"));
    }, Math.ceil(this.#width + this.#timeout));
    // A fetch in flight holds the process open by itself; the timer must not, once all are done.
    timer.unref?.();
    return this.#current = window;
  }
}
