/**
 * The whole CirtusAI flow against the embedded emulator: `deno task demo`.
 *
 * Starts the emulator on a free loopback port, then uses the SDK over real HTTP, exactly as a
 * program talking to the real backend would. Pass `--api-url URL` (or set CIRTUSAI_API_URL) to
 * run the same flow against another server.
 */
import { APIConnectionError, CirtusAIClient, Totp } from "../mod.ts";
import { verifyCredentialJwt } from "../src/sdk/did.ts";
import { serveEmulator } from "../src/emulator/mod.ts";
import { qrTerminal } from "../src/qr/qr.ts";

const started = performance.now();
let stepNo = 0;
function step(title: string): void {
  console.log(`\n${++stepNo}. ${title}`);
}
function say(line: string): void {
  console.log(`   ${line}`);
}

const USAGE = `Usage: deno task demo [--api-url URL]

Walks the whole CirtusAI flow over HTTP: register (QR code), log in with a TOTP code, confirm 2FA,
agents, a child agent, an e-mail address and a wallet, a verifiable credential, refresh, disable.

Options:
  --api-url URL   run it against the CirtusAI API at URL (default: CIRTUSAI_API_URL, else an
                  emulator started here on a free loopback port)
  -h, --help      show this help`;

/** Leaves with one `error:` line (and a hint for what to do). */
function exit(code: number, message: string, hint?: string): never {
  console.error(`error: ${message}${hint ? `\nhint: ${hint}` : ""}`);
  Deno.exit(code);
}

let externalUrl = Deno.env.get("CIRTUSAI_API_URL");
for (let i = 0; i < Deno.args.length; i++) {
  const arg = Deno.args[i];
  if (arg === "-h" || arg === "--help") {
    console.log(USAGE);
    Deno.exit(0);
  } else if (arg === "--api-url" || arg.startsWith("--api-url=")) {
    externalUrl = arg.includes("=") ? arg.slice(arg.indexOf("=") + 1) : Deno.args[++i];
    if (!externalUrl || !URL.canParse(externalUrl)) {
      exit(2, `--api-url needs a URL such as http://localhost:8000 (got ${externalUrl ?? "none"})`);
    }
  } else {
    exit(2, `unknown argument ${JSON.stringify(arg)}`, "deno task demo --help shows the options");
  }
}
const emulator = externalUrl ? null : await serveEmulator({ port: 0, quiet: true });
const apiUrl = externalUrl ?? emulator!.url;
console.log(
  emulator
    ? `CirtusAI demo: started the local emulator at ${apiUrl}`
    : `CirtusAI demo against ${apiUrl}`,
);

const client = new CirtusAIClient(apiUrl);
try {
  const username = `demo_${crypto.randomUUID().slice(0, 8)}`;
  const password = "correct horse battery staple";

  step("Register (two-factor authentication is mandatory)");
  const setup = await client.auth.register({
    username,
    email: `${username}@example.com`,
    password,
  });
  say(`Registered "${username}". Scan this with an authenticator app:`);
  const colours = Deno.stdout.isTerminal() && !Deno.env.get("NO_COLOR");
  console.log(qrTerminal(setup.qr_code_uri, { colours }).replace(/^/gm, "   "));
  say(`Or type the secret: ${setup.secret}`);
  say(`Backup codes (store them safely, each works once): ${setup.backup_codes.join(" ")}`);

  // The authenticator app, played by the SDK's TOTP module.
  const authenticator = await Totp.fromSecret(setup.secret);

  step("Log in: password first, then the 6-digit code");
  const login = await client.auth.login(username, password);
  if (login.requires_2fa !== true) throw new Error("the server should have asked for 2FA");
  say(`The server asks for a ${login.preferred_method} code: "${login.message}"`);
  const code = await authenticator.generate();
  say(`The authenticator shows ${code} (${authenticator.secondsRemaining()} s left)`);
  const token = await client.auth.verify2fa(login.temporary_token, code);
  say(`Verified. Access token valid for ${token.expires_in} s, with a refresh token.`);

  step("Confirm 2FA with the next code");
  // A code works once; the server also accepts the next time step's code.
  const next = await authenticator.generate(Date.now() + authenticator.period * 1000);
  say((await client.auth.confirm2fa(next)).message ?? "2FA confirmed");
  const status = await client.auth.get2faStatus();
  say(`2FA enabled: ${status.is_2fa_enabled}, method: ${status.preferred_2fa_method}`);

  step("List agents (every account starts with a master agent)");
  const [master] = await client.agents.listAgents();
  say(`${master.name}: ${master.did}`);

  step("Create a child agent and set its permissions");
  const child = await client.agents.createChildAgent(master.id, "Research assistant");
  say(`Created "${child.name}" (${child.id})`);
  const updated = await client.agents.updateChildPermissions(child.id, {
    send_email: true,
    spend_limit_usd: 25,
  });
  say(`Permissions: ${JSON.stringify(updated.permissions)}`);

  step("Provision an e-mail address and a wallet for the child");
  const email = await client.agents.provisionEmail(child.id);
  say(`E-mail: ${email.details?.email_address ?? email.email_address}`);
  const wallet = await client.agents.provisionWallet(child.id, "base");
  say(`Wallet on ${wallet.chain}: ${wallet.address}`);
  const assets = (await client.wallets.listAssets()).assets ?? [];
  say(`The account now holds ${assets.length} assets.`);

  step("Issue a verifiable credential to the child, and verify it");
  const { credential } = await client.identity.issueCredential({
    subject_id: child.id,
    types: ["AgentCapability"],
    claim: { can_send_email: true, spend_limit_usd: 25 },
  });
  if (typeof credential !== "string") throw new Error("the emulator issues VC-JWT strings");
  say(`Credential (VC-JWT): ${credential.slice(0, 48)}...`);
  const onServer = await client.identity.verifyCredential(credential);
  say(`Verified by the server: ${onServer.verified}`);
  const offline = await verifyCredentialJwt(credential);
  say(`Verified offline from the issuer's did:key: ${offline.verified}`);
  const forged = credential.slice(0, -6) + (credential.endsWith("AAAAAA") ? "BBBBBB" : "AAAAAA");
  say(`A tampered copy: ${JSON.stringify(await verifyCredentialJwt(forged))}`);

  step("2FA diagnostics");
  const debug = await client.auth.debug2fa();
  say(`Server time ${new Date((debug.current_server_time ?? 0) * 1000).toISOString()}`);
  say(`Codes valid right now: ${Object.values(debug.valid_codes ?? {}).join(", ")}`);

  step("Refresh the tokens");
  const before = client.token;
  await client.auth.refresh();
  say(`New access token: ${client.token !== before}; the old refresh token is now spent.`);

  step("Disable 2FA with a backup code and the password");
  say((await client.auth.disable2fa(setup.backup_codes[0], password)).message ?? "2FA disabled");
  say(`2FA enabled: ${(await client.auth.get2faStatus()).is_2fa_enabled}`);

  console.log(`\nDone in ${((performance.now() - started) / 1000).toFixed(1)} s.`);
} catch (err) {
  await emulator?.close();
  if (err instanceof APIConnectionError) {
    exit(
      1,
      `no CirtusAI API answered at ${apiUrl} (${err.message})`,
      externalUrl
        ? "is the server running? Leave out --api-url (and CIRTUSAI_API_URL) to use the built-in emulator"
        : undefined,
    );
  }
  exit(1, err instanceof Error ? err.message : String(err));
} finally {
  client.close();
  await emulator?.close();
}
