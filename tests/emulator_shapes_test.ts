// The emulator sends the superset of both seed documents (docs/API.md, "What the emulator
// sends"), so code written from either finds its fields on the raw answers; messages follow the
// Python SDK's tests; the password rule is the real backend's; and the documents' other inputs
// (a wallet's chain in a JSON body, deleting a master agent) are served.
import assert from "node:assert/strict";
import { Totp } from "../mod.ts";
import { codeAt, raw, signUp, testEmulator } from "./helpers.ts";

type Obj = Record<string, unknown>;

Deno.test("setup, status and debug answers carry both documents' spellings", async () => {
  const emulator = testEmulator();
  const reg = await raw(emulator, "POST", "/auth/register", {
    json: { username: "sam", email: "sam@example.com", password: "pw" },
  });
  assert.equal(reg.status, 201);
  const setup = reg.body as Obj;
  for (const field of ["secret", "secret_key", "qr_code_uri", "qr_code_url", "qr_code_image"]) {
    assert.equal(typeof setup[field], "string", field);
  }
  assert.equal(setup.secret_key, setup.secret);
  assert.equal(setup.qr_code_url, setup.qr_code_uri);
  assert.equal(String(setup.manual_entry_key).replaceAll(" ", ""), setup.secret);
  assert.equal((setup.backup_codes as string[]).length, 8);

  const totp = await Totp.fromSecret(String(setup.secret));
  const login = await raw(emulator, "POST", "/auth/login", {
    body: new URLSearchParams({ username: "sam", password: "pw" }),
  });
  const verify = await raw(emulator, "POST", "/auth/verify-2fa", {
    json: {
      temporary_token: (login.body as Obj).temporary_token,
      totp_code: await codeAt(emulator, totp),
    },
  });
  const token = String((verify.body as Obj).access_token);
  const status = (await raw(emulator, "GET", "/auth/2fa/status", { token })).body as Obj;
  assert.deepEqual(status, {
    is_2fa_enabled: true,
    preferred_2fa_method: "totp",
    is_sms_enabled: false,
    enabled: true,
    method: "totp",
    backup_codes_remaining: 8,
  });
  const debug = (await raw(emulator, "GET", "/auth/debug-2fa", { token })).body as Obj;
  assert.equal(typeof debug.current_server_time, "number");
  assert.equal(
    Math.floor(Date.parse(String(debug.server_time)) / 1000),
    Math.floor(emulator.clock.now() / 1000),
    "server_time is the same instant, in ISO 8601",
  );
  assert.equal(debug.time_window, 1);
  assert.equal(debug.period, 30);
  assert.deepEqual(Object.keys(debug.valid_codes as Obj), [
    "time_step_-1",
    "time_step_+0",
    "time_step_+1",
  ]);
});

Deno.test("messages follow the Python SDK's tests", async () => {
  const emulator = testEmulator();
  const bad = await raw(emulator, "POST", "/auth/login", {
    body: new URLSearchParams({ username: "nobody", password: "x" }),
  });
  // (On the memory store an unknown name adds why it may be unknown: see emulator_auth_test.)
  assert.match(String((bad.body as Obj).detail), /^Incorrect username\/email or password/);
  const temp = await raw(emulator, "POST", "/auth/verify-2fa", {
    json: { temporary_token: "forged", totp_code: "123456" },
  });
  assert.deepEqual(temp.body, { detail: "Invalid or expired temporary token" });

  const { client, totp } = await signUp(emulator);
  const token = client.token!;
  const confirm = await raw(emulator, "POST", "/auth/2fa/confirm", {
    token,
    json: { totp_code: await codeAt(emulator, totp, 1) },
  });
  assert.deepEqual(confirm.body, { message: "2FA has been successfully enabled" });
});

Deno.test("passwords: 1 to 1024 characters as the real backend, or a minimum of your own", async () => {
  const emulator = testEmulator();
  const register = (password: string, username: string) =>
    raw(emulator, "POST", "/auth/register", {
      json: { username, email: `${username}@example.com`, password },
    });
  assert.equal((await register("x", "one")).status, 201, "one character is enough");
  assert.equal((await register("", "none")).status, 422);
  assert.equal((await register("x".repeat(1025), "long")).status, 422);
  assert.equal((await register("x".repeat(1024), "max")).status, 201);

  const strict = testEmulator({ minPasswordLength: 12 });
  const short = await raw(strict, "POST", "/auth/register", {
    json: { username: "s", email: "s@example.com", password: "elevenchars" },
  });
  assert.equal(short.status, 422);
  assert.match(JSON.stringify(short.body), /12 to 1024 characters/);
});

Deno.test("provisioning answers carry the Asset and the flat fields; a chain may come in a JSON body", async () => {
  const emulator = testEmulator();
  const { client } = await signUp(emulator);
  const [master] = await client.agents.listAgents();
  const child = await client.agents.createChildAgent(master.id, "payer");
  const token = client.token!;
  const base = `/agents/children/${child.id}/assets/provision`;

  const email = (await raw(emulator, "POST", `${base}/email`, { token })).body as Obj;
  assert.equal(email.type, "email");
  assert.equal(email.email_address, (email.details as Obj).email_address);
  assert.equal(typeof email.provider, "string");
  assert.equal(email.status, "active");

  const wallet = await raw(emulator, "POST", `${base}/wallet`, {
    token,
    json: { chain: "polygon" },
  });
  const w = wallet.body as Obj;
  assert.equal(wallet.status, 200);
  assert.equal(w.chain, "polygon", "the chain was read from the JSON body");
  assert.equal(w.address, (w.details as Obj).address);
  assert.equal(typeof w.balance, "string");

  const bad = await raw(emulator, "POST", `${base}/wallet`, { token, json: { chain: "dogecoin" } });
  assert.equal(bad.status, 422);
  const issue = (bad.body as { detail: { loc: string[]; msg: string }[] }).detail[0];
  assert.deepEqual(issue.loc, ["body", "chain"]);
  assert.match(issue.msg, /ethereum, polygon, arbitrum, base, solana/);
  const wrong = await raw(emulator, "POST", `${base}/wallet`, { token, json: { chain: 5 } });
  assert.equal(wrong.status, 422);

  const listed = (await client.wallets.listAssets()).assets!;
  assert.equal(listed.length, 2, "a refused chain provisioned nothing");
});

Deno.test("DELETE /agents/{id} of a master agent deletes it with its subtree and assets", async () => {
  const emulator = testEmulator();
  const { client } = await signUp(emulator);
  const [master] = await client.agents.listAgents();
  const child = await client.agents.createChildAgent(master.id, "kid");
  assert.equal(child.state, null, "a child has no state of its own");
  assert.deepEqual(master.state, { status: "active" });
  await client.agents.provisionWallet(child.id);
  await client.agents.deleteAgent(master.id);
  assert.deepEqual(await client.agents.listAgents(), []);
  assert.deepEqual(await client.agents.getChildren(), []);
  assert.deepEqual((await client.wallets.listAssets()).assets, []);
  const issued = await raw(emulator, "POST", "/identity/credentials/issue", {
    token: client.token!,
    json: { subject_id: "did:example:1", type: ["T"], claim: {} },
  });
  assert.equal(issued.status, 409, "no master agent is left to sign with");
});
