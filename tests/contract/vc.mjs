// did-jwt-vc with key-did-resolver (independent W3C VC-JWT and did:key libraries), for the
// contract tests:
//   node vc.mjs verify   reads a JSON list of JWTs on stdin; prints [{verified, error}] per JWT
//   node vc.mjs issue    prints a VC-JWT issued by a fresh did:key with did-jwt-vc, its DID, and
//                        the credential object did-jwt-vc reads from it (proof.jwt the JWT)
import { createVerifiableCredentialJwt, verifyCredential } from "did-jwt-vc";
import { EdDSASigner } from "did-jwt";
import { Resolver } from "did-resolver";
import { getResolver } from "key-did-resolver";
import { ed25519 } from "@noble/curves/ed25519";
import { base58btc } from "multiformats/bases/base58";

const resolver = new Resolver(getResolver());
const mode = process.argv[2];

if (mode === "verify") {
  const input = await stdin();
  const results = [];
  for (const jwt of JSON.parse(input)) {
    try {
      const verified = await verifyCredential(jwt, resolver);
      results.push({ verified: true, issuer: verified.issuer, subject: verified.payload.sub });
    } catch (err) {
      results.push({ verified: false, error: String(err?.message ?? err).slice(0, 200) });
    }
  }
  console.log(JSON.stringify(results));
} else if (mode === "issue") {
  const secret = ed25519.utils.randomPrivateKey();
  const publicKey = ed25519.getPublicKey(secret);
  const did = `did:key:${base58btc.encode(new Uint8Array([0xed, 0x01, ...publicKey]))}`;
  const issuer = { did, signer: EdDSASigner(secret), alg: "EdDSA" };
  const subject = "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp";
  const jwt = await createVerifiableCredentialJwt({
    sub: subject,
    nbf: Math.floor(Date.now() / 1000),
    vc: {
      "@context": ["https://www.w3.org/2018/credentials/v1"],
      type: ["VerifiableCredential", "AgentCapability"],
      credentialSubject: { canPay: true },
    },
  }, issuer);
  const { verifiableCredential: credential } = await verifyCredential(jwt, resolver);
  console.log(JSON.stringify({ jwt, did, subject, credential }));
} else {
  console.error("usage: node vc.mjs verify|issue");
  process.exit(2);
}

/** All of stdin as text (joined as bytes first: a chunk may end inside a UTF-8 sequence). */
async function stdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}
