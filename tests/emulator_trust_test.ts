// Issue 30, the emulator: an access token alone cannot re-key a second factor that logged in; a
// DNS-rebinding page is refused by its Host, and /_emulator answers this machine only; secrets
// in e-mail account configs are masked at any depth; a record too large for a store is a clean
// 413 before anything is written, on both stores.
import assert from "node:assert/strict";
import { BadRequestError, CirtusAIClient, Totp, TwoFactorAuthenticationError } from "../mod.ts";
import { KvStore, MemoryStore, RecordTooLargeError, type Store } from "../src/emulator/mod.ts";
import { serializedSize } from "../src/emulator/record_size.ts";
import { serveEmulator } from "../src/emulator/serve.ts";
import { serialize } from "node:v8";
import { rawConnection } from "./raw_connection.ts";
import { clientFor, codeAt, raw, signUp, testEmulator } from "./helpers.ts";

type Obj = Record<string, unknown>;
const adapters: [string, () => Promise<Store | undefined>][] = [
  ["memory", () => Promise.resolve(undefined)],
  ["kv", () => KvStore.open(":memory:")],
];

for (const [name, open] of adapters) {
  Deno.test(`[${name}] a second factor that logged in cannot be replaced with an access token alone`, async () => {
    const store = await open();
    const emulator = testEmulator({ store });
    for (const method of ["totp", "sms"] as const) {
      // The owner registers and logs in (the web example never confirms).
      const owner = await signUp(emulator, { method });
      if (method === "sms") {
        const login = await owner.client.auth.login(owner.username, owner.password);
        if (!login.requires_2fa) throw new Error("2FA expected");
        const sms = emulator.outbox.messages.at(-1)!.code;
        await owner.client.auth.verify2fa(login.temporary_token, sms);
      }
      assert.equal((await owner.client.auth.get2faStatus()).is_2fa_enabled, true, method);
      // A thief with the access token alone: setup is refused, so confirm has nothing to take.
      const thief = clientFor(emulator, { token: owner.client.token! });
      await assert.rejects(
        () => thief.auth.setup2fa(),
        (err: unknown) =>
          err instanceof BadRequestError &&
          err.detail === "2FA is already enabled; disable it first",
      );
      const stolen = await raw(emulator, "POST", "/auth/2fa/confirm", {
        token: owner.client.token!,
        json: { totp_code: await codeAt(emulator, await Totp.fromSecret(owner.setup.secret), 1) },
      });
      assert.equal(stolen.status, 200, "confirm with the owner's own secret still answers 200");
      // The owner's authenticator and backup codes still log in.
      emulator.clock.advance(60_000);
      const again = clientFor(emulator);
      await again.auth.loginWith2fa(owner.username, owner.password, owner.setup.backup_codes[0]);
      await again.auth.loginWith2fa(
        owner.username,
        owner.password,
        await codeAt(emulator, owner.totp),
      );
    }
    store?.close();
  });

  Deno.test(`[${name}] register, login with the code, confirm: the Python SDK's flow runs to the end`, async () => {
    const store = await open();
    const emulator = testEmulator({ store });
    const client = clientFor(emulator);
    const setup = await client.auth.register({
      username: "py",
      email: "py@example.com",
      password: "pw",
    });
    const totp = await Totp.fromSecret(setup.secret);
    const used = await codeAt(emulator, totp);
    await client.auth.loginWith2fa("py", "pw", used);
    await assert.rejects(
      () => client.auth.confirm2fa(used),
      (err: unknown) =>
        err instanceof BadRequestError && err.detail === "This 2FA code has already been used",
    );
    assert.deepEqual(await client.auth.confirm2fa(await codeAt(emulator, totp, 1)), {
      message: "2FA has been successfully enabled",
    });
    // Disabled with code and password, it can be set up again.
    emulator.clock.advance(90_000);
    await client.auth.disable2fa(await codeAt(emulator, totp), "pw");
    const fresh = await client.auth.setup2fa();
    await client.auth.confirm2fa(await codeAt(emulator, await Totp.fromSecret(fresh.secret), 1));
    emulator.clock.advance(60_000);
    await assert.rejects(
      async () => clientFor(emulator).auth.loginWith2fa("py", "pw", await codeAt(emulator, totp)),
      TwoFactorAuthenticationError,
    );
    store?.close();
  });
}

Deno.test("a DNS-rebinding page is refused by its Host; loopback and configured names pass", async () => {
  const emulator = testEmulator({ allowedHosts: ["dev.example", ".tunnel.test"] });
  await signUp(emulator);
  // What a page on evil.example sends once its name resolves to 127.0.0.1: its own origin.
  const rebound = { host: "evil.example:8000", origin: "http://evil.example:8000" };
  const codes = await emulator.app.fetch(
    new Request("http://evil.example:8000/_emulator/accounts", { headers: rebound }),
  );
  assert.equal(codes.status, 403);
  assert.match((await codes.json()).detail, /Host "evil.example" is not allowed.*--allowed-host/);
  const legacy = await emulator.app.fetch(
    new Request("http://evil.example:8000/_emulator/legacy-users", {
      method: "POST",
      headers: { ...rebound, "content-type": "application/json" },
      body: JSON.stringify({ username: "m", email: "m@example.com", password: "p" }),
    }),
  );
  assert.equal(legacy.status, 403);
  const api = await emulator.app.fetch(
    new Request("http://evil.example:8000/auth/register", {
      method: "POST",
      headers: { ...rebound, "content-type": "application/json" },
      body: JSON.stringify({ username: "r", email: "r@example.com", password: "p" }),
    }),
  );
  assert.equal(api.status, 403, "the API too: nothing is answered to a foreign name");
  for (
    const host of [
      "localhost:8000",
      "LOCALHOST",
      "app.localhost:8000",
      "127.0.0.1:8000",
      "127.1.2.3",
      "[::1]:8000",
      "dev.example:8000",
      "a.tunnel.test",
      "tunnel.test",
    ]
  ) {
    const res = await emulator.app.fetch(
      new Request("http://x/_emulator/accounts", { headers: { host } }),
    );
    assert.equal(res.status, 200, host);
  }
  for (
    const host of [
      "127.0.0.1.evil.example",
      "localhost.evil.example",
      "0.0.0.0:8000",
      "dev.example.evil",
    ]
  ) {
    const res = await emulator.app.fetch(new Request("http://x/agents", { headers: { host } }));
    assert.equal(res.status, 403, host);
  }
});

Deno.test("over a socket: a rebinding page's request is a 403, the same one to localhost is not", async () => {
  const served = await serveEmulator({ port: 0, pbkdf2Iterations: 1_000, quiet: true });
  try {
    const port = Number(new URL(served.url).port);
    const ask = async (host: string) => {
      const conn = await rawConnection(port);
      await conn.write(
        `GET /_emulator/accounts HTTP/1.1\r\nHost: ${host}\r\nOrigin: http://${host}\r\n` +
          "Sec-Fetch-Site: same-origin\r\nConnection: close\r\n\r\n",
      );
      await conn.closed;
      return conn.text();
    };
    assert.match(await ask(`evil.example:${port}`), /^HTTP\/1\.1 403 [\s\S]*not allowed/);
    assert.match(await ask(`localhost:${port}`), /^HTTP\/1\.1 200 [\s\S]*"accounts":\[\]/);
  } finally {
    await served.close();
  }
});

Deno.test("/_emulator answers this machine's connections only, unless exposed", async () => {
  const fromNetwork = { remoteAddr: { hostname: "192.168.1.20" } };
  const emulator = testEmulator();
  const { client } = await signUp(emulator);
  for (const path of ["/_emulator/accounts", "/_emulator/ui", "/_emulator/sms"]) {
    const res = await emulator.app.fetch(new Request(`http://localhost${path}`), fromNetwork);
    assert.equal(res.status, 403, path);
    assert.match((await res.json()).detail, /this machine only.*--expose-dev-routes/);
  }
  // The API itself is served to the network.
  const api = await emulator.app.fetch(
    new Request("http://localhost/agents", {
      headers: { authorization: `Bearer ${client.token}` },
    }),
    fromNetwork,
  );
  assert.equal(api.status, 200);
  for (const local of ["127.0.0.1", "::1", "::ffff:127.0.0.1", "127.0.0.2"]) {
    const res = await emulator.app.fetch(new Request("http://localhost/_emulator/sms"), {
      remoteAddr: { hostname: local },
    });
    assert.equal(res.status, 200, local);
  }
  // Served where the platform gives no address (Workers' env, a wrapper): not known to be local.
  for (const env of [{}, { remoteAddr: {} }, { remoteAddr: { hostname: "" } }]) {
    const res = await emulator.app.fetch(new Request("http://localhost/_emulator/sms"), env);
    assert.equal(res.status, 403, JSON.stringify(env));
  }
  const exposed = testEmulator({ exposeDevRoutes: true });
  const res = await exposed.app.fetch(new Request("http://localhost/_emulator/sms"), fromNetwork);
  assert.equal(res.status, 200);
});

Deno.test("e-mail account configs: secrets are masked at any depth, an array or object under a secret key whole", async () => {
  const emulator = testEmulator();
  const { client } = await signUp(emulator);
  const config = {
    host: "mail.example",
    password: ["hunter2", { again: "hunter3" }],
    smtp: { credentials: { user: "bot", pass: "hunter4" }, port: 587 },
    api_key: 123456,
    oauth: { client_id: "visible", refresh_token: { value: "hunter5" } },
    secret: null,
  };
  const created = await client.wallets.createEmailAccount({
    provider: "imap",
    email_address: "bot@example.com",
    config,
  });
  const masked = {
    host: "mail.example",
    password: "********",
    smtp: { credentials: "********", port: 587 },
    api_key: "********",
    oauth: { client_id: "visible", refresh_token: "********" },
    secret: null,
  };
  assert.deepEqual(created.config, masked);
  const token = client.token!;
  const answers = [
    await raw(emulator, "GET", `/wallets/email_accounts/${created.id}`, { token }),
    await raw(emulator, "GET", "/wallets/email_accounts", { token }),
    await raw(emulator, "PUT", `/wallets/email_accounts/${created.id}`, {
      token,
      json: { provider: "imap", email_address: "bot@example.com", config },
    }),
    await raw(
      emulator,
      "GET",
      "/_emulator/accounts/" + (await emulator.store.scan(["users"]))[0].key[1],
    ),
  ];
  for (const answer of answers) {
    const text = JSON.stringify(answer.body);
    assert.ok(!/hunter|123456/.test(text), text);
  }
  assert.deepEqual((answers[2].body as Obj).config, masked);
});

for (const [name, open] of adapters) {
  Deno.test(`[${name}] a record too large to store is a 413 before anything is written`, async () => {
    const store = await open();
    const emulator = testEmulator({ store });
    const { client } = await signUp(emulator);
    const token = client.token!;
    const [master] = await client.agents.listAgents();
    const big = "x".repeat(3000);
    // Issue 30's credential: 50 types of 3 000 characters and a 3 000-character claim.
    const issue = await raw(emulator, "POST", "/identity/credentials/issue", {
      token,
      json: { subject_id: master.id, type: Array(50).fill(big), claim: { note: big } },
    });
    assert.equal(issue.status, 413, JSON.stringify(issue.body).slice(0, 200));
    assert.match(String((issue.body as Obj).detail), /too large to store/);
    // A config and permissions far below the 1 MiB body limit, beyond what a store holds.
    const account = await raw(emulator, "POST", "/wallets/email_accounts", {
      token,
      json: {
        provider: "imap",
        email_address: "a@example.com",
        config: { notes: "y".repeat(70_000) },
      },
    });
    assert.equal(account.status, 413);
    const child = await client.agents.createChildAgent(master.id, "scout");
    const permissions = await raw(emulator, "PUT", `/agents/children/${child.id}/permissions`, {
      token,
      json: { permissions: { list: Array.from({ length: 8000 }, (_, i) => i + 0.5) } },
    });
    assert.equal(permissions.status, 413);
    // Nothing was written, and the account works as before.
    const userId = (await emulator.store.scan(["users"]))[0].key[1];
    assert.deepEqual(await emulator.store.scan(["credentials", userId]), []);
    assert.deepEqual(await emulator.store.scan(["email_accounts", userId]), []);
    assert.deepEqual((await client.agents.getChildren())[0].permissions, {});
    // At the store itself: the same refusal, and nothing of the commit lands.
    await assert.rejects(
      () =>
        emulator.store.commit([], [
          { type: "set", key: ["ok"], value: 1 },
          { type: "set", key: ["big"], value: "日".repeat(40_000) },
        ]),
      RecordTooLargeError,
    );
    await assert.rejects(
      () => emulator.store.commit([], [{ type: "set", key: ["k", "z".repeat(2100)], value: 1 }]),
      RecordTooLargeError,
    );
    assert.equal((await emulator.store.read(["ok"])).value, null);
    store?.close();
  });

  Deno.test(`[${name}] an agent with 450 assets is deleted (Deno KV takes 100 checks a commit)`, async () => {
    const store = await open();
    const emulator = testEmulator({ store });
    const { client } = await signUp(emulator);
    const [master] = await client.agents.listAgents();
    const child = await client.agents.createChildAgent(master.id, "busy");
    for (let i = 0; i < 450; i += 50) {
      await Promise.all(
        Array.from({ length: 50 }, () => client.agents.provisionWallet(child.id, "solana")),
      );
    }
    assert.equal((await client.wallets.listAssets()).assets?.length, 450);
    await client.agents.deleteAgent(child.id);
    assert.equal((await client.wallets.listAssets()).assets?.length, 0);
    assert.equal((await client.agents.getChildren()).length, 0);
    store?.close();
  });
}

Deno.test("the size bound is above what V8's serializer (Deno KV's encoding) writes", () => {
  const samples: unknown[] = [
    "ascii",
    "é".repeat(100),
    "日本".repeat(100),
    "😀".repeat(50),
    [1, 2.5, -0, 1e300, 2 ** 31, -(2 ** 31)],
    Array(200).fill(0.1),
    { a: { b: { c: [null, true, false, "x"] } } },
    Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`key${i}`, i % 2 ? i : `v${i}`])),
    { nested: Array.from({ length: 50 }, (_, i) => ({ id: i, name: "ü".repeat(i) })) },
    new Uint8Array(1000),
    "",
    [],
    {},
  ];
  for (const value of samples) {
    const actual = serialize(value).length;
    const bound = serializedSize(value);
    assert.ok(bound >= actual, `${JSON.stringify(value).slice(0, 40)}: ${bound} < ${actual}`);
    assert.ok(
      bound <= actual * 3 + 40,
      `${JSON.stringify(value).slice(0, 40)}: ${bound} ≫ ${actual}`,
    );
  }
});

Deno.test("the memory store sweeps expired entries per expired entry, never walking live ones", async () => {
  let now = 1_000_000;
  let clockReads = 0;
  const store = new MemoryStore({
    now: () => {
      clockReads++;
      return now;
    },
  });
  // 20 000 live entries with a 30-day expiry (refresh tokens), and 100 that expire in 1 s.
  for (let i = 0; i < 20_000; i += 500) {
    await store.commit(
      [],
      Array.from({ length: 500 }, (_, j) => ({
        type: "set" as const,
        key: ["refresh", `t${i + j}`],
        value: { n: i + j },
        expireIn: 30 * 86_400_000,
      })),
    );
  }
  await store.commit(
    [],
    Array.from({ length: 100 }, (_, i) => ({
      type: "set" as const,
      key: ["temp", `x${i}`],
      value: i,
      expireIn: 1000,
    })),
  );
  now += 5000;
  clockReads = 0;
  await store.read(["refresh", "t1"]);
  assert.ok(clockReads < 100, `one read looked at the clock ${clockReads} times`);
  for (let i = 0; i < 3; i++) await store.read(["refresh", "t1"]);
  assert.equal(store.size, 20_000, "every expired entry went, in slices; no live one did");
  assert.equal((await store.read(["refresh", "t19999"])).value !== null, true);
  // Rewritten without an expiry, an entry is no longer swept.
  await store.commit([], [{ type: "set", key: ["refresh", "t0"], value: 0 }]);
  now += 31 * 86_400_000;
  for (let i = 0; i < 400; i++) await store.read(["refresh", "t0"]);
  assert.equal(store.size, 1);
  assert.equal((await store.read(["refresh", "t0"])).value, 0);
});

Deno.test("GET /agents on Deno KV: one getMany, the account with its master agent", async () => {
  const kv = await Deno.openKv(":memory:");
  const calls: string[] = [];
  const counting = new Proxy(kv, {
    get(target, prop) {
      const value = Reflect.get(target, prop);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        if (["get", "getMany", "list", "atomic"].includes(String(prop))) calls.push(String(prop));
        return value.apply(target, args);
      };
    },
  });
  const emulator = testEmulator({ store: new KvStore(counting) });
  const { client } = await signUp(emulator);
  await client.agents.listAgents(); // the signing key read, once
  calls.length = 0;
  await client.agents.listAgents();
  assert.deepEqual(calls, ["getMany"]);
  kv.close();
});

for (const [name, open] of adapters) {
  Deno.test(`[${name}] the master agent read with the account is never stale`, async () => {
    const store = await open();
    const emulator = testEmulator({ store });
    const { client } = await signUp(emulator);
    const [master] = await client.agents.listAgents();
    await client.agents.deleteAgent(master.id);
    assert.deepEqual(await client.agents.listAgents(), []);
    await assert.rejects(
      () => client.identity.issueCredential({ subject_id: "did:key:z6Mk", types: [], claim: {} }),
      /409/,
    );
    store?.close();
  });
}

Deno.test("devRoutes off: GET / lists no UI; on: the links, as HTML for a browser", async () => {
  const emulator = testEmulator();
  const json = await emulator.fetch("http://localhost:8000/");
  assert.deepEqual(await json.json(), {
    name: "CirtusAI emulator",
    version: (await import("../src/sdk/version.ts")).VERSION,
    links: {
      api: "http://localhost:8000",
      ui: "http://localhost:8000/_emulator/ui",
      docs: "http://localhost:8000/docs",
      openapi: "http://localhost:8000/openapi.json",
    },
    store: "memory",
    store_note: "in memory: data is lost at exit",
  });
  const html = await emulator.fetch("http://localhost:8000/", {
    headers: { accept: "text/html,application/xhtml+xml" },
  });
  assert.match(html.headers.get("content-type")!, /^text\/html/);
  const page = await html.text();
  for (const path of ["/_emulator/ui", "/docs", "/openapi.json"]) {
    assert.ok(page.includes(`href="http://localhost:8000${path}"`), path);
  }
  assert.match(page, /data is lost at exit/);
  const off = testEmulator({ devRoutes: false, store: await KvStore.open(":memory:") });
  const body = await (await off.fetch("http://localhost:8000/")).json();
  assert.equal(body.links.ui, undefined);
  assert.equal(body.store, "kv");
  await off.ready; // GET / does not wait for the clock's read from the store: closed only after it
  off.store.close();
});

Deno.test("a client made for another emulator keeps working through the Host check in process", async () => {
  // In process there is no Host header: the SDK's requests to any base URL pass.
  const emulator = testEmulator();
  const client = new CirtusAIClient("http://emulator.test", { fetch: emulator.fetch });
  const setup = await client.auth.register({
    username: "inproc",
    email: "inproc@example.com",
    password: "pw",
  });
  await client.auth.loginWith2fa("inproc", "pw", { totpSecret: setup.secret });
  assert.equal((await client.agents.listAgents()).length, 1);
});
