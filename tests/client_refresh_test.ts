import assert from "node:assert/strict";
import {
  AuthenticationError,
  CirtusAIClient,
  MemoryTokenStore,
  type StoredTokens,
} from "../mod.ts";
import { LocalStorageTokenStore } from "../src/sdk/token_store.ts";
import { fakeFetch, json } from "./fake_fetch.ts";

const BASE = "https://api.test";

Deno.test("ten concurrent 401s cause exactly one refresh, and all ten calls succeed", async () => {
  const { fetch, sent } = fakeFetch(async (req) => {
    if (req.url.endsWith("/auth/refresh")) {
      await new Promise((r) => setTimeout(r, 10));
      assert.deepEqual(JSON.parse(req.body!), { refresh_token: "rt-old" });
      return json({
        access_token: "fresh",
        token_type: "bearer",
        refresh_token: "rt-new",
        expires_in: 1800,
      });
    }
    return req.headers.authorization === "Bearer fresh"
      ? json([])
      : json({ detail: "Token has expired" }, 401);
  });
  const events: (StoredTokens | null)[] = [];
  const client = new CirtusAIClient(BASE, {
    fetch,
    token: "stale",
    refreshToken: "rt-old",
    onTokens: (t) => events.push(t),
  });
  const results = await Promise.all(Array.from({ length: 10 }, () => client.agents.listAgents()));
  assert.deepEqual(results, Array(10).fill([]));
  assert.equal(sent.filter((r) => r.url.endsWith("/auth/refresh")).length, 1);
  assert.equal(sent.length, 21); // 10 failures, 1 refresh, 10 replays
  assert.equal(client.token, "fresh");
  assert.equal(client.refreshToken, "rt-new");
  assert.equal(events.length, 1);
  assert.equal(events[0]?.access_token, "fresh");
  assert.ok(events[0]!.expires_at! > Date.now());
});

Deno.test("a refused refresh clears the tokens and surfaces AuthenticationError", async () => {
  const { fetch, sent } = fakeFetch((req) =>
    req.url.endsWith("/auth/refresh")
      ? json({ detail: "Could not validate credentials" }, 401)
      : json({ detail: "Token has expired" }, 401)
  );
  const store = new MemoryTokenStore();
  const events: (StoredTokens | null)[] = [];
  const client = new CirtusAIClient(BASE, {
    fetch,
    token: "stale",
    refreshToken: "rt",
    tokenStore: store,
    onTokens: (t) => events.push(t),
  });
  await assert.rejects(() => client.agents.listAgents(), (err: unknown) => {
    assert.ok(err instanceof AuthenticationError);
    assert.equal(err.path, "/auth/refresh");
    return true;
  });
  assert.equal(client.token, null);
  assert.equal(store.load(), null);
  assert.deepEqual(events, [null]);
  assert.equal(sent.length, 2, "no replay after a failed refresh");
});

Deno.test("a 401 without a refresh token is not retried", async () => {
  const { fetch, sent } = fakeFetch(() => json({ detail: "Could not validate credentials" }, 401));
  const client = new CirtusAIClient(BASE, { fetch, token: "t" });
  await assert.rejects(() => client.agents.listAgents(), AuthenticationError);
  assert.equal(sent.length, 1);
});

Deno.test("the replay happens once: a second 401 after refreshing is final", async () => {
  let refreshes = 0;
  const { fetch, sent } = fakeFetch((req) => {
    if (req.url.endsWith("/auth/refresh")) {
      refreshes++;
      return json({
        access_token: `a${refreshes}`,
        token_type: "bearer",
        refresh_token: `r${refreshes}`,
      });
    }
    return json({ detail: "Could not validate credentials" }, 401);
  });
  const client = new CirtusAIClient(BASE, { fetch, token: "t", refreshToken: "r0" });
  await assert.rejects(() => client.agents.listAgents(), AuthenticationError);
  assert.equal(refreshes, 1);
  assert.equal(sent.length, 3);
});

Deno.test("an access token past its expiry is refreshed before the call", async () => {
  const { fetch, sent } = fakeFetch((req) =>
    req.url.endsWith("/auth/refresh")
      ? json({ access_token: "new", token_type: "bearer", expires_in: 1800 })
      : json([])
  );
  const store = new MemoryTokenStore();
  store.save({ access_token: "old", refresh_token: "rt", expires_at: Date.now() - 1000 });
  const client = new CirtusAIClient(BASE, { fetch, tokenStore: store });
  await client.agents.listAgents();
  assert.deepEqual(sent.map((r) => new URL(r.url).pathname), ["/auth/refresh", "/agents"]);
  assert.equal(sent[1].headers.authorization, "Bearer new");
  assert.equal(store.load()?.refresh_token, "rt", "the refresh token is kept when none came back");
});

Deno.test("tokens from the store are used; setToken works like the Python SDK's set_token", async () => {
  const { fetch, sent } = fakeFetch(() => json([]));
  const store = new MemoryTokenStore();
  store.save({ access_token: "stored" });
  const client = new CirtusAIClient(BASE, { fetch, tokenStore: store });
  await client.agents.listAgents();
  assert.equal(sent[0].headers.authorization, "Bearer stored");
  await client.setToken("manual");
  await client.agents.listAgents();
  assert.equal(sent[1].headers.authorization, "Bearer manual");
  assert.equal(store.load()?.access_token, "manual");
  await client.setToken(null);
  await client.agents.listAgents();
  assert.equal(sent[2].headers.authorization, undefined);
});

Deno.test("LocalStorageTokenStore saves, loads and forgets; ignores garbage", () => {
  const map = new Map<string, string>();
  const storage = {
    getItem: (k: string) => map.get(k) ?? null,
    setItem: (k: string, v: string) => void map.set(k, v),
    removeItem: (k: string) => void map.delete(k),
  };
  const store = new LocalStorageTokenStore({ key: "k", storage });
  assert.equal(store.load(), null);
  store.save({ access_token: "a", refresh_token: "r" });
  assert.deepEqual(JSON.parse(map.get("k")!), { access_token: "a", refresh_token: "r" });
  assert.deepEqual(store.load(), { access_token: "a", refresh_token: "r" });
  map.set("k", "{garbage");
  assert.equal(store.load(), null);
  store.save(null);
  assert.equal(map.has("k"), false);
});

Deno.test("auth.refresh without a token says what to do", async () => {
  const client = new CirtusAIClient(BASE, { fetch: fakeFetch(() => json({})).fetch });
  await assert.rejects(() => client.auth.refresh(), /no refresh token: pass one or log in first/);
});

Deno.test("a session ended by another holder of the store (a logout) is never refreshed back", async () => {
  const { fetch, sent } = fakeFetch((req) =>
    req.url.endsWith("/auth/refresh")
      ? json({ access_token: "revived", refresh_token: "rt-2", expires_in: 1800 })
      : json({ detail: "Token has expired" }, 401)
  );
  const store = new MemoryTokenStore();
  const person = new CirtusAIClient(BASE, { fetch, tokenStore: store });
  await person.setToken("at", "rt");
  const agent = new CirtusAIClient(BASE, { fetch, tokenStore: store });
  assert.equal((await agent.agents.listAgents().catch((e) => e)).status, 401); // adopts "at"
  sent.length = 0;
  await person.setToken(null); // the person logs out
  await assert.rejects(() => agent.agents.listAgents(), (err: unknown) => {
    assert.ok(err instanceof AuthenticationError);
    assert.match(err.message, /ended by another holder/);
    return true;
  });
  assert.equal(sent.filter((r) => r.url.endsWith("/auth/refresh")).length, 0);
  assert.equal(agent.token, null);
  assert.equal(store.load(), null, "the logout stays");
});

Deno.test("tokens given to the constructor refresh even though the store never held them", async () => {
  const { fetch, sent } = fakeFetch((req) =>
    req.url.endsWith("/auth/refresh")
      ? json({ access_token: "fresh", refresh_token: "rt-2", expires_in: 1800 })
      : req.headers.authorization === "Bearer fresh"
      ? json([])
      : json({ detail: "Token has expired" }, 401)
  );
  const client = new CirtusAIClient(BASE, { fetch, token: "old", refreshToken: "rt" });
  assert.deepEqual(await client.agents.listAgents(), []);
  assert.equal(sent.filter((r) => r.url.endsWith("/auth/refresh")).length, 1);
});
