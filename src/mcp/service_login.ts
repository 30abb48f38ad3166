/**
 * A service login for an unattended agent: username, password and TOTP secret (2FA is
 * mandatory), logged in on the first call that needs the API and again whenever the session
 * ended (a refused refresh). It is a {@linkcode ToolSession} for the agent tools; the login itself
 * is the edge proxy's too ({@linkcode serviceLogin}).
 *
 * @module
 */
import type { CirtusAIClient } from "../sdk/client.ts";
import { APIError, AuthenticationError, CirtusAIError } from "../sdk/errors.ts";
import { REFUSAL_PAUSE_MS, serviceLogin } from "../sdk/service_login.ts";
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

/** Logs `client` in with `credentials` when it has no session, once at a time. */
export class ServiceLogin implements ToolSession {
  readonly #client: CirtusAIClient;
  readonly #username: string;
  readonly #renew: () => Promise<void>;

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
    this.#username = credentials.username;
    // Without a refresh token: the SDK refreshes by itself, and a refused refresh ends the session.
    const { username, password, totpSecret } = credentials;
    this.#renew = serviceLogin(client, { username, password, totpSecret }, options);
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

  async #login(): Promise<void> {
    try {
      await this.#renew();
    } catch (err) {
      if (!(err instanceof APIError) || err.status >= 500) throw err;
      const check = err instanceof AuthenticationError
        ? "check CIRTUSAI_USERNAME, CIRTUSAI_PASSWORD and CIRTUSAI_TOTP_SECRET"
        : "the server refused it for now";
      throw new CirtusAIError(
        `the service login as ${this.#username} was refused (${err.message}); ${check}. No ` +
          `new attempt for ${REFUSAL_PAUSE_MS / 1000} s, so that the account is not locked`,
        { cause: err },
      );
    }
  }
}
