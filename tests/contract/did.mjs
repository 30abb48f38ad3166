// Resolves did:keys with both did:key resolvers on npm: Ceramic's key-did-resolver (through
// did-resolver) and Digital Bazaar's @digitalbazaar/did-method-key. Reads a JSON list of DIDs on
// stdin; prints [{did, ceramic, digitalbazaar}] with each resolver's DID document.
import { Resolver } from "did-resolver";
import { getResolver } from "key-did-resolver";
import { driver } from "@digitalbazaar/did-method-key";
import { Ed25519VerificationKey2020 } from "@digitalbazaar/ed25519-verification-key-2020";

const input = await stdin();
const ceramic = new Resolver(getResolver());
const digitalbazaar = driver();
digitalbazaar.use({
  multibaseMultikeyHeader: "z6Mk",
  fromMultibase: Ed25519VerificationKey2020.from,
});
const results = [];
for (const did of JSON.parse(input)) {
  const { didDocument, didResolutionMetadata } = await ceramic.resolve(did);
  results.push({
    did,
    ceramic: didDocument ?? { error: didResolutionMetadata.error },
    digitalbazaar: await digitalbazaar.get({ did }),
  });
}
console.log(JSON.stringify(results));

/** All of stdin as text (joined as bytes first: a chunk may end inside a UTF-8 sequence). */
async function stdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}
