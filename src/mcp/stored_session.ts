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
import type { TokenStore } from "../sdk/token_store.ts";
import type { ToolSession } from "../tools/tools.ts";

/** Runs tool calls on the session in `store`, re-read when the client has none left. */
export class StoredSession implements ToolSession {
  readonly #client: CirtusAIClient;
  readonly #store: TokenStore;

  /** `store` is the one `client` was made with. */
  constructor(client: CirtusAIClient, store: TokenStore) {
    this.#client = client;
    this.#store = store;
  }

  /** Runs `call`; on a 401 with no tokens left, adopts a login saved since, and runs it again. */
  async run<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      if (!(err instanceof AuthenticationError) || this.#client.token !== null) throw err;
      const saved = await this.#store.load();
      if (!saved?.access_token) throw err;
      await this.#client.setToken(saved.access_token, saved.refresh_token);
      return await call();
    }
  }
}
