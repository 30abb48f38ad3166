// Every method of the API contract: the exact method, URL, headers and body on the wire, and the
// parsed result.
import assert from "node:assert/strict";
import { CirtusAIClient, InvalidArgumentError, type RegisterInput } from "../mod.ts";
import { fakeFetch, json } from "./fake_fetch.ts";

const BASE = "https://api.test";
const TOKEN = { access_token: "at1", token_type: "bearer", expires_in: 1800, refresh_token: "rt1" };
const AGENT = {
  id: "a1",
  name: "master",
  did: "did:key:z6MkA",
  state: null,
  created_at: "2026-01-01T00:00:00Z",
};
const CHILD = { ...AGENT, id: "c1", name: "kid", parent_id: "a1", permissions: { pay: true } };
const ASSET = {
  id: "s1",
  type: "wallet",
  agent_id: "c1",
  details: { chain: "base", address: "0xabc" },
  created_at: "2026-01-01T00:00:00Z",
};
const ACCOUNT = {
  id: "e1",
  provider: "gmail",
  email_address: "a@b.co",
  config: { password: "********" },
};
const SETUP = {
  secret: "JBSWY3DPEHPK3PXP",
  qr_code_uri: "otpauth://totp/x",
  qr_code_image: "iVBOR",
  backup_codes: ["ABCDEFGH"],
};
const DEBUG = {
  totp_secret_exists: true,
  is_2fa_enabled: true,
  preferred_2fa_method: "totp",
  user_email: "a@b.co",
  current_server_time: 1700000000,
  valid_codes: { "time_step_+0": "123456" },
  time_window: 1,
  period: 30,
  usage_note: "n",
  message: "m",
};

interface Case {
  name: string;
  call: (c: CirtusAIClient) => Promise<unknown>;
  method: string;
  path: string;
  body?: unknown;
  form?: Record<string, string>;
  auth?: boolean;
  reply: Response | (() => Response);
  result?: unknown;
}

const cases: Case[] = [
  {
    name: "auth.register",
    call: (c) =>
      c.auth.register({ username: " ada ", email: " Ada@Example.COM ", password: " pw " }),
    method: "POST",
    path: "/auth/register",
    auth: false,
    body: {
      username: "ada",
      email: "Ada@example.com",
      password: " pw ",
      preferred_2fa_method: "totp",
    },
    reply: () => json(SETUP, 201),
    result: SETUP,
  },
  {
    name: "auth.login (form-encoded)",
    call: (c) => c.auth.login("ada@example.com", "p&w=1"),
    method: "POST",
    path: "/auth/login",
    auth: false,
    form: { username: "ada@example.com", password: "p&w=1" },
    reply: () => json(TOKEN),
    result: TOKEN,
  },
  {
    name: "auth.verify2fa",
    call: (c) => c.auth.verify2fa("tmp", "123 456"),
    method: "POST",
    path: "/auth/verify-2fa",
    auth: false,
    body: { temporary_token: "tmp", totp_code: "123456" },
    reply: () => json(TOKEN),
    result: TOKEN,
  },
  {
    name: "auth.get2faStatus",
    call: (c) => c.auth.get2faStatus(),
    method: "GET",
    path: "/auth/2fa/status",
    reply: () =>
      json({ is_2fa_enabled: true, preferred_2fa_method: "totp", is_sms_enabled: false }),
    result: { is_2fa_enabled: true, preferred_2fa_method: "totp", is_sms_enabled: false },
  },
  {
    name: "auth.setup2fa (GET)",
    call: (c) => c.auth.setup2fa(),
    method: "GET",
    path: "/auth/2fa/setup",
    reply: () => json(SETUP),
    result: SETUP,
  },
  {
    name: "auth.confirm2fa",
    call: (c) => c.auth.confirm2fa("654321"),
    method: "POST",
    path: "/auth/2fa/confirm",
    body: { totp_code: "654321" },
    reply: () => json({ message: "ok" }),
    result: { message: "ok" },
  },
  {
    name: "auth.disable2fa",
    call: (c) => c.auth.disable2fa("654321", "pw"),
    method: "POST",
    path: "/auth/2fa/disable",
    body: { totp_code: "654321", password: "pw" },
    reply: () => json({ message: "off" }),
    result: { message: "off" },
  },
  {
    name: "auth.getQrCode (bytes)",
    call: (c) => c.auth.getQrCode(),
    method: "GET",
    path: "/auth/2fa/qr",
    reply: () =>
      new Response(new Uint8Array([137, 80, 78, 71]), { headers: { "content-type": "image/png" } }),
    result: new Uint8Array([137, 80, 78, 71]),
  },
  {
    name: "auth.requestSmsCode (no body)",
    call: (c) => c.auth.requestSmsCode(),
    method: "POST",
    path: "/auth/2fa/request-sms",
    reply: () => json({ message: "sent", expires_in: 300 }),
    result: { message: "sent", expires_in: 300 },
  },
  {
    name: "auth.debug2fa",
    call: (c) => c.auth.debug2fa(),
    method: "GET",
    path: "/auth/debug-2fa",
    reply: () => json(DEBUG),
    result: DEBUG,
  },
  {
    name: "auth.refresh",
    call: (c) => c.auth.refresh("rt0"),
    method: "POST",
    path: "/auth/refresh",
    auth: false,
    body: { refresh_token: "rt0" },
    reply: () => json(TOKEN),
    result: TOKEN,
  },
  {
    name: "agents.listAgents",
    call: (c) => c.agents.listAgents(),
    method: "GET",
    path: "/agents",
    reply: () => json([AGENT]),
    result: [AGENT],
  },
  {
    name: "agents.getAgent (DID keeps its colons)",
    call: (c) => c.agents.getAgent("did:key:z6Mk/x y"),
    method: "GET",
    path: "/agents/did:key:z6Mk%2Fx%20y",
    reply: () => json(CHILD),
    result: CHILD,
  },
  {
    name: "agents.createChildAgent",
    call: (c) => c.agents.createChildAgent("a1", "kid"),
    method: "POST",
    path: "/agents/children",
    body: { parent_id: "a1", name: "kid" },
    reply: () => json(CHILD, 201),
    result: CHILD,
  },
  {
    name: "agents.deleteAgent",
    call: (c) => c.agents.deleteAgent("a1"),
    method: "DELETE",
    path: "/agents/a1",
    reply: () => new Response(null, { status: 204 }),
    result: undefined,
  },
  {
    name: "agents.getChildren",
    call: (c) => c.agents.getChildren(),
    method: "GET",
    path: "/agents/children",
    reply: () => json([CHILD]),
    result: [CHILD],
  },
  {
    name: "agents.updateChildPermissions",
    call: (c) => c.agents.updateChildPermissions("c1", { pay: true }),
    method: "PUT",
    path: "/agents/children/c1/permissions",
    body: { permissions: { pay: true } },
    reply: () => json(CHILD),
    result: CHILD,
  },
  {
    name: "agents.unlinkChildAgent",
    call: (c) => c.agents.unlinkChildAgent("c1"),
    method: "DELETE",
    path: "/agents/children/c1",
    reply: () => new Response(null, { status: 204 }),
    result: undefined,
  },
  {
    name: "agents.provisionEmail",
    call: (c) => c.agents.provisionEmail("c1"),
    method: "POST",
    path: "/agents/children/c1/assets/provision/email",
    reply: () => json(ASSET),
    result: ASSET,
  },
  {
    name: "agents.provisionWallet (default chain)",
    call: (c) => c.agents.provisionWallet("c1"),
    method: "POST",
    path: "/agents/children/c1/assets/provision/wallet?chain=ethereum",
    reply: () => json(ASSET),
    result: ASSET,
  },
  {
    name: "agents.provisionWallet (chain)",
    call: (c) => c.agents.provisionWallet("c1", "solana"),
    method: "POST",
    path: "/agents/children/c1/assets/provision/wallet?chain=solana",
    reply: () => json(ASSET),
    result: ASSET,
  },
  {
    name: "wallets.listAssets",
    call: (c) => c.wallets.listAssets(),
    method: "GET",
    path: "/wallets",
    reply: () => json({ assets: [ASSET] }),
    result: { assets: [ASSET] },
  },
  {
    name: "wallets.listEmailAccounts (trailing slash)",
    call: (c) => c.wallets.listEmailAccounts(),
    method: "GET",
    path: "/wallets/email_accounts/",
    reply: () => json([ACCOUNT]),
    result: [ACCOUNT],
  },
  {
    name: "wallets.getEmailAccount",
    call: (c) => c.wallets.getEmailAccount("e1"),
    method: "GET",
    path: "/wallets/email_accounts/e1",
    reply: () => json(ACCOUNT),
    result: ACCOUNT,
  },
  {
    name: "wallets.createEmailAccount",
    call: (c) =>
      c.wallets.createEmailAccount({
        provider: "gmail",
        email_address: "a@b.co",
        config: { password: "s" },
      }),
    method: "POST",
    path: "/wallets/email_accounts",
    body: { provider: "gmail", email_address: "a@b.co", config: { password: "s" } },
    reply: () => json(ACCOUNT, 201),
    result: ACCOUNT,
  },
  {
    name: "wallets.updateEmailAccount",
    call: (c) =>
      c.wallets.updateEmailAccount("e1", { provider: "imap", email_address: "a@b.co", config: {} }),
    method: "PUT",
    path: "/wallets/email_accounts/e1",
    body: { provider: "imap", email_address: "a@b.co", config: {} },
    reply: () => json(ACCOUNT),
    result: ACCOUNT,
  },
  {
    name: "wallets.deleteEmailAccount",
    call: (c) => c.wallets.deleteEmailAccount("e1"),
    method: "DELETE",
    path: "/wallets/email_accounts/e1",
    reply: () => new Response(null, { status: 204 }),
    result: undefined,
  },
  {
    name: "wallets.refreshEmailToken",
    call: (c) => c.wallets.refreshEmailToken("e1"),
    method: "POST",
    path: "/wallets/email_accounts/e1/refresh",
    reply: () => json({ access_token: "x", expires_in: 3600, token_type: "Bearer" }),
    result: { access_token: "x", expires_in: 3600, token_type: "Bearer" },
  },
  {
    name: "identity.getDid",
    call: (c) => c.identity.getDid("did:key:z6MkA"),
    method: "GET",
    path: "/identity/dids/did:key:z6MkA",
    reply: () => json({ did: "did:key:z6MkA", info: { id: "did:key:z6MkA" } }),
    result: { did: "did:key:z6MkA", info: { id: "did:key:z6MkA" } },
  },
  {
    name: "identity.issueCredential (wire key is `type`)",
    call: (c) =>
      c.identity.issueCredential({
        subject_id: "c1",
        types: ["AgentCapability"],
        claim: { pay: true },
      }),
    method: "POST",
    path: "/identity/credentials/issue",
    body: { subject_id: "c1", type: ["AgentCapability"], claim: { pay: true } },
    reply: () => json({ credential: "a.b.c" }),
    result: { credential: "a.b.c" },
  },
  {
    name: "identity.verifyCredential",
    call: (c) => c.identity.verifyCredential("a.b.c"),
    method: "POST",
    path: "/identity/credentials/verify",
    body: { credential: "a.b.c" },
    reply: () => json({ verified: false, error: "bad signature" }),
    result: { verified: false, error: "bad signature" },
  },
];

for (const tc of cases) {
  Deno.test(`wire: ${tc.name}`, async () => {
    const { fetch, sent } = fakeFetch(() => typeof tc.reply === "function" ? tc.reply() : tc.reply);
    const client = new CirtusAIClient(`${BASE}/`, {
      fetch,
      token: "tok",
      headers: { "x-app": "tests" },
    });
    const result = await tc.call(client);
    assert.equal(sent.length, 1);
    const [req] = sent;
    assert.equal(req.method, tc.method);
    assert.equal(req.url, BASE + tc.path);
    assert.equal(req.headers["x-app"], "tests");
    if (tc.auth === false) assert.equal(req.headers.authorization, undefined);
    else assert.equal(req.headers.authorization, "Bearer tok");
    if (tc.form) {
      assert.equal(req.headers["content-type"], "application/x-www-form-urlencoded");
      assert.deepEqual(Object.fromEntries(new URLSearchParams(req.body!)), tc.form);
    } else if (tc.body !== undefined) {
      assert.equal(req.headers["content-type"], "application/json");
      assert.deepEqual(JSON.parse(req.body!), tc.body);
      assert.deepEqual(Object.keys(JSON.parse(req.body!)), Object.keys(tc.body as object));
    } else {
      assert.equal(req.body, null, "no body");
      assert.equal(req.headers["content-type"], undefined);
    }
    assert.deepEqual(result, tc.result);
  });
}

Deno.test("login returns a discriminated union and adopts tokens only on success", async () => {
  const { fetch } = fakeFetch(() =>
    json({
      requires_2fa: true,
      temporary_token: "tmp",
      preferred_method: "totp",
      message: "2FA required",
    })
  );
  const client = new CirtusAIClient(BASE, { fetch });
  const result = await client.auth.login("ada", "pw");
  assert.equal(result.requires_2fa, true);
  if (result.requires_2fa) assert.equal(result.temporary_token, "tmp");
  assert.equal(client.token, null);
});

Deno.test("loginWith2fa computes the TOTP code from a secret", async () => {
  const { Totp } = await import("../src/sdk/totp.ts");
  const secret = "JBSWY3DPEHPK3PXP";
  const { fetch, sent } = fakeFetch((req) =>
    req.url.endsWith("/auth/login")
      ? json({ requires_2fa: true, temporary_token: "tmp", preferred_method: "totp", message: "m" })
      : json(TOKEN)
  );
  const seen: unknown[] = [];
  const client = new CirtusAIClient(BASE, { fetch, onTokens: (t) => seen.push(t) });
  const before = await (await Totp.fromSecret(secret)).generate();
  await client.auth.loginWith2fa("ada", "pw", { totpSecret: secret });
  const after = await (await Totp.fromSecret(secret)).generate();
  const code = JSON.parse(sent[1].body!).totp_code;
  assert.ok(code === before || code === after);
  assert.equal(client.token, "at1");
  assert.equal(client.refreshToken, "rt1");
  assert.equal(seen.length, 1);
});

Deno.test("register validates its input before any request", async () => {
  const { fetch, sent } = fakeFetch(() => json(SETUP));
  const client = new CirtusAIClient(BASE, { fetch });
  const bad: [Record<string, unknown>, string][] = [
    [{ username: "  ", email: "a@b.co", password: "x" }, "username"],
    [{ username: "a", email: "not-an-email", password: "x" }, "email"],
    [{ username: "a", email: "a@b.co", password: "" }, "password"],
    [
      { username: "a", email: "a@b.co", password: "x", preferred_2fa_method: "email" },
      "preferred_2fa_method",
    ],
  ];
  for (const [input, field] of bad) {
    await assert.rejects(
      () => client.auth.register(input as unknown as RegisterInput),
      (err: { field?: string }) => err.field === field,
    );
  }
  assert.equal(sent.length, 0);
});

Deno.test("base URL must be http(s); trailing slashes are dropped", () => {
  assert.throws(() => new CirtusAIClient("ftp://x"), /must be http or https/);
  assert.throws(() => new CirtusAIClient("nope"), /is not a URL/);
  assert.equal(new CirtusAIClient("http://h:1/api//").baseUrl, "http://h:1/api");
});

Deno.test("per-call options carry only the signal: nothing else reaches the request", async () => {
  const { fetch, sent } = fakeFetch(() => json([]));
  const client = new CirtusAIClient(BASE, { fetch, token: "tok" });
  const sneaky = { path: "/_emulator/reset", method: "DELETE", auth: false } as unknown as {
    signal?: AbortSignal;
  };
  await client.agents.listAgents(sneaky);
  assert.equal(sent[0].method, "GET");
  assert.equal(sent[0].url, `${BASE}/agents`);
  assert.equal(sent[0].headers.authorization, "Bearer tok");
});

Deno.test("extra headers: checked when the client is made, names folded, the SDK's own win", async () => {
  assert.throws(
    () => new CirtusAIClient(BASE, { headers: { "x-key": "secret\nvalue" } }),
    (err: unknown) => {
      assert.ok(err instanceof InvalidArgumentError);
      assert.equal(err.field, "headers");
      assert.doesNotMatch(err.message, /secret/, "a header's value may be a credential");
      return true;
    },
  );
  assert.throws(
    () => new CirtusAIClient(BASE, { headers: { "bad name": "v" } }),
    /headers must be/,
  );
  const { fetch, sent } = fakeFetch(() => json([]));
  const client = new CirtusAIClient(BASE, {
    fetch,
    token: "tok",
    headers: { "X-Trace": "a", "x-trace": "b", Accept: "text/html", Authorization: "Basic x" },
  });
  await client.agents.listAgents();
  assert.equal(sent[0].headers["x-trace"], "a, b");
  assert.equal(sent[0].headers.accept, "application/json");
  assert.equal(sent[0].headers.authorization, "Bearer tok");
});
