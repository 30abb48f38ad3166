// The SDK against a hostile or careless server, and several holders of one session: no body or
// token goes to another origin, refused answers leave no secret in the error, answers are capped
// while they stream, and holders that share a token store never race a single-use refresh token.
import assert from "node:assert/strict";
import {
  APIConnectionError,
  CirtusAIClient,
  LocalStorageTokenStore,
  MemoryTokenStore,
  ResponseValidationError,
  type TokenStore,
} from "../mod.ts";
import { fakeFetch, json } from "./fake_fetch.ts";
import { clientFor, signUp, testEmulator } from "./helpers.ts";

const BASE = "https://api.test";

function redirect(status: number, location: string): Response {
  return new Response(null, { status, headers: { location } });
}

Deno.test("a redirect to another origin is not followed: no body, no credentials, no tokens", async () => {
  const { fetch, sent } = fakeFetch((req) =>
    req.url.startsWith(BASE)
      ? redirect(307, "https://evil.test/steal")
      : json({ access_token: "evil", token_type: "bearer" })
  );
  const client = new CirtusAIClient(BASE, { fetch, maxRetries: 0 });
  await assert.rejects(
    () => client.auth.login("ada", "hunter2-password"),
    (err: unknown) => {
      assert.ok(err instanceof APIConnectionError);
      assert.match(err.message, /another origin \(https:\/\/evil\.test\); not followed/);
      return true;
    },
  );
  assert.equal(sent.length, 1, "nothing was sent to the other origin");
  assert.equal(client.token, null, "no token was adopted");
});

Deno.test("same-origin redirects are followed with method, body and token, a few at most", async () => {
  const { fetch, sent } = fakeFetch((req) =>
    req.url === `${BASE}/wallets/email_accounts`
      ? redirect(307, "/wallets/email_accounts/")
      : json({ id: "e1", provider: "p", email_address: "a@b.co", config: {} }, 201)
  );
  const client = new CirtusAIClient(BASE, { fetch, token: "t", maxRetries: 0 });
  const account = await client.wallets.createEmailAccount({
    provider: "p",
    email_address: "a@b.co",
    config: {},
  });
  assert.equal(account.id, "e1");
  assert.equal(sent.length, 2);
  assert.equal(sent[1].method, "POST");
  assert.equal(sent[1].url, `${BASE}/wallets/email_accounts/`);
  assert.equal(sent[1].body, sent[0].body);
  assert.equal(sent[1].headers.authorization, "Bearer t");

  const loop = fakeFetch((req) => redirect(308, new URL(req.url).pathname + "x"));
  const looping = new CirtusAIClient(BASE, { fetch: loop.fetch, token: "t", maxRetries: 0 });
  await assert.rejects(() => looping.agents.listAgents(), /more than 3 redirects/);
  assert.equal(loop.sent.length, 4);
});

Deno.test("a redirect a browser hides (opaqueredirect) is refused, not followed", async () => {
  const opaque = {
    type: "opaqueredirect",
    status: 0,
    headers: new Headers(),
    body: null,
  } as unknown as Response;
  const client = new CirtusAIClient(BASE, {
    fetch: () => Promise.resolve(opaque),
    token: "t",
    maxRetries: 0,
  });
  await assert.rejects(() => client.agents.listAgents(), /does not show; not followed/);
});

const SECRETS = ["RT-SECRET-0123456789", "JBSWY3DPEHPK3PXPJBSWY3DP", "BACKUP01", "hunter2"];

function assertNoSecret(err: unknown) {
  const views = [
    JSON.stringify(err),
    String(err),
    (err as Error).message,
    Deno.inspect(err, { depth: 10 }),
    JSON.stringify(Object.entries(err as object)),
  ];
  for (const view of views) {
    for (const secret of SECRETS) assert.ok(!view.includes(secret), `${secret} in ${view}`);
  }
}

Deno.test("a refused answer leaves no token, secret or code in the error", async () => {
  const bodies: [string, (c: CirtusAIClient) => Promise<unknown>, unknown][] = [
    ["login without access_token", (c) => c.auth.login("ada", "hunter2"), {
      token_type: "bearer",
      refresh_token: SECRETS[0],
      expires_in: "soon",
    }],
    [
      "register without backup codes",
      (c) => c.auth.register({ username: "ada", email: "a@b.co", password: "hunter2" }),
      {
        secret: SECRETS[1],
        qr_code_uri: `otpauth://totp/x?secret=${SECRETS[1]}`,
        manual_entry_key: SECRETS[1],
        backup_codes: "BACKUP01",
      },
    ],
    ["debug with a bad code", (c) => c.auth.debug2fa(), {
      valid_codes: { "time_step_+0": 123456, "time_step_-1": SECRETS[2] },
    }],
  ];
  for (const [label, call, body] of bodies) {
    const client = new CirtusAIClient(BASE, {
      fetch: () => Promise.resolve(json(body)),
      token: "t",
      maxRetries: 0,
    });
    const err = await call(client).then(() => null, (e) => e);
    assert.ok(err instanceof ResponseValidationError, label);
    assertNoSecret(err);
    assert.ok(err.body.length <= 201, label);
  }
  // Text that is not JSON (here, JSON cut short) is redacted too.
  const cut = new CirtusAIClient(BASE, {
    fetch: () => Promise.resolve(new Response(`{"access_token": "${SECRETS[0]}", "refresh`)),
    maxRetries: 0,
  });
  const err = await cut.auth.login("ada", "hunter2").then(() => null, (e) => e);
  assert.ok(err instanceof ResponseValidationError);
  assertNoSecret(err);
});

Deno.test("answers are capped while they stream: maxResponseBytes", async () => {
  let pulled = 0;
  const huge = () =>
    new Response(
      new ReadableStream({
        pull(controller) {
          if (++pulled > 1024) return controller.close(); // 64 MiB at most
          controller.enqueue(new Uint8Array(64 * 1024).fill(0x20));
        },
      }),
      { headers: { "content-type": "application/json" } },
    );
  const client = new CirtusAIClient(BASE, {
    fetch: () => Promise.resolve(huge()),
    token: "t",
    maxRetries: 0,
  });
  await assert.rejects(
    () => client.agents.listAgents(),
    (err: unknown) =>
      err instanceof ResponseValidationError &&
      /larger than maxResponseBytes \(4194304/.test(err.message),
  );
  assert.ok(pulled < 80, `the stream was cut off early (${pulled} chunks pulled)`);

  const declared = new CirtusAIClient(BASE, {
    maxResponseBytes: 1000,
    token: "t",
    maxRetries: 0,
    fetch: () =>
      Promise.resolve(new Response("[]".padEnd(2000), { headers: { "content-length": "2000" } })),
  });
  await assert.rejects(() => declared.agents.listAgents(), /larger than maxResponseBytes \(1000/);
  const small = new CirtusAIClient(BASE, {
    maxResponseBytes: 1000,
    token: "t",
    fetch: () => Promise.resolve(json([{ id: "a1" }])),
  });
  assert.deepEqual(await small.agents.listAgents(), [{ id: "a1" }]);
  assert.throws(
    () => new CirtusAIClient(BASE, { maxResponseBytes: 0 }),
    /maxResponseBytes must be a positive integer/,
  );
});

/** An emulator-backed fetch that counts refreshes. */
function counting(emulator: ReturnType<typeof testEmulator>) {
  const counter = { refreshes: 0 };
  const fetch = (input: Request | URL | string, init?: RequestInit) => {
    if (String(input instanceof Request ? input.url : input).endsWith("/auth/refresh")) {
      counter.refreshes++;
    }
    return emulator.fetch(input, init);
  };
  return { fetch, counter };
}

async function sharedSession(store: TokenStore) {
  const emulator = testEmulator();
  const { client } = await signUp(emulator);
  await store.save({ access_token: client.token!, refresh_token: client.refreshToken! });
  const { fetch, counter } = counting(emulator);
  const holders = Array.from(
    { length: 3 },
    () => clientFor(emulator, { fetch, tokenStore: store }),
  );
  // Every holder has read the session; then its access token expires on the server.
  await Promise.all(holders.map((h) => h.agents.listAgents()));
  emulator.clock.advance(31 * 60_000);
  return { holders, counter };
}

Deno.test("holders sharing a MemoryTokenStore refresh once, in parallel, and stay logged in", async () => {
  const { holders, counter } = await sharedSession(new MemoryTokenStore());
  const lists = await Promise.all(holders.map((h) => h.agents.listAgents()));
  assert.ok(lists.every((l) => l.length === 1));
  assert.equal(counter.refreshes, 1, "one refresh for the whole session");
  assert.ok(holders.every((h) => h.token === holders[0].token), "all hold the new token");
  // And the session still works afterwards: the family was not revoked by a reused token.
  assert.equal((await holders[2].agents.listAgents()).length, 1);
});

Deno.test("tabs sharing a LocalStorageTokenStore (Web Locks) refresh once", async () => {
  const storage = new Map<string, string>();
  const fakeStorage = {
    getItem: (k: string) => storage.get(k) ?? null,
    setItem: (k: string, v: string) => void storage.set(k, v),
    removeItem: (k: string) => void storage.delete(k),
  };
  const key = `cirtusai.test.${crypto.randomUUID()}`;
  // One store object per tab, as each tab has its own; they share the storage and the lock name.
  const tabs = Array.from(
    { length: 3 },
    () => new LocalStorageTokenStore({ key, storage: fakeStorage }),
  );
  const emulator = testEmulator();
  const { client } = await signUp(emulator);
  tabs[0].save({ access_token: client.token!, refresh_token: client.refreshToken! });
  const { fetch, counter } = counting(emulator);
  const holders = tabs.map((tokenStore) => clientFor(emulator, { fetch, tokenStore }));
  await Promise.all(holders.map((h) => h.agents.listAgents()));
  emulator.clock.advance(31 * 60_000);
  const lists = await Promise.all(holders.map((h) => h.agents.listAgents()));
  assert.ok(lists.every((l) => l.length === 1));
  assert.equal(counter.refreshes, 1);
  // A tab that comes back later with the old tokens in memory adopts the stored ones.
  assert.equal((await holders[1].agents.listAgents()).length, 1);
});

Deno.test("a store without a lock is still re-read before a refresh", async () => {
  const inner = new MemoryTokenStore();
  const store: TokenStore = { load: () => inner.load(), save: (t) => inner.save(t) };
  const { holders, counter } = await sharedSession(store);
  // One after the other: the second finds the first's rotated tokens and adopts them.
  for (const h of holders) assert.equal((await h.agents.listAgents()).length, 1);
  assert.equal(counter.refreshes, 1);
});
