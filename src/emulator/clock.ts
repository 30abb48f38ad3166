/**
 * The emulator's clock: real time plus an offset that tests move forward.
 *
 * @example
 * ```ts
 * import { EmulatorClock } from "@cirtusai/sdk/emulator";
 * const clock = new EmulatorClock();
 * clock.advance(6 * 60_000); // six minutes later
 * ```
 */
export class EmulatorClock {
  #offset = 0;

  /** Epoch milliseconds, as the emulator sees it. */
  now(): number {
    return Date.now() + this.#offset;
  }

  /** Moves the clock forward by `ms` (never backwards). */
  advance(ms: number): number {
    if (!(ms >= 0)) throw new RangeError("the clock only moves forward");
    this.#offset += ms;
    return this.now();
  }

  /** Back to real time. */
  reset(): void {
    this.#offset = 0;
  }
}
