// Register with 2FA, log in with a code, then agents, a wallet and a credential: the README's
// example. Start an emulator first (`deno task emulator`), or set CIRTUSAI_API_URL.
import { CirtusAIClient } from "@cirtusai/sdk";
import { Totp } from "@cirtusai/sdk/totp";

const client = new CirtusAIClient(Deno.env.get("CIRTUSAI_API_URL") ?? "http://localhost:8000");

// Registration always sets up TOTP: show setup.qr_code_image (a base64 PNG) or setup.secret
// to the user, for their authenticator app.
const username = `ada_${crypto.randomUUID().slice(0, 8)}`; // a new name on every run
const password = "correct horse battery staple";
const setup = await client.auth.register({ username, email: `${username}@example.com`, password });

// The authenticator app, played here by the SDK's TOTP from the secret registration gave.
const authenticator = await Totp.fromSecret(setup.secret);

// Log in: the password, then the code from the app.
const login = await client.auth.login(username, password);
if (login.requires_2fa) {
  await client.auth.verify2fa(login.temporary_token, await authenticator.generate());
}
// (Services and tests can do both in one call: loginWith2fa(username, password, { totpSecret }).)

// Confirm 2FA with the app's next code: each code works once.
await client.auth.confirm2fa(await authenticator.generate(Date.now() + 30_000));
console.log(`Logged in as ${username}, 2FA confirmed`);

const [master] = await client.agents.listAgents();
const child = await client.agents.createChildAgent(master.id, "researcher");
await client.agents.updateChildPermissions(child.id, { send_email: true });
const wallet = await client.agents.provisionWallet(child.id, "polygon");
const { credential } = await client.identity.issueCredential({ // a VC-JWT (or an object)
  subject_id: child.id,
  types: ["AgentCapability"],
  claim: { can_send_email: true },
});
const { verified } = await client.identity.verifyCredential(credential);
console.log(`Child agent ${child.id}, wallet ${wallet.address}, credential verified: ${verified}`);
