/**
 * CirtusAI SDK examples with two-factor authentication: the TypeScript counterpart of the Python
 * SDK's `2fa_examples.py`.
 *
 *   1. Registration with automatic 2FA setup
 *   2. Two-step login flow
 *   3. One-step login flow (convenience method)
 *   4. 2FA management (status, setup, debug, disable)
 *   5. Error handling
 *   6. Concurrent calls (the Python file's async client; every TypeScript call is async)
 *
 * Run: `deno run -A examples/2fa_examples.ts` (starts an embedded emulator), or point it at a
 * server with CIRTUSAI_API_URL=http://localhost:8000.
 */
import {
  CirtusAIClient,
  CirtusAIError,
  RateLimitError,
  Totp,
  TwoFactorAuthenticationError,
  type TwoFactorSetup,
} from "../mod.ts";
import { serveEmulator } from "../src/emulator/mod.ts";

const PASSWORD = "SecurePass123!";

/** 1. Registration returns everything an authenticator app needs. */
async function exampleRegistration(
  client: CirtusAIClient,
  username: string,
): Promise<TwoFactorSetup> {
  console.log("\n=== 1. Registration with automatic 2FA setup ===");
  const setup = await client.auth.register({
    username,
    email: `${username}@example.com`,
    password: PASSWORD,
    preferred_2fa_method: "totp",
  });
  console.log(`QR code URI:  ${setup.qr_code_uri}`);
  console.log(`Secret key:   ${setup.secret}`);
  console.log(`QR image:     ${setup.qr_code_image?.length ?? 0} base64 characters of PNG`);
  console.log(`Backup codes: ${setup.backup_codes.join(", ")}`);
  return setup;
}

/** 2. Login, then verify the code; the client keeps the tokens. */
async function exampleTwoStepLogin(
  client: CirtusAIClient,
  username: string,
  secret: string,
): Promise<void> {
  console.log("\n=== 2. Two-step login ===");
  const result = await client.auth.login(username, PASSWORD);
  if (result.requires_2fa) {
    console.log(`2FA required (${result.preferred_method}): ${result.message}`);
    // In an app: const code = prompt("Enter your 6-digit code:");
    const code = await (await Totp.fromSecret(secret)).generate();
    const token = await client.auth.verify2fa(result.temporary_token, code);
    console.log(`Logged in; token expires in ${token.expires_in} s`);
  } else {
    console.log("Logged in without 2FA (a legacy account)");
  }
}

/** 3. Both steps in one call, computing the code from the secret. */
async function exampleOneStepLogin(
  client: CirtusAIClient,
  username: string,
  secret: string,
): Promise<void> {
  console.log("\n=== 3. One-step login ===");
  const totp = await Totp.fromSecret(secret);
  // Codes are single use: use the next step's code, which the server also accepts.
  const code = await totp.generate(Date.now() + totp.period * 1000);
  const token = await client.auth.loginWith2fa(username, PASSWORD, code);
  console.log(`Logged in in one call (token type ${token.token_type})`);
  console.log("With the secret at hand: client.auth.loginWith2fa(user, password, { totpSecret })");
}

/** 4. Status, (re-)enrolment, diagnostics, and turning 2FA off. */
async function exampleManagement(client: CirtusAIClient, setup: TwoFactorSetup): Promise<void> {
  console.log("\n=== 4. 2FA management ===");
  const status = await client.auth.get2faStatus();
  console.log(
    `Enabled: ${status.is_2fa_enabled}; method: ${status.preferred_2fa_method}; SMS: ${status.is_sms_enabled}`,
  );
  const debug = await client.auth.debug2fa();
  console.log(
    `Server time: ${debug.current_server_time}; accepted codes: ${
      Object.values(debug.valid_codes ?? {}).join(", ")
    }`,
  );
  console.log(`Note: ${debug.usage_note}`);
  const qr = await client.auth.getQrCode();
  console.log(`QR code PNG: ${qr.length} bytes`);
  // The secret that logged in is enabled: a new one takes disabling first (code and password).
  const disabled = await client.auth.disable2fa(setup.backup_codes[0], PASSWORD);
  console.log(`Disabled with a backup code: ${disabled.message}`);
  const pending = await client.auth.setup2fa();
  console.log(
    `Set up again: a new secret is pending until confirmed: ${pending.secret.slice(0, 4)}...`,
  );
}

/** 5. Every failure is a typed error with the server's detail. */
async function exampleErrors(client: CirtusAIClient, username: string): Promise<void> {
  console.log("\n=== 5. Error handling ===");
  const fresh = new CirtusAIClient(client.baseUrl);
  await fresh.auth.register({
    username: `${username}_x`,
    email: `${username}_x@example.com`,
    password: PASSWORD,
  });
  const login = await fresh.auth.login(`${username}_x`, PASSWORD);
  if (!login.requires_2fa) return;
  try {
    await fresh.auth.verify2fa(login.temporary_token, "000000");
  } catch (err) {
    if (err instanceof TwoFactorAuthenticationError) {
      console.log(`Wrong code -> ${err.name} (${err.status}): ${err.detail}`);
    } else throw err;
  }
  try {
    await fresh.auth.login(`${username}_x`, "wrong password");
  } catch (err) {
    if (err instanceof RateLimitError) console.log(`Throttled; retry after ${err.retryAfter} s`);
    else if (err instanceof CirtusAIError) {
      console.log(`Wrong password -> ${err.name}: ${err.message}`);
    } else throw err;
  }
}

/** 6. Calls are promises: run independent ones together. */
async function exampleConcurrent(client: CirtusAIClient): Promise<void> {
  console.log("\n=== 6. Concurrent calls ===");
  const [agents, children, status] = await Promise.all([
    client.agents.listAgents(),
    client.agents.getChildren(),
    client.auth.get2faStatus(),
  ]);
  console.log(
    `${agents.length} agent(s), ${children.length} child(ren), 2FA enabled: ${status.is_2fa_enabled}`,
  );
}

if (import.meta.main) {
  const external = Deno.env.get("CIRTUSAI_API_URL");
  const emulator = external ? null : await serveEmulator({ port: 0, quiet: true });
  const client = new CirtusAIClient(external ?? emulator!.url);
  const username = `example_${crypto.randomUUID().slice(0, 8)}`;
  try {
    const setup = await exampleRegistration(client, username);
    await exampleTwoStepLogin(client, username, setup.secret);
    await exampleOneStepLogin(client, username, setup.secret);
    await exampleConcurrent(client);
    await exampleManagement(client, setup);
    await exampleErrors(client, username);
    console.log("\nAll examples ran.");
  } finally {
    await emulator?.close();
  }
}
