/**
 * The login of an unattended service: the edge proxy in service mode and `cirtusai mcp` with a
 * service login from the environment both keep a client logged in as their own account with this,
 * so both wait for the next TOTP step when a restart logs in twice in one, and both pause after a
 * refusal. Outside the SDK's bundle: `mod.ts` does not import it.
 *
 * @module
 */
import type { CirtusAIClient } from "./client.ts";
import { APIError } from "./errors.ts";
import { defaultSleep } from "./sleep.ts";
import { Totp } from "./totp.ts";

/** A service's account: 2FA is mandatory, so the TOTP secret too; or a refresh token only. */
export type ServiceAccount =
  | { username: string; password: string; totpSecret: string }
  | { refreshToken: string };

/** After a refused login (any 4xx), how long attempts fail at once, so the account is not locked. */
export const REFUSAL_PAUSE_MS = 30_000;

/**
 * Whether `err` is the server's refusal of a code that was already used (each code works once).
 *
 * @example
 * ```ts
 * import { codeAlreadyUsed } from "./service_login.ts";
 * codeAlreadyUsed(new Error("This 2FA code has already been used")); // false: not the server's
 * ```
 */
export function codeAlreadyUsed(err: unknown): boolean {
  return err instanceof APIError && err.status < 500 &&
    /already been used/i.test(typeof err.detail === "string" ? err.detail : "");
}

/** Options of {@linkcode serviceLogin}. */
export interface ServiceLoginOptions {
  /** The clock the codes are computed on, epoch ms (default `Date.now`, read at each call). */
  now?: () => number;
  /** Waits for the next TOTP step; default a timer. */
  sleep?: (ms: number) => Promise<void>;
  /** Told of each refusal once, as it happens (for a log line). */
  onRefused?: (err: APIError) => void;
}

/**
 * Returns `renew()`, which gives `client` a new session for `account`: a refresh while it has a
 * refresh token (a new login when that is refused), else a login with the current TOTP code
 * (`loginWith2fa`). Concurrent calls share one attempt. A code already used in this TOTP step (a
 * restarted service logging in again within 30 s) is tried once more at the next step. After a
 * refusal (any 4xx), calls fail at once with the same error for {@linkcode REFUSAL_PAUSE_MS}.
 *
 * @example
 * ```ts
 * import { CirtusAIClient } from "./client.ts";
 * import { serviceLogin } from "./service_login.ts";
 * const client = new CirtusAIClient("http://localhost:8000");
 * const renew = serviceLogin(client, {
 *   username: "bot",
 *   password: "correct horse",
 *   totpSecret: "JBSWY3DPEHPK3PXP",
 * });
 * if (client.token === null) await renew();
 * ```
 */
export function serviceLogin(
  client: CirtusAIClient,
  account: ServiceAccount,
  options: ServiceLoginOptions = {},
): () => Promise<void> {
  const now = options.now ?? (() => Date.now());
  const sleep = options.sleep ?? defaultSleep;
  let totp: Promise<Totp> | undefined;
  let pending: Promise<void> | null = null;
  let refused: { error: unknown; at: number } | null = null;

  async function login(username: string, password: string, secret: string): Promise<void> {
    const key = await (totp ??= Totp.fromSecret(secret));
    const attempt = async () =>
      void await client.auth.loginWith2fa(username, password, await key.generate(now()));
    try {
      await attempt();
    } catch (err) {
      if (!codeAlreadyUsed(err)) throw err;
      await sleep(key.secondsRemaining(now()) * 1000 + 500);
      await attempt();
    }
  }

  async function renew(): Promise<void> {
    if (refused && now() - refused.at < REFUSAL_PAUSE_MS) throw refused.error;
    try {
      if ("refreshToken" in account) {
        await client.auth.refresh(client.refreshToken ?? account.refreshToken);
      } else if (
        !client.refreshToken || !(await client.auth.refresh().then(() => true, () => false))
      ) {
        await login(account.username, account.password, account.totpSecret);
      }
      refused = null;
    } catch (err) {
      if (err instanceof APIError && err.status < 500) {
        refused = { error: err, at: now() };
        options.onRefused?.(err);
      }
      throw err;
    }
  }

  return () => (pending ??= renew().finally(() => (pending = null)));
}
