/**
 * Durations in words, as people read them: "45 s", "29 min", "2 h 5 min", "3 days".
 *
 * @module
 */

/**
 * `seconds` in words. A wait rounds up (`{ up: true }`: "try again in 12 min" is never too
 * early); what is left of a validity rounds down ("expires in 29 min" is never too late).
 *
 * @example
 * ```ts
 * import { inWords } from "./duration.ts";
 * inWords(1792); // "29 min"
 * inWords(700, { up: true }); // "12 min"
 * ```
 */
export function inWords(seconds: number, options: { up?: boolean } = {}): string {
  const round = options.up ? Math.ceil : Math.floor;
  const s = Math.max(0, seconds);
  if (s < 60) return `${Math.max(options.up ? 1 : 0, round(s))} s`;
  if (s < 3600) return `${round(s / 60)} min`;
  if (s < 86_400) {
    const minutes = round(s / 60);
    const h = Math.floor(minutes / 60);
    const m = minutes % 60;
    return m ? `${h} h ${m} min` : `${h} h`;
  }
  const days = round(s / 86_400);
  return days === 1 ? "1 day" : `${days} days`;
}
