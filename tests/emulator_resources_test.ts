// Issue 5: agents, assets, wallets and identity, end to end through the SDK against the emulator.
import assert from "node:assert/strict";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { base58, base64urlnopad, hex } from "@scure/base";
import { type ChildAgent, NotFoundError, UnprocessableEntityError } from "../mod.ts";
import {
  createDidKey,
  resolveDidKey,
  signCredentialJwt,
  verifyCredentialJwt,
} from "../src/sdk/did.ts";
import { raw, signUp, testEmulator } from "./helpers.ts";

Deno.test("agents: master at registration, children, lookup by id or DID, permissions, delete, unlink", async () => {
  const emulator = testEmulator();
  const { client } = await signUp(emulator);
  const masters = await client.agents.listAgents();
  assert.equal(masters.length, 1);
  const [master] = masters;
  assert.match(master.did!, /^did:key:z6Mk/);
  assert.equal("parent_id" in master, false);

  const child = await client.agents.createChildAgent(master.id, "Researcher");
  assert.equal(child.parent_id, master.id);
  assert.deepEqual(child.permissions, {});
  assert.match(child.did!, /^did:key:z6Mk/);
  assert.notEqual(child.did!, master.did!);

  assert.deepEqual(await client.agents.getAgent(child.id), child);
  assert.deepEqual(await client.agents.getAgent(child.did!), child);
  assert.deepEqual(await client.agents.getAgent(master.did!), master);
  assert.deepEqual((await client.agents.getChildren()).map((c) => c.id), [child.id]);
  assert.deepEqual(
    (await client.agents.listAgents()).map((a) => a.id),
    [master.id],
    "children are not masters",
  );

  const perms = await client.agents.updateChildPermissions(child.id, {
    send_email: true,
    spend_limit: 10,
  });
  assert.deepEqual(perms.permissions, { send_email: true, spend_limit: 10 });
  const replaced = await client.agents.updateChildPermissions(child.id, { read_only: true });
  assert.deepEqual(replaced.permissions, { read_only: true }, "PUT replaces the whole object");

  // A grandchild, then deleting the child takes the grandchild and their assets with it.
  const grandchild = await client.agents.createChildAgent(child.id, "Helper");
  await client.agents.provisionEmail(grandchild.id);
  await client.agents.deleteAgent(child.id);
  await assert.rejects(() => client.agents.getAgent(grandchild.id), NotFoundError);
  assert.deepEqual((await client.wallets.listAssets()).assets, []);

  const other = await client.agents.createChildAgent(master.id, "Other");
  await client.agents.unlinkChildAgent(other.id);
  assert.deepEqual(await client.agents.getChildren(), []);
  await assert.rejects(
    () => client.agents.unlinkChildAgent(master.id),
    NotFoundError,
    "unlink takes children only",
  );
  await assert.rejects(
    () => client.agents.createChildAgent("no-such-agent", "x"),
    (err: unknown) => err instanceof NotFoundError && err.detail === "Parent agent not found",
  );
  await assert.rejects(
    () => client.agents.createChildAgent(master.id, "   "),
    /name must be a non-empty string/,
  );
});

Deno.test("another user's agents, assets and accounts are 404, never 403", async () => {
  const emulator = testEmulator();
  const alice = await signUp(emulator);
  const bob = await signUp(emulator);
  const [aliceMaster] = await alice.client.agents.listAgents();
  const aliceChild = await alice.client.agents.createChildAgent(aliceMaster.id, "Private");
  const account = await alice.client.wallets.createEmailAccount({
    provider: "imap",
    email_address: "alice@example.com",
    config: { password: "hunter2" },
  });
  await alice.client.agents.provisionWallet(aliceChild.id);
  const attempts: (() => Promise<unknown>)[] = [
    () => bob.client.agents.getAgent(aliceChild.id),
    () => bob.client.agents.getAgent(aliceChild.did!),
    () => bob.client.agents.deleteAgent(aliceChild.id),
    () => bob.client.agents.unlinkChildAgent(aliceChild.id),
    () => bob.client.agents.updateChildPermissions(aliceChild.id, { all: true }),
    () => bob.client.agents.provisionEmail(aliceChild.id),
    () => bob.client.agents.provisionWallet(aliceChild.id),
    () => bob.client.agents.createChildAgent(aliceMaster.id, "Sneaky"),
    () => bob.client.wallets.getEmailAccount(account.id),
    () =>
      bob.client.wallets.updateEmailAccount(account.id, {
        provider: "x",
        email_address: "x@y.z",
        config: {},
      }),
    () => bob.client.wallets.deleteEmailAccount(account.id),
    () => bob.client.wallets.refreshEmailToken(account.id),
    () => bob.client.identity.getDid(aliceChild.id),
    () =>
      bob.client.identity.issueCredential({ subject_id: aliceChild.id, types: ["X"], claim: {} }),
  ];
  for (const attempt of attempts) await assert.rejects(attempt, NotFoundError);
  assert.deepEqual((await bob.client.wallets.listAssets()).assets, []);
  assert.deepEqual(await bob.client.wallets.listEmailAccounts(), []);
  assert.deepEqual(await bob.client.agents.getChildren(), []);
  // Alice still has everything.
  assert.equal((await alice.client.wallets.listAssets()).assets!.length, 1);
  assert.equal((await alice.client.agents.getAgent(aliceChild.id)).id, aliceChild.id);
});

/** EIP-55, recomputed here independently of the emulator's code. */
function eip55(address: string): string {
  const lower = address.slice(2).toLowerCase();
  const digest = hex.encode(keccak_256(new TextEncoder().encode(lower)));
  return "0x" +
    [...lower].map((ch, i) => (parseInt(digest[i], 16) > 7 ? ch.toUpperCase() : ch)).join("");
}

Deno.test("provisioning: e-mail, EVM wallets with EIP-55 checksums, Solana, and refused chains", async () => {
  const emulator = testEmulator();
  const { client } = await signUp(emulator);
  const [master] = await client.agents.listAgents();
  const child: ChildAgent = await client.agents.createChildAgent(master.id, "Treasurer Bot");

  const email = await client.agents.provisionEmail(child.id);
  assert.equal(email.type, "email");
  assert.equal(email.agent_id, child.id);
  assert.match(
    String(email.details!.email_address),
    /^treasurer-bot-[0-9a-f]{8}@agents\.cirtusai\.local$/,
  );

  const addresses = new Set<string>();
  for (const chain of ["ethereum", "polygon", "arbitrum", "base"]) {
    const wallet = await client.agents.provisionWallet(child.id, chain);
    assert.equal(wallet.type, "wallet");
    assert.equal(wallet.details!.chain, chain);
    const address = String(wallet.details!.address);
    assert.match(address, /^0x[0-9a-fA-F]{40}$/);
    assert.equal(address, eip55(address), `${chain} address has a valid EIP-55 checksum`);
    assert.notEqual(address, address.toLowerCase(), "mixed case (checksummed)");
    assert.equal(
      Object.keys(wallet.details!).sort().join(),
      "address,chain",
      "no private key on the wire",
    );
    addresses.add(address);
  }
  assert.equal(addresses.size, 4, "a fresh key per wallet");
  const defaultChain = await client.agents.provisionWallet(child.id);
  assert.equal(defaultChain.details!.chain, "ethereum");

  const solana = await client.agents.provisionWallet(child.id, "solana");
  const solAddress = String(solana.details!.address);
  assert.equal(base58.decode(solAddress).length, 32);

  await assert.rejects(
    () => client.agents.provisionWallet(child.id, "dogecoin"),
    (err: unknown) => {
      assert.ok(err instanceof UnprocessableEntityError);
      assert.match(err.issues[0].msg, /ethereum, polygon, arbitrum, base, solana/);
      assert.deepEqual(err.issues[0].loc, ["query", "chain"]);
      return true;
    },
  );
  await assert.rejects(
    () => client.agents.provisionEmail(master.id),
    NotFoundError,
    "only children are provisioned",
  );

  const assets = (await client.wallets.listAssets()).assets ?? [];
  assert.equal(assets.length, 7);
  assert.ok(assets.every((a) => typeof a === "object" && a.agent_id === child.id));
  const rawList = JSON.stringify(
    (await raw(emulator, "GET", "/wallets", { token: client.token! })).body,
  );
  assert.ok(!/private/i.test(rawList), "private keys never leave the emulator");
});

Deno.test("e-mail accounts: CRUD on both list spellings, secrets masked, token refresh", async () => {
  const emulator = testEmulator();
  const { client } = await signUp(emulator);
  const created = await client.wallets.createEmailAccount({
    provider: "gmail",
    email_address: "bot@example.com",
    config: {
      imap_host: "imap.gmail.com",
      password: "hunter2",
      oauth: { client_secret: "s3cret", client_id: "id" },
    },
  });
  assert.equal(created.provider, "gmail");
  assert.deepEqual(created.config, {
    imap_host: "imap.gmail.com",
    password: "********",
    oauth: { client_secret: "********", client_id: "id" },
  });
  assert.ok(!JSON.stringify(created).includes("hunter2"));
  assert.deepEqual(await client.wallets.getEmailAccount(created.id), created);
  const token = client.token!;
  for (const path of ["/wallets/email_accounts", "/wallets/email_accounts/"]) {
    const listed = await raw(emulator, "GET", path, { token });
    assert.equal(listed.status, 200, path);
    assert.deepEqual(listed.body, [created]);
  }
  const viaSlash = await raw(emulator, "POST", "/wallets/email_accounts/", {
    token,
    json: { provider: "imap", email_address: "b@example.com", config: {} },
  });
  assert.equal(viaSlash.status, 201);

  const updated = await client.wallets.updateEmailAccount(created.id, {
    provider: "outlook",
    email_address: "bot@outlook.com",
    config: { token: "abc" },
  });
  assert.deepEqual(updated, {
    id: created.id,
    provider: "outlook",
    email_address: "bot@outlook.com",
    config: { token: "********" },
  });
  const refreshed = await client.wallets.refreshEmailToken(created.id);
  assert.ok(refreshed.access_token!.length > 20);
  assert.equal(refreshed.expires_in, 3600);
  assert.notEqual(
    (await client.wallets.refreshEmailToken(created.id)).access_token,
    refreshed.access_token,
  );

  await client.wallets.deleteEmailAccount(created.id);
  await assert.rejects(() => client.wallets.getEmailAccount(created.id), NotFoundError);
  assert.equal((await client.wallets.listEmailAccounts()).length, 1);
  const invalid = await raw(emulator, "POST", "/wallets/email_accounts", {
    token,
    json: { provider: "x", email_address: "y", config: "not an object" },
  });
  assert.equal(invalid.status, 422);
});

Deno.test("identity: DIDs by id or DID, issue with the master as issuer, verify on the server and offline", async () => {
  const emulator = testEmulator();
  const { client } = await signUp(emulator);
  const [master] = await client.agents.listAgents();
  const child = await client.agents.createChildAgent(master.id, "Payer");

  const byId = await client.identity.getDid(child.id);
  assert.equal(byId.did, child.did!);
  assert.deepEqual(byId.info, resolveDidKey(child.did!));
  assert.deepEqual(await client.identity.getDid(child.did!), byId);
  const outsider = await createDidKey();
  assert.equal(
    (await client.identity.getDid(outsider.did)).did,
    outsider.did,
    "any did:key resolves",
  );
  await assert.rejects(() => client.identity.getDid("did:web:example.com"), NotFoundError);
  await assert.rejects(() => client.identity.getDid("no-such-agent"), NotFoundError);

  const { credential } = await client.identity.issueCredential({
    subject_id: child.id,
    types: ["AgentCapability"],
    claim: { can_pay: true, limit: 50 },
  });
  const [header, payload] = String(credential).split(".").slice(0, 2).map((p) =>
    JSON.parse(new TextDecoder().decode(base64urlnopad.decode(p)))
  );
  assert.equal(header.alg, "EdDSA");
  assert.equal(header.kid, `${master.did!}#${master.did!.slice(8)}`);
  assert.equal(payload.iss, master.did!);
  assert.equal(payload.sub, child.did!, "an agent id subject is resolved to its DID");
  assert.deepEqual(payload.vc.type, ["VerifiableCredential", "AgentCapability"]);
  assert.deepEqual(payload.vc.credentialSubject, { can_pay: true, limit: 50, id: child.did! });
  for (const key of ["nbf", "iat", "jti"]) assert.ok(key in payload, key);

  const server = await client.identity.verifyCredential(credential);
  const offline = await verifyCredentialJwt(credential);
  assert.equal(server.verified, true);
  assert.deepEqual(server.payload, payload);
  assert.deepEqual(offline, server, "offline verification gives the same answer");

  const external = await client.identity.issueCredential({
    subject_id: outsider.did,
    types: ["VerifiableCredential", "Membership"],
    claim: {},
  });
  const ext = JSON.parse(
    new TextDecoder().decode(base64urlnopad.decode(String(external.credential).split(".")[1])),
  );
  assert.equal(ext.sub, outsider.did);
  assert.deepEqual(
    ext.vc.type,
    ["VerifiableCredential", "Membership"],
    "VerifiableCredential once, first",
  );
});

Deno.test("verify: every rejection path, the same on the server and offline", async () => {
  const emulator = testEmulator();
  const { client } = await signUp(emulator);
  const { credential } = await client.identity.issueCredential({
    subject_id: "did:example:123",
    types: ["T"],
    claim: { a: 1 },
  });
  const [h, p, s] = String(credential).split(".");
  const payload = JSON.parse(new TextDecoder().decode(base64urlnopad.decode(p)));
  const enc = (v: unknown) => base64urlnopad.encode(new TextEncoder().encode(JSON.stringify(v)));
  const stranger = await createDidKey();
  const now = emulator.clock.now();
  const cases: [string, string, RegExp][] = [
    [
      "tampered payload",
      `${h}.${enc({ ...payload, vc: { ...payload.vc, credentialSubject: { a: 2 } } })}.${s}`,
      /invalid signature/,
    ],
    [
      "bad signature",
      `${h}.${p}.${base64urlnopad.encode(new Uint8Array(64))}`,
      /invalid signature/,
    ],
    [
      "unknown issuer",
      `${h}.${enc({ ...payload, iss: "did:web:example.com" })}.${s}`,
      /unknown issuer/,
    ],
    [
      "malformed issuer",
      `${h}.${enc({ ...payload, iss: "did:key:zBad" })}.${s}`,
      /malformed issuer/,
    ],
    [
      "future nbf",
      await signCredentialJwt({
        issuer: stranger.did,
        privateKey: stranger.privateKey,
        subject: "did:example:1",
        types: [],
        claim: {},
        now: now + 3_600_000,
      }),
      /not valid yet/,
    ],
    [
      "past exp",
      await signCredentialJwt({
        issuer: stranger.did,
        privateKey: stranger.privateKey,
        subject: "did:example:1",
        types: [],
        claim: {},
        now: now - 7_200_000,
        expiresIn: 60,
      }),
      /expired/,
    ],
    ["not a JWT", "hello", /compact JWT/],
  ];
  for (const [name, jwt, why] of cases) {
    const server = await client.identity.verifyCredential(jwt);
    assert.equal(server.verified, false, name);
    assert.match(server.error!, why, name);
    assert.deepEqual(await verifyCredentialJwt(jwt), server, `${name}: offline agrees`);
  }
  // Any did:key issuer's valid credential verifies, not only the emulator's own.
  const foreign = await signCredentialJwt({
    issuer: stranger.did,
    privateKey: stranger.privateKey,
    subject: "did:example:1",
    types: [],
    claim: {},
    now,
  });
  assert.equal((await client.identity.verifyCredential(foreign)).verified, true);
});
