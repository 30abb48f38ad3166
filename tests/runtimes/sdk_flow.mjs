// Run by tests/runtimes_test.ts on Node and on Bun: the SDK bundle, against the emulator at
// argv[2].
import * as sdk from "../../dist/cirtusai.js";
import { verifyCredentialJwt } from "../../dist/cirtusai-did.js";

const api = process.argv[2];
const client = new sdk.CirtusAIClient(api);
const runtime = typeof Bun === "undefined" ? `node ${process.version}` : `bun ${Bun.version}`;
const username = `${runtime.split(" ")[0]}_${crypto.randomUUID().slice(0, 8)}`;
const password = "correct horse battery";
const setup = await client.auth.register({ username, email: `${username}@example.com`, password });
const totp = await sdk.Totp.fromSecret(setup.secret);
const login = await client.auth.login(username, password);
if (login.requires_2fa !== true) throw new Error("2FA was not required");
await client.auth.verify2fa(login.temporary_token, await totp.generate());
const [master] = await client.agents.listAgents();
const child = await client.agents.createChildAgent(master.id, `${runtime} child`);
const { credential } = await client.identity.issueCredential({
  subject_id: child.id,
  types: ["RuntimeCheck"],
  claim: { runtime },
});
const server = await client.identity.verifyCredential(credential);
const offline = await verifyCredentialJwt(credential);
const missing = await client.agents.getAgent("no-such-agent").catch((err) => err);
console.log(JSON.stringify({
  runtime,
  master_did: master.did,
  child_parent: child.parent_id === master.id,
  server_verified: server.verified,
  offline_verified: offline.verified,
  error_class: missing instanceof sdk.NotFoundError ? missing.name : String(missing),
}));
