// A client on a persistent token store whose first calls are made at once: every one of them
// waits for the store to be read, and none is sent without the token (the CLI counts an agent's
// subtree and assets with three calls at once).
import assert from "node:assert/strict";
import { CirtusAIClient, type StoredTokens, type TokenStore } from "../mod.ts";

Deno.test("concurrent first calls all carry the stored token", async () => {
  const store: TokenStore = {
    load: async (): Promise<StoredTokens> => {
      await new Promise((resolve) => setTimeout(resolve, 20)); // a file, a KV store
      return { access_token: "stored-token" };
    },
    save: () => {},
  };
  const seen: (string | null)[] = [];
  const client = new CirtusAIClient("https://api.example.com", {
    tokenStore: store,
    fetch: (_input, init) => {
      seen.push(new Headers((init as RequestInit).headers).get("authorization"));
      return Promise.resolve(Response.json([]));
    },
  });
  await Promise.all([
    client.agents.listAgents(),
    client.agents.getChildren(),
    client.agents.listAgents(),
  ]);
  assert.deepEqual(seen, Array(3).fill("Bearer stored-token"));
});
