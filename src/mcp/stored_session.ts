/**
 * The CLI's stored session as the agent tools' session: the client reads and refreshes it in the
 * credentials file under the file's lock, as every CLI command does, so an agent and a person at
 * the terminal share one session. This adds one thing: a server started before the person
 * logged in (or after the session ended) picks up the new login without a restart.
 *
 * @module
 */
import type { CirtusAIClient } from "../sdk/client.ts";
import { AuthenticationError } from "../sdk/errors.ts";
import type { ToolSession } from "../tools/tools.ts";

/** Runs tool calls on the session in the client's token store, re-read when none is left. */
export class StoredSession implements ToolSession {
  readonly #client: CirtusAIClient;

  /** `client` is made with the CLI's store of the profile (a `CredentialsStore`). */
  constructor(client: CirtusAIClient) {
    this.#client = client;
  }

  /**
   * Runs `call`; on a 401 with no tokens left, adopts a login saved since, and runs it again. The
   * store is read under its lock and nothing is written back: the tokens read are held in memory
   * only (with their expiry), so a pair another process rotated meanwhile is never overwritten.
   */
  async run<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      if (!(err instanceof AuthenticationError) || this.#client.token !== null) throw err;
      await this.#client.reloadTokens();
      if (this.#client.token === null) throw err;
      return await call();
    }
  }
}
