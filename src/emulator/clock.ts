/** The furthest the clock may run ahead of real time: 100 years, in ms. */
export const MAX_CLOCK_OFFSET_MS = 100 * 365 * 86_400_000;

/** What {@linkcode EmulatorClock.state} gives and {@linkcode EmulatorClock.restore} takes. */
export interface ClockState {
  /** How far ahead of real time the clock is, ms. */
  offset_ms: number;
  /** How many times it went back to real time. */
  epoch: number;
  /** Real time (epoch ms) when it last went back, 0 if never. */
  went_back_at: number;
}

/**
 * The emulator's clock: real time plus an offset that tests (and the UI) move forward, and that
 * {@linkcode EmulatorClock.reset} puts back to zero. The emulator keeps its state in its store, so
 * that an emulator restarted on the same Deno KV file keeps the same time.
 *
 * @example
 * ```ts
 * import { EmulatorClock } from "@cirtusai/sdk/emulator";
 * const clock = new EmulatorClock();
 * clock.advance(6 * 60_000); // six minutes later
 * console.log(clock.offset); // 360000
 * clock.reset(); // back to real time
 * ```
 */
export class EmulatorClock {
  #offset = 0;
  #epoch = 0;
  #wentBackAt = 0;
  readonly #listeners: ((state: ClockState) => void)[] = [];

  /** Epoch milliseconds, as the emulator sees it. */
  now(): number {
    return Date.now() + this.#offset;
  }

  /** How far ahead of real time the clock is, in ms (0: real time). */
  get offset(): number {
    return this.#offset;
  }

  /** How many times the clock went back to real time (see {@linkcode EmulatorClock.reset}). */
  get epoch(): number {
    return this.#epoch;
  }

  /** Real time (epoch ms) when the clock last went back, 0 if it never did. */
  get wentBackAt(): number {
    return this.#wentBackAt;
  }

  /** Moves the clock forward by `ms` (never backwards, at most 100 years ahead); the new time. */
  advance(ms: number): number {
    if (!(ms >= 0) || !(this.#offset + ms <= MAX_CLOCK_OFFSET_MS)) {
      throw new RangeError("the clock only moves forward, to at most 100 years ahead of real time");
    }
    if (ms > 0) {
      this.#offset += ms;
      this.#changed();
    }
    return this.now();
  }

  /**
   * Back to real time. Time steps that were used ahead of it (TOTP codes) are forgotten by the
   * emulator from here on, so that real authenticators work again at once.
   */
  reset(): void {
    if (this.#offset === 0) return;
    this.#offset = 0;
    this.#epoch++;
    this.#wentBackAt = Date.now();
    this.#changed();
  }

  /** The clock's state, to keep. */
  state(): ClockState {
    return { offset_ms: this.#offset, epoch: this.#epoch, went_back_at: this.#wentBackAt };
  }

  /** Takes a kept state back (an emulator restarted on the same data); listeners are not told. */
  restore(state: ClockState): void {
    const ok = (n: unknown): n is number => typeof n === "number" && Number.isFinite(n) && n >= 0;
    if (
      !ok(state.offset_ms) || !ok(state.epoch) || !ok(state.went_back_at) ||
      state.offset_ms > MAX_CLOCK_OFFSET_MS
    ) {
      throw new RangeError("not a clock state: offset_ms, epoch and went_back_at are numbers ≥ 0");
    }
    this.#offset = state.offset_ms;
    this.#epoch = state.epoch;
    this.#wentBackAt = state.went_back_at;
  }

  /** Calls `listener` with the new state whenever the clock is advanced or reset. */
  onChange(listener: (state: ClockState) => void): void {
    this.#listeners.push(listener);
  }

  #changed(): void {
    const state = this.state();
    for (const listener of this.#listeners) listener(state);
  }
}
