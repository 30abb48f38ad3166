/**
 * A service login for an unattended agent: username, password and TOTP secret (2FA is
 * mandatory), logged in on the first call that needs the API and again whenever the session
 * ended (a refused refresh). It is a {@linkcode ToolSession} for the agent tools.
 *
 * @module
 */
import type { CirtusAIClient } from "../sdk/client.ts";
import { AuthenticationError, CirtusAIError, TwoFactorAuthenticationError } from "../sdk/errors.ts";
import { Totp } from "../sdk/totp.ts";
import type { ToolSession } from "../tools/tools.ts";

/** The account an agent logs in with. */
export interface ServiceCredentials {
  /** User name or e-mail. */
  username: string;
  /** The password. */
  password: string;
  /** The base32 TOTP secret, from which each login's code is computed. */
  totpSecret: string;
}

/** After a refused login, how long calls fail at once rather than try again (and lock the account). */
const REFUSED_PAUSE_MS = 30_000;

/** Logs `client` in with `credentials` when it has no session, once at a time. */
export class ServiceLogin implements ToolSession {
  readonly #client: CirtusAIClient;
  readonly #credentials: ServiceCredentials;
  readonly #now: () => number;
  readonly #sleep: (ms: number) => Promise<void>;
  #totp: Promise<Totp> | null = null;
  #pending: Promise<void> | null = null;
  #refused: { error: unknown; at: number } | null = null;

  /**
   * The codes are computed at `now()`; `sleep` waits for the next TOTP step when this step's
   * code was already used. Both default to the real clock (tests pass the emulator's).
   */
  constructor(
    client: CirtusAIClient,
    credentials: ServiceCredentials,
    options: { now?: () => number; sleep?: (ms: number) => Promise<void> } = {},
  ) {
    this.#client = client;
    this.#credentials = credentials;
    this.#now = options.now ?? Date.now;
    this.#sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /**
   * Runs `call` logged in. When it fails because the session ended (the refresh was refused,
   * which clears the client's tokens), logs in again and runs it once more: a 401 means the
   * server did nothing, so even a creation is safe to repeat.
   */
  async run<T>(call: () => Promise<T>): Promise<T> {
    if (this.#client.token === null) await this.#login();
    try {
      return await call();
    } catch (err) {
      if (!(err instanceof AuthenticationError) || this.#client.token !== null) throw err;
      await this.#login();
      return await call();
    }
  }

  #login(): Promise<void> {
    this.#pending ??= this.#attempt().finally(() => (this.#pending = null));
    return this.#pending;
  }

  async #attempt(): Promise<void> {
    if (this.#refused && this.#now() - this.#refused.at < REFUSED_PAUSE_MS) {
      throw this.#refused.error;
    }
    const { username, password, totpSecret } = this.#credentials;
    this.#totp ??= Totp.fromSecret(totpSecret);
    const totp = await this.#totp;
    const login = async () =>
      await this.#client.auth.loginWith2fa(username, password, await totp.generate(this.#now()));
    try {
      try {
        await login();
      } catch (err) {
        // A code works once: a login in the same 30 s step as the last one (a restarted
        // server) waits for the next step.
        if (
          !(err instanceof TwoFactorAuthenticationError && /already been used/.test(err.message))
        ) {
          throw err;
        }
        await this.#sleep((30 - (this.#now() / 1000) % 30) * 1000 + 500);
        await login();
      }
      this.#refused = null;
    } catch (err) {
      if (err instanceof AuthenticationError) {
        const error = new CirtusAIError(
          `the service login as ${username} was refused (${err.message}); check ` +
            "CIRTUSAI_USERNAME, CIRTUSAI_PASSWORD and CIRTUSAI_TOTP_SECRET. No new attempt for " +
            "30 s, so that the account is not locked",
          { cause: err },
        );
        this.#refused = { error, at: this.#now() };
        throw error;
      }
      throw err;
    }
  }
}
