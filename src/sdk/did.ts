/**
 * `did:key` for Ed25519 keys and VC-JWT credentials, on WebCrypto. Shared by the SDK (offline
 * verification) and the emulator (issuing).
 *
 * @example
 * ```ts
 * import { createDidKey, signCredentialJwt, verifyCredentialJwt } from "@cirtusai/sdk/did";
 * const issuer = await createDidKey();
 * const jwt = await signCredentialJwt({
 *   issuer: issuer.did, privateKey: issuer.privateKey, subject: "did:example:123",
 *   types: ["AgentCapability"], claim: { canPay: true },
 * });
 * console.log((await verifyCredentialJwt(jwt)).verified); // true
 * ```
 *
 * @module
 */
import { base58Decode, base58Encode, base64urlDecode, base64urlEncode } from "./encoding.ts";
import { InvalidArgumentError } from "./errors.ts";
import type { CredentialVerification, JsonObject } from "./types.ts";

// Multicodec prefix of an Ed25519 public key (varint 0xed).
const ED25519_PREFIX = [0xed, 0x01];
const DID_KEY = /^did:key:z[1-9A-HJ-NP-Za-km-z]+$/;
/** An Ed25519 did:key is 56 characters; a little slack, and never the unbounded input. */
const MAX_DID_KEY_LENGTH = 64;
const ED25519 = { name: "Ed25519" } as const;

/** A freshly generated did:key with its key pair. */
export interface DidKeyPair {
  /** `did:key:z6Mk...`. */
  did: string;
  /** Signs credentials. */
  privateKey: CryptoKey;
  /** Verifies them. */
  publicKey: CryptoKey;
}

/** A DID document (W3C DID Core) for a did:key. */
export interface DidDocument extends JsonObject {
  /** JSON-LD contexts. */
  "@context": string[];
  /** The DID. */
  id: string;
  /** The one Ed25519 key. */
  verificationMethod: {
    id: string;
    type: string;
    controller: string;
    publicKeyMultibase: string;
  }[];
  /** Key ids usable for authentication. */
  authentication: string[];
  /** Key ids usable to issue credentials. */
  assertionMethod: string[];
  /** Key ids usable to invoke capabilities. */
  capabilityInvocation: string[];
  /** Key ids usable to delegate capabilities. */
  capabilityDelegation: string[];
}

/**
 * The did:key of a raw 32-byte Ed25519 public key.
 *
 * @example
 * ```ts
 * import { didKeyFromPublicKey } from "@cirtusai/sdk/did";
 * didKeyFromPublicKey(new Uint8Array(32)); // "did:key:z6Mk..."
 * ```
 */
export function didKeyFromPublicKey(publicKey: Uint8Array): string {
  if (publicKey.length !== 32) {
    throw new InvalidArgumentError(
      "publicKey",
      `an Ed25519 public key has 32 bytes (got ${publicKey.length})`,
    );
  }
  return `did:key:z${base58Encode(new Uint8Array([...ED25519_PREFIX, ...publicKey]))}`;
}

/**
 * The raw Ed25519 public key inside a did:key; throws InvalidArgumentError for anything else.
 *
 * @example
 * ```ts
 * import { createDidKey, publicKeyFromDidKey } from "@cirtusai/sdk/did";
 * const { did } = await createDidKey();
 * publicKeyFromDidKey(did).length; // 32
 * ```
 */
export function publicKeyFromDidKey(did: string): Uint8Array<ArrayBuffer> {
  // Base58 decoding is quadratic: refuse anything longer than an Ed25519 did:key before it.
  if (typeof did !== "string" || did.length > MAX_DID_KEY_LENGTH || !DID_KEY.test(did)) {
    throw new InvalidArgumentError("did", `not a did:key (expected "did:key:z" and base58btc)`);
  }
  const bytes = base58Decode(did.slice("did:key:z".length));
  if (
    !bytes || bytes.length !== 34 || bytes[0] !== ED25519_PREFIX[0] ||
    bytes[1] !== ED25519_PREFIX[1]
  ) {
    throw new InvalidArgumentError("did", "did:key is not an Ed25519 key (multicodec 0xed01)");
  }
  return new Uint8Array(bytes.slice(2));
}

/**
 * Whether `value` is a well-formed Ed25519 did:key.
 *
 * @example
 * ```ts
 * import { isDidKey } from "@cirtusai/sdk/did";
 * isDidKey("did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp"); // true
 * isDidKey("did:web:example.com"); // false
 * ```
 */
export function isDidKey(value: string): boolean {
  try {
    publicKeyFromDidKey(value);
    return true;
  } catch {
    return false;
  }
}

/**
 * Generates an Ed25519 key pair and its did:key. `extractable` lets the private key be exported
 * (for storage); default false.
 *
 * @example
 * ```ts
 * import { createDidKey } from "@cirtusai/sdk/did";
 * const { did } = await createDidKey();
 * console.log(did.startsWith("did:key:z6Mk")); // true
 * ```
 */
export async function createDidKey(options: { extractable?: boolean } = {}): Promise<DidKeyPair> {
  const pair = await crypto.subtle.generateKey(ED25519, options.extractable ?? false, [
    "sign",
    "verify",
  ]) as CryptoKeyPair;
  const raw = new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey));
  return { did: didKeyFromPublicKey(raw), privateKey: pair.privateKey, publicKey: pair.publicKey };
}

/**
 * Resolves a did:key to its DID document (no network: the key is in the DID).
 *
 * @example
 * ```ts
 * import { createDidKey, resolveDidKey } from "@cirtusai/sdk/did";
 * const { did } = await createDidKey();
 * resolveDidKey(did).assertionMethod; // [did + "#z6Mk..."]
 * ```
 */
export function resolveDidKey(did: string): DidDocument {
  publicKeyFromDidKey(did);
  const fingerprint = did.slice("did:key:".length);
  const keyId = `${did}#${fingerprint}`;
  return {
    "@context": [
      "https://www.w3.org/ns/did/v1",
      "https://w3id.org/security/suites/ed25519-2020/v1",
    ],
    id: did,
    verificationMethod: [{
      id: keyId,
      type: "Ed25519VerificationKey2020",
      controller: did,
      publicKeyMultibase: fingerprint,
    }],
    authentication: [keyId],
    assertionMethod: [keyId],
    capabilityInvocation: [keyId],
    capabilityDelegation: [keyId],
  };
}

/** Input of {@linkcode signCredentialJwt}. */
export interface SignCredentialInput {
  /** The issuer's did:key. */
  issuer: string;
  /** The issuer's Ed25519 private key. */
  privateKey: CryptoKey;
  /** The subject's DID. */
  subject: string;
  /** Credential types; `VerifiableCredential` is put first. */
  types: string[];
  /** Claims about the subject (`credentialSubject`). */
  claim: JsonObject;
  /** Issuance time, epoch ms; default now. */
  now?: number;
  /** Lifetime in seconds; default none (no `exp`). */
  expiresIn?: number;
}

/**
 * Signs a VC-JWT (`alg: EdDSA`, `kid` = the issuer's key id; claims `iss`, `sub`, `nbf`, `iat`,
 * `jti`, `vc`, and `exp` when `expiresIn` is given).
 *
 * @example
 * ```ts
 * import { createDidKey, signCredentialJwt } from "@cirtusai/sdk/did";
 * const issuer = await createDidKey();
 * const jwt = await signCredentialJwt({
 *   issuer: issuer.did, privateKey: issuer.privateKey, subject: issuer.did,
 *   types: ["Example"], claim: { name: "Ada" },
 * });
 * ```
 */
export async function signCredentialJwt(input: SignCredentialInput): Promise<string> {
  const fingerprint = input.issuer.slice("did:key:".length);
  const now = Math.floor((input.now ?? Date.now()) / 1000);
  const header = { alg: "EdDSA", typ: "JWT", kid: `${input.issuer}#${fingerprint}` };
  const types = [
    "VerifiableCredential",
    ...input.types.filter((t) => t !== "VerifiableCredential"),
  ];
  const payload: JsonObject = {
    iss: input.issuer,
    sub: input.subject,
    nbf: now,
    iat: now,
    jti: `urn:uuid:${crypto.randomUUID()}`,
    vc: {
      "@context": ["https://www.w3.org/2018/credentials/v1"],
      type: types,
      credentialSubject: { ...input.claim, id: input.subject },
    },
  };
  if (input.expiresIn !== undefined) payload.exp = now + input.expiresIn;
  const signingInput = `${encodeJson(header)}.${encodeJson(payload)}`;
  const signature = await crypto.subtle.sign(
    ED25519,
    input.privateKey,
    new TextEncoder().encode(signingInput),
  );
  return `${signingInput}.${base64urlEncode(new Uint8Array(signature))}`;
}

/**
 * Seconds by which `nbf` may lie ahead of the verifier's clock, and `exp` behind it.
 *
 * @example
 * ```ts
 * import { CLOCK_SKEW_S, createDidKey, signCredentialJwt } from "@cirtusai/sdk/did";
 * import { verifyCredentialJwt } from "@cirtusai/sdk/did";
 * const issuer = await createDidKey();
 * const jwt = await signCredentialJwt({
 *   issuer: issuer.did, privateKey: issuer.privateKey, subject: issuer.did,
 *   types: ["Example"], claim: {}, now: 0, expiresIn: 60, // exp: 60 s after the epoch
 * });
 * const at = (seconds: number) => verifyCredentialJwt(jwt, { now: seconds * 1000 });
 * console.log((await at(60 + CLOCK_SKEW_S - 1)).verified); // true
 * console.log((await at(60 + CLOCK_SKEW_S)).verified); // false: expired
 * ```
 */
export const CLOCK_SKEW_S = 60;
const VC_CONTEXT = "https://www.w3.org/2018/credentials/v1";

/**
 * Verifies a verifiable credential offline, as the W3C VC Data Model 1.1 reads a VC-JWT: a compact
 * JWT signed (`EdDSA`) by the did:key in `iss` (`kid`, when present, one of its keys), with a `vc`
 * claim whose `@context` starts with the VC v1 context, whose `type` holds
 * `VerifiableCredential` and which has a `credentialSubject`; `iss` equal to `vc.issuer` where
 * present, and `sub` to the `id` of every subject that has one (a JWT has one `sub`, which §6.3.1
 * says stands for the subject's `id`, so a subject with another `id` is refused); `nbf` and `exp`
 * within {@linkcode CLOCK_SKEW_S} of the clock.
 *
 * A credential object is verified through the JWT of its `proof.jwt`, and must agree with it: it
 * has `@context`, `type`, `issuer` and `credentialSubject`, and each of its members but `proof`
 * equals the same member of the credential the JWT encodes (its `vc` claim, with `iss` as `issuer`,
 * `jti` as `id`, `nbf` as `issuanceDate`, `exp` as `expirationDate` and `sub` as a single subject's
 * `id`, where `vc` has none of its own). Equal means the same JSON, object members in any order;
 * besides, an issuer DID equals `{id: DID}`, and dates are compared as instants. An object that
 * claims anything the JWT does not sign is `verified: false`. Never throws: the answer says why
 * not, as the API's verify endpoint does.
 *
 * @example
 * ```ts
 * import { verifyCredentialJwt } from "@cirtusai/sdk/did";
 * const result = await verifyCredentialJwt("eyJ...");
 * if (!result.verified) console.log(result.error);
 * ```
 */
export async function verifyCredentialJwt(
  credential: string | JsonObject,
  options: { now?: number } = {},
): Promise<CredentialVerification> {
  const jwt = isObject(credential) && isObject(credential.proof)
    ? credential.proof.jwt
    : credential;
  if (typeof jwt !== "string") {
    return fail(
      isObject(credential)
        ? "credential is an object without a JWT proof (proof.jwt): only VC-JWTs can be verified"
        : "credential is neither a VC-JWT nor a credential object",
    );
  }
  const parts = jwt.split(".");
  if (parts.length !== 3) return fail("credential is not a compact JWT (expected three parts)");
  const header = decodeJson(parts[0]);
  const payload = decodeJson(parts[1]);
  if (!header || !payload) {
    return fail("credential is not a JWT (header or payload is not base64url JSON)");
  }
  if (header.alg !== "EdDSA") {
    return fail(`unsupported algorithm ${JSON.stringify(header.alg)} (expected EdDSA)`);
  }
  const issuer = payload.iss;
  if (typeof issuer !== "string" || !issuer.startsWith("did:")) {
    return fail("malformed issuer: iss is not a DID");
  }
  if (!issuer.startsWith("did:key:")) {
    return fail(`unknown issuer: cannot resolve ${issuer.split(":", 2).join(":")} DIDs`);
  }
  let publicKey: Uint8Array<ArrayBuffer>;
  try {
    publicKey = publicKeyFromDidKey(issuer);
  } catch {
    return fail("malformed issuer: iss is not a valid Ed25519 did:key");
  }
  if (
    header.kid !== undefined &&
    (typeof header.kid !== "string" || header.kid.split("#")[0] !== issuer)
  ) {
    return fail("kid does not belong to the issuer");
  }
  const problem = vcProblem(payload, issuer);
  if (problem) return fail(`not a verifiable credential: ${problem}`);
  const signature = base64urlDecode(parts[2]);
  if (!signature) return fail("signature is not base64url");
  const key = await crypto.subtle.importKey("raw", publicKey, ED25519, false, ["verify"]);
  const data = new TextEncoder().encode(`${parts[0]}.${parts[1]}`);
  if (!(await crypto.subtle.verify(ED25519, key, signature, data))) {
    return fail("invalid signature");
  }
  const now = Math.floor((options.now ?? Date.now()) / 1000);
  const { nbf, exp } = payload;
  if (nbf !== undefined && (typeof nbf !== "number" || nbf > now + CLOCK_SKEW_S)) {
    return fail("credential is not valid yet (nbf is in the future)");
  }
  if (exp !== undefined && (typeof exp !== "number" || exp <= now - CLOCK_SKEW_S)) {
    return fail("credential has expired (exp is in the past)");
  }
  const differs = jwt === credential ? null : disagreement(credential as JsonObject, payload);
  if (differs) return fail(`the credential object does not agree with its proof.jwt: ${differs}`);
  return { verified: true, payload };
}

const OBJECT_MEMBERS = ["@context", "type", "issuer", "credentialSubject"];
const DATES = new Set(["issuanceDate", "expirationDate"]);

/** What of `object` the VC-JWT `payload` does not sign, or null (see verifyCredentialJwt). */
function disagreement(object: JsonObject, payload: JsonObject): string | null {
  const vc = payload.vc as JsonObject;
  const subject = vc.credentialSubject;
  const encoded: JsonObject = {
    issuer: payload.iss,
    id: payload.jti,
    issuanceDate: payload.nbf,
    expirationDate: payload.exp,
    ...vc,
    credentialSubject: isObject(subject) && payload.sub !== undefined
      ? { id: payload.sub, ...subject }
      : subject,
  };
  const missing = OBJECT_MEMBERS.find((key) => !Object.hasOwn(object, key));
  if (missing) return `it has no ${missing}`;
  for (const key of Object.keys(object)) {
    if (key !== "proof" && !sameJson(comparable(key, object[key]), comparable(key, encoded[key]))) {
      return `its ${key} is not what the JWT signs`;
    }
  }
  return null;
}

/** A member as compared: an issuer DID as `{id}`, a date as epoch seconds. */
function comparable(key: string, value: unknown): unknown {
  if (key === "issuer" && typeof value === "string") return { id: value };
  if (DATES.has(key) && typeof value === "string") return Date.parse(value) / 1000;
  return value;
}

function sameJson(a: unknown, b: unknown): boolean {
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((x, i) => sameJson(x, b[i]));
  }
  if (isObject(a)) {
    const keys = Object.keys(a);
    return isObject(b) && keys.length === Object.keys(b).length &&
      keys.every((k) => Object.hasOwn(b, k) && sameJson(a[k], b[k]));
  }
  return a === b;
}

/** What keeps a JWT payload from being a VC (VC Data Model 1.1 §6.3.1), or null. */
function vcProblem(payload: JsonObject, issuer: string): string | null {
  const vc = payload.vc;
  if (!isObject(vc)) return "no vc claim";
  const context = vc["@context"];
  if ((Array.isArray(context) ? context[0] : context) !== VC_CONTEXT) {
    return `vc.@context does not start with ${VC_CONTEXT}`;
  }
  const type = vc.type;
  if (!(Array.isArray(type) ? type : [type]).includes("VerifiableCredential")) {
    return "vc.type does not hold VerifiableCredential";
  }
  const subject = vc.credentialSubject;
  const subjects = Array.isArray(subject) ? subject : [subject];
  if (!subjects.length || !subjects.every(isObject)) return "vc.credentialSubject is missing";
  const named = isObject(vc.issuer) ? vc.issuer.id : vc.issuer;
  if (named !== undefined && named !== issuer) return "iss and vc.issuer differ";
  if (
    payload.sub !== undefined && subjects.some((s) => s.id !== undefined && s.id !== payload.sub)
  ) {
    return "sub and vc.credentialSubject.id differ";
  }
  return null;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function fail(error: string): CredentialVerification {
  return { verified: false, error };
}

function encodeJson(value: unknown): string {
  return base64urlEncode(new TextEncoder().encode(JSON.stringify(value)));
}

function decodeJson(part: string): JsonObject | null {
  const bytes = base64urlDecode(part);
  if (!bytes) return null;
  try {
    const value = JSON.parse(new TextDecoder().decode(bytes));
    return isObject(value) ? value : null;
  } catch {
    return null;
  }
}
