import assert from "node:assert/strict";
import { base58, base64urlnopad } from "@scure/base";
import {
  CLOCK_SKEW_S,
  createDidKey,
  didKeyFromPublicKey,
  isDidKey,
  publicKeyFromDidKey,
  resolveDidKey,
  signCredentialJwt,
  verifyCredentialJwt,
} from "../src/sdk/did.ts";

// did:key test vector from the did:key spec (Ed25519, z6Mk prefix).
const SPEC_DID = "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp";

Deno.test("did:key round-trips a public key with multicodec 0xed01 and base58btc", async () => {
  const pub = publicKeyFromDidKey(SPEC_DID);
  assert.equal(pub.length, 32);
  assert.equal(didKeyFromPublicKey(pub), SPEC_DID);
  const { did, publicKey } = await createDidKey();
  assert.match(did, /^did:key:z6Mk[1-9A-HJ-NP-Za-km-z]+$/);
  const raw = new Uint8Array(await crypto.subtle.exportKey("raw", publicKey));
  assert.deepEqual(publicKeyFromDidKey(did), raw);
  const multicodec = base58.decode(did.slice("did:key:z".length));
  assert.deepEqual([...multicodec.slice(0, 2)], [0xed, 0x01]);
});

Deno.test("malformed did:keys are rejected", () => {
  for (
    const bad of [
      "did:web:example.com",
      "did:key:6Mk",
      "did:key:z0OIl",
      "did:key:z" + base58.encode(new Uint8Array([0xe7, 0x01, ...new Uint8Array(33)])),
    ]
  ) {
    assert.equal(isDidKey(bad), false, bad);
    assert.throws(() => publicKeyFromDidKey(bad), { name: "InvalidArgumentError" });
  }
});

Deno.test("resolution gives a DID document whose key ids point at the DID", () => {
  const doc = resolveDidKey(SPEC_DID);
  const fp = SPEC_DID.slice(8);
  assert.equal(doc.id, SPEC_DID);
  assert.equal(doc.verificationMethod[0].id, `${SPEC_DID}#${fp}`);
  assert.equal(doc.verificationMethod[0].publicKeyMultibase, fp);
  assert.deepEqual(doc.assertionMethod, [`${SPEC_DID}#${fp}`]);
});

async function issue(overrides: Partial<Parameters<typeof signCredentialJwt>[0]> = {}) {
  const issuer = await createDidKey();
  const jwt = await signCredentialJwt({
    issuer: issuer.did,
    privateKey: issuer.privateKey,
    subject: SPEC_DID,
    types: ["AgentCapability"],
    claim: { canPay: true },
    ...overrides,
  });
  return { issuer, jwt };
}

function part(jwt: string, i: number) {
  return JSON.parse(new TextDecoder().decode(base64urlnopad.decode(jwt.split(".")[i])));
}
function encode(value: unknown) {
  return base64urlnopad.encode(new TextEncoder().encode(JSON.stringify(value)));
}

Deno.test("a signed VC-JWT has the documented header and claims and verifies", async () => {
  const { issuer, jwt } = await issue({ now: 1_700_000_000_000 });
  const header = part(jwt, 0);
  assert.deepEqual(header, {
    alg: "EdDSA",
    typ: "JWT",
    kid: `${issuer.did}#${issuer.did.slice(8)}`,
  });
  const payload = part(jwt, 1);
  assert.equal(payload.iss, issuer.did);
  assert.equal(payload.sub, SPEC_DID);
  assert.equal(payload.nbf, 1_700_000_000);
  assert.equal(payload.iat, 1_700_000_000);
  assert.match(payload.jti, /^urn:uuid:[0-9a-f-]{36}$/);
  assert.deepEqual(payload.vc.type, ["VerifiableCredential", "AgentCapability"]);
  assert.deepEqual(payload.vc.credentialSubject, { canPay: true, id: SPEC_DID });
  const result = await verifyCredentialJwt(jwt);
  assert.equal(result.verified, true);
  assert.deepEqual(result.payload, payload);
});

Deno.test("every rejection path says why", async () => {
  const { jwt } = await issue();
  const [h, p, s] = jwt.split(".");
  const payload = part(jwt, 1);
  const other = await createDidKey();
  const foreign = await signCredentialJwt({
    issuer: other.did,
    privateKey: (await createDidKey()).privateKey,
    subject: SPEC_DID,
    types: [],
    claim: {},
  });
  const cases: [string, string | undefined, RegExp][] = [
    ["not three parts", "abc.def", /compact JWT/],
    ["garbage parts", "!!.??.xx", /not a JWT/],
    [
      "tampered payload",
      `${h}.${
        encode({ ...payload, vc: { ...payload.vc, credentialSubject: { canPay: false } } })
      }.${s}`,
      /invalid signature/,
    ],
    ["bad signature", `${h}.${p}.${s.slice(0, -4)}AAAA`, /invalid signature/],
    ["key of someone else", foreign, /invalid signature/],
    ["wrong alg", `${encode({ alg: "HS256" })}.${p}.${s}`, /unsupported algorithm/],
    [
      "unknown issuer",
      `${h}.${encode({ ...payload, iss: "did:web:example.com" })}.${s}`,
      /unknown issuer/,
    ],
    [
      "malformed issuer",
      `${h}.${encode({ ...payload, iss: "did:key:zzzz" })}.${s}`,
      /malformed issuer/,
    ],
    ["not a DID", `${h}.${encode({ ...payload, iss: "alice" })}.${s}`, /malformed issuer/],
    [
      "foreign kid",
      `${encode({ alg: "EdDSA", kid: `${other.did}#x` })}.${p}.${s}`,
      /kid does not belong/,
    ],
  ];
  for (const [name, token, why] of cases) {
    const result = await verifyCredentialJwt(token!);
    assert.equal(result.verified, false, name);
    assert.match(result.error!, why, name);
    assert.equal(result.payload, undefined);
  }
});

Deno.test("validity period: nbf and exp hold within the documented skew of the clock", async () => {
  const now = Date.now();
  const skew = CLOCK_SKEW_S * 1000;
  const future = await issue({ now: now + skew + 1000 });
  assert.match((await verifyCredentialJwt(future.jwt, { now })).error!, /not valid yet/);
  const soon = await issue({ now: now + skew - 1000 });
  assert.equal((await verifyCredentialJwt(soon.jwt, { now })).verified, true, "within the skew");
  const expiring = await issue({ now, expiresIn: 60 });
  assert.equal((await verifyCredentialJwt(expiring.jwt, { now: now + 30_000 })).verified, true);
  const late = now + 60_000 + skew;
  assert.equal((await verifyCredentialJwt(expiring.jwt, { now: late - 1000 })).verified, true);
  assert.match((await verifyCredentialJwt(expiring.jwt, { now: late })).error!, /expired/);
  const badTimes = await signed(await createDidKey(), (p) => ({ ...p, exp: "tomorrow" }));
  assert.match((await verifyCredentialJwt(badTimes)).error!, /expired/);
});

/** A JWT signed by `key` whose payload is our credential's, changed by `change`. */
async function signed(
  key: { did: string; privateKey: CryptoKey },
  change: (payload: Record<string, unknown>) => Record<string, unknown>,
  header: Record<string, unknown> = { alg: "EdDSA", typ: "JWT" },
): Promise<string> {
  const jwt = await signCredentialJwt({
    issuer: key.did,
    privateKey: key.privateKey,
    subject: SPEC_DID,
    types: ["AgentCapability"],
    claim: { canPay: true },
  });
  const input = `${encode(header)}.${encode(change(part(jwt, 1)))}`;
  const signature = await crypto.subtle.sign(
    "Ed25519",
    key.privateKey,
    new TextEncoder().encode(input),
  );
  return `${input}.${base64urlnopad.encode(new Uint8Array(signature))}`;
}

Deno.test("a JWT signed by a did:key that is not a VC does not verify (issue 26)", async () => {
  const key = await createDidKey();
  const V1 = "https://www.w3.org/2018/credentials/v1";
  const vc = (p: Record<string, unknown>) => p.vc as Record<string, unknown>;
  const cases: [string, (p: Record<string, unknown>) => Record<string, unknown>, RegExp][] = [
    ["no vc claim", (p) => ({ iss: p.iss, sub: p.sub, scope: "anything" }), /no vc claim/],
    ["vc is not an object", (p) => ({ ...p, vc: "VerifiableCredential" }), /no vc claim/],
    ["no @context", (p) => ({ ...p, vc: { ...vc(p), "@context": undefined } }), /@context/],
    [
      "@context not starting with v1",
      (p) => ({ ...p, vc: { ...vc(p), "@context": ["https://example.org/ctx", V1] } }),
      /@context/,
    ],
    [
      "a VC 2.0 context",
      (p) => ({ ...p, vc: { ...vc(p), "@context": ["https://www.w3.org/ns/credentials/v2"] } }),
      /@context/,
    ],
    ["type without VerifiableCredential", (p) => ({ ...p, vc: { ...vc(p), type: ["T"] } }), /type/],
    ["no type", (p) => ({ ...p, vc: { ...vc(p), type: undefined } }), /type/],
    [
      "no credentialSubject",
      (p) => ({ ...p, vc: { ...vc(p), credentialSubject: undefined } }),
      /credentialSubject/,
    ],
    [
      "credentialSubject not an object",
      (p) => ({ ...p, vc: { ...vc(p), credentialSubject: "x" } }),
      /credentialSubject/,
    ],
    [
      "vc.issuer another DID",
      (p) => ({
        ...p,
        vc: { ...vc(p), issuer: "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp" },
      }),
      /vc.issuer/,
    ],
    [
      "vc.issuer object with another id",
      (p) => ({ ...p, vc: { ...vc(p), issuer: { id: "did:example:1" } } }),
      /vc.issuer/,
    ],
    ["sub another subject", (p) => ({ ...p, sub: "did:example:other" }), /sub and/],
  ];
  for (const [name, change, why] of cases) {
    const result = await verifyCredentialJwt(await signed(key, change));
    assert.equal(result.verified, false, name);
    assert.match(result.error!, why, name);
  }
  // What VC 1.1 allows verifies: a string @context and type, vc.issuer equal to iss (a string or
  // an object), several subjects, no sub.
  const allowed: [string, (p: Record<string, unknown>) => Record<string, unknown>][] = [
    ["string @context", (p) => ({ ...p, vc: { ...vc(p), "@context": V1 } })],
    ["string type", (p) => ({ ...p, vc: { ...vc(p), type: "VerifiableCredential" } })],
    ["vc.issuer", (p) => ({ ...p, vc: { ...vc(p), issuer: p.iss } })],
    ["vc.issuer object", (p) => ({ ...p, vc: { ...vc(p), issuer: { id: p.iss } } })],
    ["no sub", (p) => ({ ...p, sub: undefined })],
    ["subjects", (p) => ({ ...p, vc: { ...vc(p), credentialSubject: [{ a: 1 }, { b: 2 }] } })],
  ];
  for (const [name, change] of allowed) {
    assert.equal((await verifyCredentialJwt(await signed(key, change))).verified, true, name);
  }
});

Deno.test("a credential object is verified as its proof.jwt; any other object is not verified", async () => {
  const { jwt } = await issue();
  for (
    const object of [{}, { proof: {} }, { proof: { jwt: 5 } }, { proof: "x" }, { jwt }, {
      "@context": ["https://www.w3.org/2018/credentials/v1"],
      type: ["VerifiableCredential"],
      credentialSubject: {},
    }]
  ) {
    const result = await verifyCredentialJwt(object);
    assert.equal(result.verified, false, JSON.stringify(object));
    assert.match(result.error!, /proof\.jwt/);
  }
  const tampered = await verifyCredentialJwt({
    ...objectOf(jwt),
    proof: { jwt: `${jwt.slice(0, -4)}AAAA` },
  });
  assert.match(tampered.error!, /invalid signature/);
});

/** The credential object a VC-JWT encodes, as did-jwt-vc gives it (VC Data Model 1.1 §6.3.1). */
function objectOf(jwt: string): Record<string, unknown> {
  const payload = part(jwt, 1);
  const date = (s: number) => new Date(s * 1000).toISOString();
  return {
    credentialSubject: { ...payload.vc.credentialSubject, id: payload.sub },
    issuer: { id: payload.iss },
    id: payload.jti,
    type: payload.vc.type,
    "@context": payload.vc["@context"],
    issuanceDate: date(payload.nbf),
    ...(payload.exp ? { expirationDate: date(payload.exp) } : {}),
    proof: { type: "JwtProof2020", jwt },
  };
}

Deno.test("a credential object must agree with its proof.jwt: what it claims is what the JWT signs", async () => {
  const { issuer, jwt } = await issue({ expiresIn: 3600 });
  const object = objectOf(jwt);
  const verified = await verifyCredentialJwt(object);
  assert.equal(verified.verified, true, verified.error ?? "");
  assert.deepEqual(verified.payload, part(jwt, 1), "the payload is the JWT's");
  // The same credential spelled otherwise: members in another order, the issuer as its DID,
  // dates without milliseconds, only the four members that must be there.
  const payload = part(jwt, 1);
  const spelled = [
    Object.fromEntries(Object.entries(object).reverse()),
    { ...object, issuer: issuer.did },
    { ...object, issuanceDate: new Date(payload.nbf * 1000).toISOString().replace(".000", "") },
    {
      "@context": object["@context"],
      type: object.type,
      issuer: issuer.did,
      credentialSubject: object.credentialSubject,
      proof: object.proof,
    },
  ];
  for (const same of spelled) {
    const result = await verifyCredentialJwt(same);
    assert.equal(result.verified, true, `${JSON.stringify(same)}: ${result.error}`);
  }
  // The review's case: any valid VC-JWT as the proof of claims it does not make.
  const evil = await verifyCredentialJwt({
    credentialSubject: { id: "did:evil", admin: true },
    proof: { jwt },
  });
  assert.equal(evil.verified, false);
  assert.match(evil.error!, /does not agree with its proof\.jwt: it has no @context/);
  const subject = object.credentialSubject as Record<string, unknown>;
  const differing: [string, Record<string, unknown>, RegExp][] = [
    [
      "another subject",
      { ...object, credentialSubject: { ...subject, id: "did:evil" } },
      /credentialSubject/,
    ],
    [
      "a claim more",
      { ...object, credentialSubject: { ...subject, admin: true } },
      /credentialSubject/,
    ],
    ["a claim less", { ...object, credentialSubject: { id: subject.id } }, /credentialSubject/],
    ["subjects", { ...object, credentialSubject: [subject] }, /credentialSubject/],
    ["another issuer", { ...object, issuer: SPEC_DID }, /issuer/],
    ["an issuer with a name", { ...object, issuer: { id: issuer.did, name: "Bank" } }, /issuer/],
    ["another type", { ...object, type: ["VerifiableCredential", "Admin"] }, /type/],
    [
      "types in another order",
      { ...object, type: ["AgentCapability", "VerifiableCredential"] },
      /type/,
    ],
    ["another context", { ...object, "@context": ["https://example.org/ctx"] }, /@context/],
    ["another id", { ...object, id: "urn:uuid:other" }, /\bid\b/],
    ["another issuance date", { ...object, issuanceDate: "2020-01-01T00:00:00Z" }, /issuanceDate/],
    ["a later expiry", { ...object, expirationDate: "2999-01-01T00:00:00Z" }, /expirationDate/],
    ["a date that is no date", { ...object, issuanceDate: "yesterday" }, /issuanceDate/],
    ["a member the JWT lacks", { ...object, credentialStatus: { id: "x" } }, /credentialStatus/],
  ];
  for (const key of ["@context", "type", "issuer", "credentialSubject"]) {
    const without = { ...object };
    delete without[key];
    differing.push([`no ${key}`, without, new RegExp(`it has no ${key}`)]);
  }
  for (const [name, changed, why] of differing) {
    const result = await verifyCredentialJwt(changed);
    assert.equal(result.verified, false, name);
    assert.match(result.error!, /does not agree with its proof\.jwt/, name);
    assert.match(result.error!, why, name);
  }
});

Deno.test("several subjects: each one's id must be the JWT's sub", async () => {
  const key = await createDidKey();
  const vc = (p: Record<string, unknown>) => p.vc as Record<string, unknown>;
  const subjects = (list: unknown[]) => (p: Record<string, unknown>) => ({
    ...p,
    vc: { ...vc(p), credentialSubject: list },
  });
  const cases: [string, (p: Record<string, unknown>) => Record<string, unknown>, boolean][] = [
    ["the sub's id and one without", subjects([{ id: SPEC_DID, a: 1 }, { b: 2 }]), true],
    ["the sub's id twice", subjects([{ id: SPEC_DID, a: 1 }, { id: SPEC_DID, b: 2 }]), true],
    [
      "another id beside the sub's",
      subjects([{ id: SPEC_DID }, { id: "did:evil", admin: true }]),
      false,
    ],
    ["another id first", subjects([{ id: "did:evil", admin: true }, { id: SPEC_DID }]), false],
  ];
  for (const [name, change, verified] of cases) {
    const result = await verifyCredentialJwt(
      await signed(key, (p) => change({ ...p, sub: SPEC_DID })),
    );
    assert.equal(result.verified, verified, `${name}: ${result.error}`);
    if (!verified) assert.match(result.error!, /sub and vc.credentialSubject.id differ/, name);
  }
});
