// reloadTokens(): the store read again under its lock, its tokens (with their expiry) held in
// memory, and nothing saved back.
import assert from "node:assert/strict";
import { CirtusAIClient, type StoredTokens, type TokenStore } from "../mod.ts";

/** A store that records what is done to it, and whether a read happened inside its lock. */
function recordingStore(initial: StoredTokens | null) {
  let tokens = initial;
  let locked = false;
  const log: string[] = [];
  const store: TokenStore = {
    load: () => (log.push(locked ? "load in lock" : "load"), tokens),
    save: (next) => {
      log.push("save");
      tokens = next;
    },
    lock: async (fn) => {
      locked = true;
      try {
        return await fn();
      } finally {
        locked = false;
      }
    },
  };
  return { store, log, set: (next: StoredTokens | null) => (tokens = next) };
}

Deno.test("reloadTokens adopts the store's tokens under its lock, keeps their expiry, saves nothing", async () => {
  const { store, log, set } = recordingStore(null);
  const sent: (string | null)[] = [];
  const seen: (StoredTokens | null)[] = [];
  const client = new CirtusAIClient("http://api.test", {
    tokenStore: store,
    maxRetries: 0,
    onTokens: (t) => seen.push(t),
    fetch: (input, init) => {
      const request = new Request(input, init);
      sent.push(`${new URL(request.url).pathname} ${request.headers.get("authorization")}`);
      if (new URL(request.url).pathname === "/auth/refresh") {
        return Promise.resolve(
          Response.json({ access_token: "at2", refresh_token: "rt2", token_type: "bearer" }),
        );
      }
      return Promise.resolve(Response.json([]));
    },
  });
  await client.agents.listAgents(); // the store is empty: sent without a token
  set({ access_token: "at1", refresh_token: "rt1", expires_at: Date.now() - 1 });
  log.length = 0;
  await client.reloadTokens();
  assert.deepEqual(log, ["load in lock"], "read under the lock, never saved");
  assert.equal(client.token, "at1");
  assert.equal(seen.at(-1)?.access_token, "at1", "onTokens is told");
  // Its expiry came with it: the next call refreshes first.
  await client.agents.listAgents();
  assert.deepEqual(sent, ["/agents null", "/auth/refresh null", "/agents Bearer at2"]);
  set(null);
  await client.reloadTokens();
  assert.equal(client.token, null, "an emptied store is adopted too");
});
