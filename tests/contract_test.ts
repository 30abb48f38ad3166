// Issue 26: the contract proven by outside tools, pinned in tests/contract/ (installed by
// scripts/setup_runtimes.ts): @redocly/cli lints /openapi.json; openapi-typescript's types of it
// and the SDK's models are assignable both ways; Ajv (JSON Schema 2020-12) checks every documented
// operation's answer against its schema, and that the document's request schemas accept exactly
// what the server accepts; did-jwt-vc with key-did-resolver verifies our credentials, and both
// did:key resolvers on npm agree with our DID documents.
import assert from "node:assert/strict";
import { base58 } from "@scure/base";
import { Totp } from "../mod.ts";
import {
  createDidKey,
  publicKeyFromDidKey,
  resolveDidKey,
  signCredentialJwt,
  verifyCredentialJwt,
} from "../src/sdk/did.ts";
import { base64urlEncode } from "../src/sdk/encoding.ts";
import type { Emulator } from "../src/emulator/mod.ts";
import { codeAt, raw, signUp, testEmulator } from "./helpers.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const CONTRACT = `${ROOT}tests/contract/`;
const NPM_CI = "npm ci --prefix tests/contract";
type Obj = Record<string, unknown>;

async function node(args: string[], stdin?: unknown): Promise<string> {
  try {
    await Deno.stat(`${CONTRACT}node_modules`);
  } catch {
    throw new Error(`tests/contract/node_modules is missing. Install it with: ${NPM_CI}`);
  }
  const child = new Deno.Command("node", {
    args,
    cwd: CONTRACT,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  if (stdin !== undefined) await writer.write(new TextEncoder().encode(JSON.stringify(stdin)));
  await writer.close();
  const out = await child.output();
  const stdout = new TextDecoder().decode(out.stdout);
  assert.equal(
    out.code,
    0,
    `node ${args.join(" ")}:\n${new TextDecoder().decode(out.stderr)}\n${stdout}`,
  );
  return stdout;
}

async function documentOf(emulator: Emulator): Promise<Obj> {
  return (await raw(emulator, "GET", "/openapi.json")).body as Obj;
}

/** Where the document is written for the command-line tools. */
async function written(document: Obj): Promise<string> {
  await Deno.mkdir(`${CONTRACT}generated`, { recursive: true });
  const path = `${CONTRACT}generated/openapi.json`;
  await Deno.writeTextFile(path, JSON.stringify(document, null, 2));
  return path;
}

/** A JSON pointer segment. */
const segment = (s: string) => s.replaceAll("~", "~0").replaceAll("/", "~1");

/** Ajv's verdicts on `items`, each a value and the JSON pointer of its schema in `document`. */
async function validate(
  document: Obj,
  items: { pointer: string; value: unknown }[],
): Promise<{ valid: boolean; errors: string[] }[]> {
  return JSON.parse(await node(["validate.mjs"], { document, items }));
}

Deno.test("@redocly/cli lints the document clean (recommended-strict, tests/contract/redocly.yaml)", async () => {
  const path = await written(await documentOf(testEmulator()));
  const report = JSON.parse(
    await node([
      "node_modules/@redocly/cli/bin/cli.js",
      "lint",
      "--config",
      "redocly.yaml",
      "--format",
      "json",
      path,
    ]),
  );
  const problems = (report.problems as { message: string; ruleId: string }[])
    .map((p) => `${p.ruleId}: ${p.message}`);
  assert.deepEqual(problems, []);
  assert.deepEqual(report.totals, { errors: 0, warnings: 0, ignored: 0 });
});

Deno.test("openapi-typescript: the SDK's models and the generated types are assignable both ways", async () => {
  const path = await written(await documentOf(testEmulator()));
  await node([
    "node_modules/openapi-typescript/bin/cli.js",
    path,
    "--output",
    "generated/api.d.ts",
  ]);
  const check = await new Deno.Command(Deno.execPath(), {
    args: ["check", `${CONTRACT}sdk_models.ts`],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(check.code, 0, new TextDecoder().decode(check.stderr));
});

interface Exchange {
  operationId: string;
  pointer: string;
  status: number;
  type: string;
  body: unknown;
  request?: { pointer: string; value: unknown };
}

Deno.test("every documented operation, called with a valid request, answers as its schema says", async () => {
  const emulator = testEmulator();
  const document = await documentOf(emulator);
  const paths = document.paths as Record<string, Record<string, Obj>>;
  const byId = new Map<string, { path: string; method: string; op: Obj }>();
  for (const [path, ops] of Object.entries(paths)) {
    for (const [method, op] of Object.entries(ops)) {
      byId.set(op.operationId as string, { path, method, op });
    }
  }
  const exchanges: Exchange[] = [];
  let token = "";
  async function call(
    operationId: string,
    init: {
      id?: string;
      json?: unknown;
      form?: Record<string, string>;
      query?: string;
      bearer?: string;
    } = {},
  ): Promise<Obj> {
    const found = byId.get(operationId);
    assert.ok(found, `${operationId} is documented`);
    const { path, method, op } = found;
    const concrete = path.replace("{id}", encodeURIComponent(init.id ?? ""));
    const headers: Record<string, string> = {};
    if ((op.security as unknown[]).length) headers.authorization = `Bearer ${init.bearer ?? token}`;
    let body: string | undefined;
    let request: Exchange["request"];
    const at = `/paths/${segment(path)}/${method}`;
    if (init.json !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(init.json);
      request = {
        pointer: `${at}/requestBody/content/application~1json/schema`,
        value: init.json,
      };
    } else if (init.form) {
      headers["content-type"] = "application/x-www-form-urlencoded";
      body = new URLSearchParams(init.form).toString();
      request = {
        pointer: `${at}/requestBody/content/application~1x-www-form-urlencoded/schema`,
        value: init.form,
      };
    }
    const url = `http://emulator.test${concrete}${init.query ? `?${init.query}` : ""}`;
    const res = await emulator.fetch(url, { method: method.toUpperCase(), headers, body });
    const type = res.headers.get("content-type")?.split(";")[0] ?? "";
    const bytes = new Uint8Array(await res.arrayBuffer());
    const answer = type === "application/json"
      ? JSON.parse(new TextDecoder().decode(bytes))
      : bytes;
    assert.ok(res.status < 300, `${operationId}: ${res.status} ${JSON.stringify(answer)}`);
    const responses = op.responses as Record<string, { content?: Record<string, unknown> }>;
    const documented = responses[String(res.status)];
    assert.ok(documented, `${operationId} answered ${res.status}, which it does not document`);
    if (res.status === 204) {
      assert.equal(bytes.length, 0);
      assert.equal(documented.content, undefined);
    } else {
      assert.ok(documented.content?.[type], `${operationId}: ${type} is documented`);
      exchanges.push({
        operationId,
        pointer: `${at}/responses/${res.status}/content/${segment(type)}/schema`,
        status: res.status,
        type,
        body: type === "application/json" ? answer : "(binary)",
        request,
      });
    }
    if (type === "image/png") assert.deepEqual([...bytes.slice(1, 4)], [0x50, 0x4e, 0x47]);
    return type === "application/json" ? answer : {};
  }

  const password = "correct horse battery";
  const setup = await call("register", {
    json: { username: "walker", email: "walker@example.com", password },
  });
  const totp = await Totp.fromSecret(String(setup.secret));
  const login = await call("login", { form: { username: "walker", password } });
  let tokens = await call("verify2fa", {
    json: { temporary_token: login.temporary_token, totp_code: await codeAt(emulator, totp) },
  });
  tokens = await call("refresh", { json: { refresh_token: tokens.refresh_token } });
  token = String(tokens.access_token);
  await call("get2faStatus");
  await call("debug2fa");
  await call("getQrCode");
  const [master] = await call("listAgents") as unknown as Obj[];
  const child = await call("createChildAgent", { json: { parent_id: master.id, name: "walker" } });
  await call("getChildren");
  await call("getAgent", { id: String(child.id) });
  await call("updateChildPermissions", {
    id: String(child.id),
    json: { permissions: { pay: true, limit: 10 } },
  });
  await call("provisionEmail", { id: String(child.id) });
  await call("provisionWallet", { id: String(child.id), json: { chain: "solana" } });
  await call("listAssets");
  const account = await call("createEmailAccount", {
    json: { provider: "imap", email_address: "walker@mail.example", config: { password: "pw" } },
  });
  await call("listEmailAccounts");
  await call("getEmailAccount", { id: String(account.id) });
  await call("updateEmailAccount", {
    id: String(account.id),
    json: { provider: "gmail", email_address: "walker@gmail.example", config: {} },
  });
  await call("refreshEmailToken", { id: String(account.id) });
  await call("getDid", { id: String(master.did) });
  const issued = await call("issueCredential", {
    json: { subject_id: String(child.id), type: ["AgentCapability"], claim: { pay: true } },
  });
  await call("verifyCredential", { json: { credential: issued.credential } });
  await call("deleteEmailAccount", { id: String(account.id) });
  emulator.clock.advance(30_000);
  await call("confirm2fa", { json: { totp_code: await codeAt(emulator, totp) } });
  emulator.clock.advance(30_000);
  await call("disable2fa", { json: { totp_code: await codeAt(emulator, totp), password } });
  await call("setup2fa");
  // An SMS account's login waits for its code: its temporary token may ask for another.
  await raw(emulator, "POST", "/auth/register", {
    json: {
      username: "texter",
      email: "texter@example.com",
      password,
      preferred_2fa_method: "sms",
    },
  });
  const sms = await raw(emulator, "POST", "/auth/login", {
    body: new URLSearchParams({ username: "texter", password }),
  });
  emulator.clock.advance(60_000);
  await call("requestSmsCode", { bearer: String((sms.body as Obj).temporary_token) });
  await call("unlinkChildAgent", { id: String(child.id) });
  await call("deleteAgent", { id: String(master.id) });

  const called = new Set(exchanges.map((e) => e.operationId));
  called.add("unlinkChildAgent").add("deleteAgent").add("deleteEmailAccount");
  assert.deepEqual([...byId.keys()].filter((id) => !called.has(id)), [], "every operation walked");

  const answers = exchanges.filter((e) => e.type === "application/json");
  const requests = exchanges.flatMap((e) => e.request ? [e.request] : []);
  const verdicts = await validate(document, [
    ...answers.map((e) => ({ pointer: e.pointer, value: e.body })),
    ...requests,
  ]);
  const wrong = verdicts.flatMap((v, i) =>
    v.valid ? [] : [`${i < answers.length ? answers[i].operationId : "request"}: ${v.errors}`]
  );
  assert.deepEqual(wrong, []);
  assert.ok(answers.length >= 25);
});

Deno.test("the document's request schemas accept what the server accepts, and no more", async () => {
  const emulator = testEmulator();
  const document = await documentOf(emulator);
  const usernames = [
    "ada",
    "a".repeat(64),
    "a".repeat(65),
    "🙂".repeat(64),
    "🙂".repeat(65),
    "",
    "a b",
    "a\tb",
    "a\u0000b",
    "a\u001cb",
    "a\u007fb",
    "a\u0085b",
    "a\u00a0b",
    "\u3000ada",
    "ada\u2028",
    "ada@example.com",
    "é",
    "a\u200bb",
    "o'neil",
  ];
  const emails = [
    "ada@example.com",
    "a+tag@sub.example.org",
    "a@b.co",
    "0@com",
    "a:b@example.com",
    "a..b@example.com",
    ".a@example.com",
    "a.@example.com",
    "a@-b.com",
    "a@b-.com",
    '"a b"@example.com',
    "a@[127.0.0.1]",
    "é@example.com",
    "a@example.com ",
    `${"a".repeat(242)}@example.com`,
    `${"a".repeat(243)}@example.com`,
    "a@@example.com",
  ];
  const passwords = [
    "",
    "x",
    "x".repeat(1024),
    "x".repeat(1025),
    "🙂".repeat(1024),
    "🙂".repeat(1025),
  ];
  const bodies = [
    ...usernames.map((username, i) => ({ username, email: `u${i}@example.com`, password: "pw" })),
    ...emails.map((email, i) => ({ username: `e${i}`, email, password: "pw" })),
    ...passwords.map((password, i) => ({
      username: `p${i}`,
      email: `p${i}@example.com`,
      password,
    })),
  ];
  const server: boolean[] = [];
  for (const json of bodies) {
    const res = await raw(emulator, "POST", "/auth/register", { json });
    assert.ok(res.status === 201 || res.status === 422, `${res.status} ${JSON.stringify(json)}`);
    server.push(res.status === 201);
  }
  const { client } = await signUp(emulator);
  const [master] = await client.agents.listAgents();
  const names = [
    "kid",
    "  kid  ",
    "",
    "   ",
    "\u3000\u2028",
    "🙂".repeat(256),
    "🙂".repeat(257),
    ` ${"a".repeat(255)}`,
    `${"a".repeat(256)} `,
    "\u0085",
  ];
  const childBodies = names.map((name) => ({ parent_id: master.id, name }));
  for (const json of childBodies) {
    const res = await raw(emulator, "POST", "/agents/children", { token: client.token!, json });
    assert.ok(res.status === 201 || res.status === 422, `${res.status} ${JSON.stringify(json)}`);
    server.push(res.status === 201);
  }
  const pointer = (path: string) =>
    `/paths/${segment(path)}/post/requestBody/content/application~1json/schema`;
  const verdicts = await validate(document, [
    ...bodies.map((value) => ({ pointer: pointer("/auth/register"), value })),
    ...childBodies.map((value) => ({ pointer: pointer("/agents/children"), value })),
  ]);
  const all = [...bodies, ...childBodies];
  const disagreements = verdicts.flatMap((v, i) =>
    v.valid === server[i] ? [] : [
      `${JSON.stringify(all[i]).slice(0, 80)}: document ${v.valid} (${v.errors}), server ${
        server[i]
      }`,
    ]
  );
  assert.deepEqual(disagreements, []);
  assert.ok(server.includes(true) && server.includes(false));
});

/** A JWT with `payload`, signed by `key` (EdDSA), as a did:key could sign anything. */
async function signedJwt(
  key: { did: string; privateKey: CryptoKey },
  payload: Obj,
): Promise<string> {
  const encode = (v: unknown) => base64urlEncode(new TextEncoder().encode(JSON.stringify(v)));
  const input = `${encode({ alg: "EdDSA", typ: "JWT" })}.${encode({ iss: key.did, ...payload })}`;
  const signature = await crypto.subtle.sign(
    "Ed25519",
    key.privateKey,
    new TextEncoder().encode(input),
  );
  return `${input}.${base64urlEncode(new Uint8Array(signature))}`;
}

Deno.test("did-jwt-vc (key-did-resolver) verifies our credentials, and we verify its VC-JWT", async () => {
  const emulator = testEmulator();
  const { client } = await signUp(emulator);
  const [master] = await client.agents.listAgents();
  const child = await client.agents.createChildAgent(master.id, "holder");
  const issued = await client.identity.issueCredential({
    subject_id: child.id,
    types: ["AgentCapability"],
    claim: { canPay: true },
  });
  const key = await createDidKey();
  const offline = await signCredentialJwt({
    issuer: key.did,
    privateKey: key.privateKey,
    subject: master.did!,
    types: ["Example"],
    claim: { name: "Ada" },
    expiresIn: 3600,
  });
  const theirs = JSON.parse(await node(["vc.mjs", "verify"], [issued.credential, offline]));
  assert.deepEqual(theirs.map((r: Obj) => r.verified), [true, true], JSON.stringify(theirs));
  assert.equal(theirs[0].issuer, master.did);
  assert.equal(theirs[0].subject, child.did);

  const foreign = JSON.parse(await node(["vc.mjs", "issue"]));
  assert.equal((await verifyCredentialJwt(foreign.jwt)).verified, true, "offline");
  const online = await client.identity.verifyCredential(foreign.jwt);
  assert.equal(online.verified, true, "the emulator's verify");
  assert.equal((online.payload as Obj).iss, foreign.did);
  // The credential object did-jwt-vc reads from that JWT agrees with it, for both verifiers; the
  // same object claiming more does not.
  const wrapped = await client.identity.verifyCredential(foreign.credential);
  assert.equal(wrapped.verified, true, `did-jwt-vc's credential object: ${wrapped.error}`);
  assert.equal((await verifyCredentialJwt(foreign.credential)).verified, true, "offline");
  const more = {
    ...foreign.credential,
    credentialSubject: { ...foreign.credential.credentialSubject, admin: true },
  };
  const refused = await client.identity.verifyCredential(more);
  assert.equal(refused.verified, false);
  assert.equal(refused.error, (await verifyCredentialJwt(more)).error);
  assert.match(String(refused.error), /does not agree with its proof\.jwt/);
});

Deno.test("a JWT that is not a VC: did-jwt-vc refuses it, and so do our verifiers (issue 26)", async () => {
  const emulator = testEmulator();
  const { client } = await signUp(emulator);
  const key = await createDidKey();
  const subject = { id: "did:example:1", canPay: true };
  const V1 = "https://www.w3.org/2018/credentials/v1";
  const tokens = await Promise.all([
    { scope: "anything" },
    { vc: { type: ["VerifiableCredential"], credentialSubject: subject } },
    { vc: { "@context": [V1], type: ["AgentCapability"], credentialSubject: subject } },
    {
      vc: {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        type: ["VerifiableCredential"],
        credentialSubject: subject,
      },
    },
  ].map((payload) => signedJwt(key, payload)));
  const theirs = JSON.parse(await node(["vc.mjs", "verify"], tokens));
  assert.deepEqual(theirs.map((r: Obj) => r.verified), [false, false, false, false]);
  for (const jwt of tokens) {
    const offline = await verifyCredentialJwt(jwt);
    const online = await client.identity.verifyCredential(jwt);
    assert.equal(offline.verified, false);
    assert.equal(online.verified, false);
    assert.equal(online.error, offline.error);
    assert.match(String(online.error), /not a verifiable credential/);
  }
  // Any other object is a verdict too, never a 422.
  const object = await raw(emulator, "POST", "/identity/credentials/verify", {
    token: client.token!,
    json: { credential: { "@context": [V1], type: ["VerifiableCredential"] } },
  });
  assert.equal(object.status, 200);
  assert.equal((object.body as Obj).verified, false);
  assert.match(String((object.body as Obj).error), /proof\.jwt/);
});

Deno.test("our DID documents agree with key-did-resolver's and @digitalbazaar/did-method-key's", async () => {
  const emulator = testEmulator();
  const { client } = await signUp(emulator);
  const [master] = await client.agents.listAgents();
  const dids = [
    master.did!,
    (await createDidKey()).did,
    "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp",
  ];
  const resolved = JSON.parse(await node(["did.mjs"], dids)) as {
    did: string;
    ceramic: Obj;
    digitalbazaar: Obj;
  }[];
  for (const { did, ceramic, digitalbazaar } of resolved) {
    const ours = (await client.identity.getDid(did)).info as Obj;
    assert.deepEqual(ours, resolveDidKey(did));
    const key = publicKeyFromDidKey(did);
    for (
      const [name, theirs] of [["key-did-resolver", ceramic], [
        "did-method-key",
        digitalbazaar,
      ]] as const
    ) {
      assert.equal(theirs.id, ours.id, name);
      const [mine] = ours.verificationMethod as Obj[];
      const [their] = theirs.verificationMethod as Obj[];
      assert.equal(their.id, mine.id, name);
      assert.equal(their.controller, mine.controller, name);
      const bytes = their.publicKeyBase58
        ? base58.decode(String(their.publicKeyBase58))
        : publicKeyFromDidKey(`did:key:${their.publicKeyMultibase}`);
      assert.deepEqual([...bytes], [...key], `${name}: the same Ed25519 key`);
      for (
        const relation of [
          "authentication",
          "assertionMethod",
          "capabilityInvocation",
          "capabilityDelegation",
        ]
      ) {
        assert.deepEqual(theirs[relation], ours[relation], `${name}: ${relation}`);
      }
    }
    // The same contexts and verification method as Digital Bazaar's (which also derives an
    // X25519 key agreement key, an option of the did:key method that ours leaves out).
    const { keyAgreement: _, ...rest } = digitalbazaar;
    assert.deepEqual(
      { ...rest, "@context": (rest["@context"] as string[]).filter((c) => !c.includes("x25519")) },
      ours,
    );
  }
});
