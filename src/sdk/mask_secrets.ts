/**
 * Which values of a stored configuration are secret, and how they are masked: one rule for the
 * emulator's answers and UI, and for the agent tools' results (where a real server's secret, sent
 * in clear, must never reach a model). Dependency-free and outside the SDK's bundle: `mod.ts` does
 * not import it.
 *
 * @module
 */

/** Keys whose values are secret: any key holding one of these words, at any depth. */
export const SECRET_KEY: RegExp =
  /pass|pwd|secret|token|key|credential|authori[sz]ation|cookie|private|mnemonic|seed/i;

/** What a secret value is replaced by. */
export const MASK = "********";

/**
 * `value` with every value held under a secret key ({@linkcode SECRET_KEY}: `password`, `pwd`,
 * `api_key`, `oauth_token`, `cookie`, ...) replaced by {@linkcode MASK}, at any depth: a string
 * or a number, and an array or an object whole. A null stays null (there is nothing to hide).
 *
 * @example
 * ```ts
 * import { maskSecrets } from "./mask_secrets.ts";
 * maskSecrets({ imap: { host: "mail", pwd: "hunter2", auth: { password: ["hunter2"] } } });
 * // { imap: { host: "mail", pwd: "********", auth: { password: "********" } } }
 * ```
 */
export function maskSecrets<T>(value: T): T {
  if (Array.isArray(value)) return value.map(maskSecrets) as T;
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map((
      [k, v],
    ) => [k, SECRET_KEY.test(k) && v !== null ? MASK : maskSecrets(v)]),
  ) as T;
}
