// The agent tools in-process: the table, its schemas and validator, every tool against the
// emulator with valid and with invalid input (nothing sent), the two sessions (a service login,
// the CLI's stored session), and the MCP server over the SDK's in-memory transport.
import assert from "node:assert/strict";
// @ts-types="@modelcontextprotocol/sdk/client/index"
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
// @ts-types="@modelcontextprotocol/sdk/inMemory"
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types";
import {
  CirtusAIClient,
  CirtusAIError,
  InvalidArgumentError,
  MemoryTokenStore,
  NotFoundError,
} from "../mod.ts";
import { SUPPORTED_CHAINS } from "../src/sdk/chains.ts";
import { type CirtusAITool, cirtusaiTools, schemaError } from "../src/tools/tools.ts";
import { ServiceLogin } from "../src/mcp/service_login.ts";
import { StoredSession } from "../src/mcp/stored_session.ts";
import { CredentialsStore } from "../src/cli/credentials.ts";
import { createMcpServer } from "../src/mcp/server.ts";
import { codeAt, signUp, testEmulator } from "./helpers.ts";
import type { Emulator } from "../src/emulator/mod.ts";

const SAFE = [
  "list_agents",
  "get_agent",
  "list_child_agents",
  "create_child_agent",
  "update_child_permissions",
  "provision_email",
  "provision_wallet",
  "list_assets",
  "list_email_accounts",
  "get_did",
  "issue_credential",
  "verify_credential",
  "verify_credential_offline",
  "get_2fa_status",
];
const DESTRUCTIVE = ["delete_agent", "unlink_child_agent", "delete_email_account"];

/** A client on `emulator` whose requests are counted. */
function counted(emulator: Emulator, options: { token?: string } = {}) {
  const requests: string[] = [];
  const client = new CirtusAIClient("http://emulator.test", {
    ...options,
    maxRetries: 0,
    fetch: (input, init) => {
      const request = new Request(input, init);
      requests.push(`${request.method} ${new URL(request.url).pathname}`);
      return emulator.fetch(request);
    },
  });
  return { client, requests };
}

function byName(tools: CirtusAITool[]): Record<string, CirtusAITool> {
  return Object.fromEntries(tools.map((t) => [t.name, t]));
}

Deno.test("the table: schemas, descriptions and annotations; destructive tools only when allowed", () => {
  const client = new CirtusAIClient("http://emulator.test");
  assert.deepEqual(cirtusaiTools(client).map((t) => t.name), SAFE);
  const all = cirtusaiTools(client, { allowDestructive: true });
  assert.deepEqual(all.map((t) => t.name), [...SAFE, ...DESTRUCTIVE]);
  for (const tool of all) {
    assert.equal(tool.inputSchema.type, "object", tool.name);
    assert.equal(tool.inputSchema.additionalProperties, false, tool.name);
    assert.ok(tool.description.length > 40, `${tool.name} explains itself to a model`);
    const { readOnlyHint, destructiveHint, idempotentHint, title } = tool.annotations;
    for (const hint of [readOnlyHint, destructiveHint, idempotentHint]) {
      assert.equal(typeof hint, "boolean", tool.name);
    }
    assert.ok(title);
    assert.equal(destructiveHint, DESTRUCTIVE.includes(tool.name), tool.name);
    if (readOnlyHint) assert.ok(idempotentHint && !destructiveHint, tool.name);
    // Nothing that sets up or disables 2FA, or shows codes, is ever a tool.
    assert.doesNotMatch(tool.name, /setup|disable|confirm|debug|backup|code|sms|token|qr/);
  }
  const wallet = byName(all).provision_wallet.inputSchema.properties!.chain;
  assert.deepEqual(wallet.enum, [...SUPPORTED_CHAINS], "the emulator's own list");
});

Deno.test("schemaError: types, required, extra properties, enums, bounds, nested paths", () => {
  const tools = byName(cirtusaiTools(new CirtusAIClient("http://x.test")));
  const issue = tools.issue_credential.inputSchema;
  const ok = { subject_id: "a1", types: ["T"], claim: { x: 1 } };
  assert.equal(schemaError(issue, ok), null);
  assert.equal(schemaError(issue, null), "input must be an object (got null)");
  assert.equal(schemaError(issue, []), "input must be an object (got array)");
  assert.equal(
    schemaError(issue, { types: ["T"], claim: {} }),
    'input: missing required property "subject_id"',
  );
  assert.equal(
    schemaError(issue, { ...ok, extra: 1 }),
    'input: unexpected property "extra" (allowed: subject_id, types, claim)',
  );
  assert.equal(schemaError(issue, { ...ok, types: [] }), "types must have at least 1 item");
  assert.equal(
    schemaError(issue, { ...ok, types: ["T", 2] }),
    "types[1] must be a string (got number)",
  );
  assert.equal(schemaError(issue, { ...ok, types: ["T", ""] }), "types[1] must not be empty");
  assert.equal(schemaError(issue, { ...ok, claim: "x" }), "claim must be an object (got string)");
  assert.equal(
    schemaError(issue, { ...ok, subject_id: "x".repeat(257) }),
    "subject_id must be at most 256 characters long (got 257)",
  );
  assert.equal(
    schemaError(tools.provision_wallet.inputSchema, { child_id: "c", chain: "doge" }),
    `chain must be one of ${SUPPORTED_CHAINS.join(", ")} (got "doge")`,
  );
  assert.equal(
    schemaError(tools.verify_credential.inputSchema, { credential: 5 }),
    "credential must be a string or an object (got number)",
  );
  assert.equal(
    schemaError(tools.list_agents.inputSchema, { x: 1 }),
    'input: unexpected property "x" (this tool takes no arguments)',
  );
  // Inherited names are not properties: nothing slips through the prototype.
  assert.equal(
    schemaError(tools.get_agent.inputSchema, JSON.parse('{"__proto__": {"agent_id": "a"}}')),
    'input: missing required property "agent_id"',
  );
});

Deno.test("every tool, with valid input, against the emulator", async () => {
  const emulator = testEmulator();
  const { client: owner } = await signUp(emulator);
  const { client, requests } = counted(emulator, { token: owner.token! });
  const t = byName(cirtusaiTools(client, { allowDestructive: true }));

  const { agents } = await t.list_agents.execute({}) as { agents: { id: string; did: string }[] };
  assert.equal(agents.length, 1);
  const master = agents[0];
  assert.equal(t.list_agents.summarize({ agents }), "1 master agent");

  const child = await t.create_child_agent.execute({ parent_id: master.id, name: "scout" });
  assert.equal(child.parent_id, master.id);
  assert.equal(t.create_child_agent.summarize(child), `Created child agent scout (id ${child.id})`);
  const { children } = await t.list_child_agents.execute({}) as { children: { id: string }[] };
  assert.deepEqual(children.map((c) => c.id), [child.id]);
  assert.equal((await t.get_agent.execute({ agent_id: master.did })).id, master.id);

  const updated = await t.update_child_permissions.execute({
    child_id: child.id,
    permissions: { send_email: true, spend_limit_usd: 25 },
  });
  assert.deepEqual(updated.permissions, { send_email: true, spend_limit_usd: 25 });

  const email = await t.provision_email.execute({ child_id: child.id });
  assert.match(t.provision_email.summarize(email), /^E-mail address scout-[0-9a-f]{8}@/);
  const wallet = await t.provision_wallet.execute({ child_id: child.id, chain: "solana" });
  assert.match(
    t.provision_wallet.summarize(wallet),
    /^Wallet on solana: [1-9A-HJ-NP-Za-km-z]{32,44}$/,
  );
  const defaulted = await t.provision_wallet.execute({ child_id: child.id });
  assert.match(t.provision_wallet.summarize(defaulted), /^Wallet on ethereum: 0x[0-9a-fA-F]{40}$/);
  const assets = await t.list_assets.execute({}) as { assets: unknown[] };
  assert.equal(assets.assets.length, 3);
  assert.doesNotMatch(JSON.stringify(assets), /private/i, "no private key");

  const linked = await owner.wallets.createEmailAccount({
    provider: "imap",
    email_address: "ops@example.com",
    config: { host: "imap.example.com", password: "hunter2-imap", mnemonic: "abandon ability" },
  });
  const { email_accounts } = await t.list_email_accounts.execute({}) as {
    email_accounts: { id: string; config: Record<string, unknown> }[];
  };
  assert.equal(email_accounts[0].config.host, "imap.example.com");
  assert.ok(!JSON.stringify(email_accounts).includes("hunter2-imap"));
  assert.equal(email_accounts[0].config.mnemonic, "********");

  const did = await t.get_did.execute({ agent_id: child.id });
  assert.equal(did.did, child.did);
  assert.equal(t.get_did.summarize(did), `DID ${child.did}`);

  const issued = await t.issue_credential.execute({
    subject_id: child.id,
    types: ["AgentCapability"],
    claim: { can_send_email: true },
  });
  assert.equal(typeof issued.credential, "string");
  const server = await t.verify_credential.execute({ credential: issued.credential });
  assert.equal(server.verified, true);
  assert.equal(t.verify_credential.summarize(server), "Verified");
  const before = requests.length;
  const offline = await t.verify_credential_offline.execute({ credential: issued.credential });
  assert.equal(offline.verified, true);
  assert.equal(requests.length, before, "offline: no request");
  const tampered = await t.verify_credential_offline.execute({
    credential: `${issued.credential}x`,
  });
  assert.equal(t.verify_credential_offline.summarize(tampered), "Not verified: invalid signature");
  // A credential object is judged by what it claims too, not by its proof alone.
  const claimed = {
    credential: {
      credentialSubject: { id: "did:evil", admin: true },
      proof: { jwt: issued.credential },
    },
  };
  for (const tool of [t.verify_credential_offline, t.verify_credential]) {
    const verdict = await tool.execute(claimed);
    assert.equal(verdict.verified, false, tool.name);
    assert.match(tool.summarize(verdict), /does not agree with its proof\.jwt/, tool.name);
  }

  // A second factor that logged in is enabled (the emulator refuses to re-key it from then on).
  const status = await t.get_2fa_status.execute({});
  assert.equal(t.get_2fa_status.summarize(status), "2FA enabled: true, method: totp");

  assert.deepEqual(await t.delete_email_account.execute({ account_id: linked.id }), {
    deleted: true,
    account_id: linked.id,
  });
  assert.deepEqual(await t.unlink_child_agent.execute({ child_id: child.id }), {
    unlinked: true,
    child_id: child.id,
  });
  await assert.rejects(t.get_agent.execute({ agent_id: child.id }), NotFoundError);
  assert.deepEqual(await t.delete_agent.execute({ agent_id: master.id }), {
    deleted: true,
    agent_id: master.id,
  });
  assert.deepEqual(await t.list_agents.execute({}), { agents: [] });
});

Deno.test("bad input gets the schema's error and sends nothing, for every tool", async () => {
  const emulator = testEmulator();
  const { client: owner } = await signUp(emulator);
  const { client, requests } = counted(emulator, { token: owner.token! });
  const bad: Record<string, unknown> = {
    list_agents: { all: true },
    get_agent: {},
    list_child_agents: { parent_id: "x" },
    create_child_agent: { parent_id: "p", name: "" },
    update_child_permissions: { child_id: "c", permissions: "all" },
    provision_email: { child_id: 7 },
    provision_wallet: { child_id: "c", chain: "dogecoin" },
    list_assets: null,
    list_email_accounts: [],
    get_did: { agent_id: "x".repeat(300) },
    issue_credential: { subject_id: "s", types: "AgentCapability", claim: {} },
    verify_credential: { credential: "" },
    verify_credential_offline: { credential: 5 },
    get_2fa_status: { code: "123456" },
    delete_agent: { agent_id: "" },
    unlink_child_agent: { child: "c" },
    delete_email_account: "a1",
  };
  const tools = cirtusaiTools(client, { allowDestructive: true });
  assert.deepEqual(Object.keys(bad), tools.map((t) => t.name));
  for (const tool of tools) {
    await assert.rejects(tool.execute(bad[tool.name]), (err: unknown) => {
      assert.ok(err instanceof InvalidArgumentError, tool.name);
      assert.match(
        err.message,
        new RegExp(`^invalid input for ${tool.name}: .+; nothing was sent$`),
      );
      return true;
    });
  }
  assert.deepEqual(requests, []);
});

Deno.test("ServiceLogin: logs in on the first call, once for concurrent calls, again when the session ended", async () => {
  const emulator = testEmulator();
  const { username, password, setup, totp, client: first } = await signUp(emulator);
  await first.auth.confirm2fa(await codeAt(emulator, totp, 1)); // 2FA enforced
  emulator.clock.advance(60_000); // past the steps signUp and confirm used
  const { client, requests } = counted(emulator);
  const slept: number[] = [];
  const session = new ServiceLogin(client, { username, password, totpSecret: setup.secret }, {
    now: () => emulator.clock.now(),
    sleep: (ms) => Promise.resolve(void (slept.push(ms), emulator.clock.advance(ms))),
  });
  const t = byName(cirtusaiTools(client, { session }));
  const results = await Promise.all([1, 2, 3].map(() => t.list_agents.execute({})));
  assert.ok(results.every((r) => (r.agents as unknown[]).length === 1));
  assert.equal(requests.filter((r) => r === "POST /auth/verify-2fa").length, 1, "one login");

  // The session ends: its refresh token was spent twice elsewhere, which revokes the family.
  const refresh = client.refreshToken!;
  for (let i = 0; i < 2; i++) {
    await emulator.fetch("http://emulator.test/auth/refresh", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ refresh_token: refresh }),
    }).then((r) => r.body?.cancel());
  }
  // The next call: 401, the refresh refused, so a new login; in the same 30 s step as the first,
  // whose code cannot be used twice, so it waits for the next step (the sleep) and succeeds.
  const status = await t.get_2fa_status.execute({});
  assert.equal(status.is_2fa_enabled, true);
  assert.deepEqual(slept.length, 1);
  assert.equal(requests.filter((r) => r === "POST /auth/verify-2fa").length, 3, "logged in again");

  // Offline tools need no session.
  const before = requests.length;
  const idle = new ServiceLogin(new CirtusAIClient("http://emulator.test"), {
    username,
    password,
    totpSecret: setup.secret,
  });
  const offline = byName(cirtusaiTools(client, { session: idle })).verify_credential_offline;
  assert.equal((await offline.execute({ credential: "a.b.c" })).verified, false);
  assert.equal(requests.length, before);
});

Deno.test("a real server's unmasked e-mail config reaches no model: the emulator's mask, at any depth", async () => {
  const config = {
    host: "imap.example.com",
    user: "ops",
    pwd: "hunter2",
    credential: "c-secret",
    authorization: "Basic b3BzOmh1bnRlcjI=",
    cookie: "sid=abc",
    access_key: "AKIA-secret",
    client_key: "ck-secret",
    smtp: { auth: { passwd: ["hunter3", { again: "hunter4" }] }, port: 587 },
    oauth: { client_id: "visible", tokens: { refresh: "rt-secret" } },
    none: null,
    secret: null,
  };
  const client = new CirtusAIClient("http://api.test", {
    token: "t",
    fetch: () =>
      Promise.resolve(Response.json([{
        id: "e1",
        provider: "imap",
        email_address: "ops@example.com",
        config,
      }])),
  });
  const { email_accounts } = await byName(cirtusaiTools(client)).list_email_accounts.execute({});
  const shown = (email_accounts as { config: Record<string, unknown> }[])[0].config;
  assert.deepEqual(shown, {
    host: "imap.example.com",
    user: "ops",
    pwd: "********",
    credential: "********",
    authorization: "********",
    cookie: "********",
    access_key: "********",
    client_key: "********",
    smtp: { auth: { passwd: "********" }, port: 587 },
    oauth: { client_id: "visible", tokens: "********" },
    none: null,
    secret: null,
  });
  for (const value of ["hunter", "c-secret", "b3Bz", "sid=", "AKIA", "ck-secret", "rt-secret"]) {
    assert.ok(!JSON.stringify(email_accounts).includes(value), value);
  }
  // The emulator answers the same config masked the same way (one mask for both).
  const emulator = testEmulator();
  const { client: owner } = await signUp(emulator);
  const linked = await owner.wallets.createEmailAccount({
    provider: "imap",
    email_address: "ops@example.com",
    config,
  });
  assert.deepEqual(linked.config, shown);
});

Deno.test("secret-looking fields of asset answers are not handed on, should a server send them", async () => {
  const client = new CirtusAIClient("http://api.test", {
    token: "t",
    fetch: () =>
      Promise.resolve(Response.json({
        id: "w1",
        type: "wallet",
        details: { chain: "base", address: "0xabc", seed_phrase: "abandon ability" },
        private_key: "0xdeadbeef",
        chain: "base",
        address: "0xabc",
      })),
  });
  const wallet = await byName(cirtusaiTools(client)).provision_wallet.execute({ child_id: "c" });
  assert.deepEqual(wallet, {
    id: "w1",
    type: "wallet",
    details: { chain: "base", address: "0xabc", seed_phrase: "********" },
    private_key: "********",
    chain: "base",
    address: "0xabc",
  });
});

Deno.test("ServiceLogin: a refused login is an error naming the variables, and is not retried for 30 s", async () => {
  const emulator = testEmulator();
  const { username, setup } = await signUp(emulator);
  const { client, requests } = counted(emulator);
  let now = emulator.clock.now();
  const session = new ServiceLogin(
    client,
    { username, password: "wrong password", totpSecret: setup.secret },
    { now: () => now },
  );
  const t = byName(cirtusaiTools(client, { session }));
  for (let i = 0; i < 3; i++) {
    await assert.rejects(t.list_agents.execute({}), (err: unknown) => {
      assert.ok(err instanceof CirtusAIError);
      assert.match(err.message, /service login as .* was refused .*CIRTUSAI_PASSWORD/);
      assert.ok(!err.message.includes("wrong password"));
      return true;
    });
  }
  assert.equal(requests.filter((r) => r === "POST /auth/login").length, 1);
  now += 31_000;
  await assert.rejects(t.list_agents.execute({}), CirtusAIError);
  assert.equal(requests.filter((r) => r === "POST /auth/login").length, 2);
});

Deno.test("StoredSession: a login saved after the server started is picked up without a restart", async () => {
  const emulator = testEmulator();
  const { client: person } = await signUp(emulator);
  const store = new MemoryTokenStore(); // the credentials file's role
  const agentClient = new CirtusAIClient("http://emulator.test", {
    fetch: emulator.fetch,
    tokenStore: store,
    maxRetries: 0,
  });
  const t = byName(cirtusaiTools(agentClient, { session: new StoredSession(agentClient) }));
  await assert.rejects(t.list_agents.execute({}), /401: Not authenticated/);
  store.save({ access_token: person.token!, refresh_token: person.refreshToken! });
  assert.equal(((await t.list_agents.execute({})).agents as unknown[]).length, 1);
});

Deno.test("StoredSession: a login in the credentials file is adopted in memory only, with its expiry; nothing is written back", async () => {
  const emulator = testEmulator();
  const { client: person } = await signUp(emulator);
  const dir = await Deno.makeTempDir();
  const path = `${dir}/credentials.json`;
  const store = new CredentialsStore({ profile: "default", apiUrl: "http://emulator.test", path });
  try {
    const requests: string[] = [];
    const agentClient = new CirtusAIClient("http://emulator.test", {
      tokenStore: store,
      maxRetries: 0,
      fetch: (input, init) => {
        const request = new Request(input, init);
        requests.push(`${request.method} ${new URL(request.url).pathname}`);
        return emulator.fetch(request);
      },
    });
    const t = byName(cirtusaiTools(agentClient, { session: new StoredSession(agentClient) }));
    await assert.rejects(t.list_agents.execute({}), /401: Not authenticated/);
    // The person logs in at a terminal; the file holds the pair and when its access token ends.
    const expiresAt = Date.now() + 20 * 60_000;
    await store.save({
      access_token: person.token!,
      refresh_token: person.refreshToken!,
      expires_at: expiresAt,
    });
    const before = await Deno.readTextFile(path);
    assert.equal(((await t.list_agents.execute({})).agents as unknown[]).length, 1);
    assert.equal(agentClient.token, person.token);
    assert.equal(
      await Deno.readTextFile(path),
      before,
      "the file is as the person's login left it (a pair rotated meanwhile is never overwritten)",
    );

    // Another process refreshed and saved a pair that is about to expire: the agent's client
    // adopts it with its expiry, so it refreshes before the call instead of after a 401.
    await agentClient.setToken(null); // the session ended (a logout) ...
    await person.auth.refresh(); // ... and a new pair was saved by another process
    await store.save({
      access_token: person.token!,
      refresh_token: person.refreshToken!,
      expires_at: Date.now() - 1,
    });
    requests.length = 0;
    assert.equal(((await t.list_agents.execute({})).agents as unknown[]).length, 1);
    assert.deepEqual(requests, ["GET /agents", "POST /auth/refresh", "GET /agents"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** The MCP server on `tools`, with the SDK's client, in-process. */
async function connected(
  tools: CirtusAITool[],
  options: { secrets?: string[]; allowDestructive?: boolean } = {},
) {
  const log: string[] = [];
  const server = createMcpServer({
    tools,
    allowDestructive: options.allowDestructive,
    log: (line) => log.push(line),
    secrets: () => options.secrets ?? [],
  });
  const [a, b] = InMemoryTransport.createLinkedPair();
  await server.connect(a);
  const client = new Client({ name: "test", version: "1" });
  await client.connect(b);
  const call = async (name: string, args: Record<string, unknown> = {}) =>
    await client.callTool({ name, arguments: args }) as CallToolResult;
  return { client, call, log, close: () => client.close() };
}

function fakeTool(name: string, execute: CirtusAITool["execute"]): CirtusAITool {
  return {
    name,
    description: "A tool for the tests",
    inputSchema: { type: "object", properties: {}, additionalProperties: false },
    annotations: {
      title: name,
      readOnlyHint: true,
      destructiveHint: false,
      idempotentHint: true,
      openWorldHint: false,
    },
    offline: true,
    execute,
    summarize: () => "done",
  };
}

Deno.test("MCP server: results, tool errors with status, no secret in results, errors or the log", async () => {
  const emulator = testEmulator();
  const { client: owner } = await signUp(emulator);
  const token = owner.token!;
  const password = "pw-9f8e7d6c5b4a";
  const tools = [
    ...cirtusaiTools(owner, { allowDestructive: true }),
    fakeTool("leaky", () => Promise.resolve({ note: `token ${token}`, ok: true })),
    fakeTool("failing", () => Promise.reject(new CirtusAIError(`refused ${password} ${token}`))),
    fakeTool("broken", () => Promise.reject(new TypeError("cannot read x"))),
  ];
  const mcp = await connected(tools, { secrets: [password, token] });
  try {
    const listed = await mcp.client.listTools();
    assert.ok(!listed.tools.some((t) => DESTRUCTIVE.includes(t.name)));
    const agents = await mcp.call("list_agents");
    assert.equal(agents.isError, undefined);
    assert.equal((agents.structuredContent as { agents: unknown[] }).agents.length, 1);
    assert.match((agents.content[0] as { text: string }).text, /^1 master agent\n\{"agents":\[/);

    const missing = await mcp.call("get_agent", { agent_id: "nope" });
    assert.equal(missing.isError, true);
    assert.deepEqual(missing.structuredContent, {
      error: {
        message: "GET /agents/nope failed with 404: Agent not found",
        type: "NotFoundError",
        status: 404,
      },
    });
    const invalid = await mcp.call("create_child_agent", { parent_id: "p" });
    assert.equal(invalid.isError, true);
    assert.match(
      (invalid.content[0] as { text: string }).text,
      /invalid input for create_child_agent: input: missing required property "name"/,
    );
    await assert.rejects(
      mcp.call("delete_agent", { agent_id: "a" }),
      /offered only when the server runs with --allow-destructive/,
    );
    await assert.rejects(mcp.call("nothing_such"), /no tool named nothing_such/);

    const leaky = await mcp.call("leaky");
    assert.deepEqual(leaky.structuredContent, { note: "token [redacted]", ok: true });
    const failing = await mcp.call("failing");
    assert.equal(failing.isError, true);
    assert.equal((failing.content[0] as { text: string }).text, "refused [redacted] [redacted]");
    const broken = await mcp.call("broken");
    assert.equal(broken.isError, true);
    assert.match((broken.content[0] as { text: string }).text, /internal error .*cannot read x/);
    assert.equal((await mcp.call("list_agents")).isError, undefined, "still serving");
    const everything = JSON.stringify([leaky, failing, broken]) + mcp.log.join("\n");
    assert.ok(!everything.includes(token) && !everything.includes(password));
    assert.match(mcp.log.join("\n"), /list_agents: ok in \d+ ms/);
  } finally {
    await mcp.close();
  }
});

Deno.test("MCP server: the destructive tools with allowDestructive", async () => {
  const client = new CirtusAIClient("http://emulator.test", { fetch: testEmulator().fetch });
  const mcp = await connected(cirtusaiTools(client, { allowDestructive: true }), {
    allowDestructive: true,
  });
  try {
    const { tools } = await mcp.client.listTools();
    assert.deepEqual(tools.map((t) => t.name), [...SAFE, ...DESTRUCTIVE]);
    const deleting = tools.find((t) => t.name === "delete_agent")!;
    assert.equal(deleting.annotations?.destructiveHint, true);
    const failed = await mcp.call("delete_agent", { agent_id: "a1" });
    assert.equal(failed.isError, true);
    assert.equal((failed.structuredContent as { error: { status: number } }).error.status, 401);
  } finally {
    await mcp.close();
  }
});
