// The README's main job and the examples, run as a newcomer would: as subprocesses.
import assert from "node:assert/strict";

async function run(file: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", file],
    cwd: new URL("..", import.meta.url),
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: decode(out.stdout), stderr: decode(out.stderr) };
}

Deno.test("the demo (deno task demo) walks the whole flow and exits 0", async () => {
  const { code, stdout, stderr } = await run("examples/quickstart.ts");
  assert.equal(code, 0, stderr);
  for (
    const expected of [
      /started the local emulator at http:\/\/127\.0\.0\.1:\d+/,
      /Or type the secret: [A-Z2-7]{32}/,
      /Backup codes .*: ([A-Z0-9]{8} ){7}[A-Z0-9]{8}/,
      /Verified\. Access token valid for 1800 s/,
      /2FA enabled: true, method: totp/,
      /did:key:z6Mk/,
      /Permissions: \{"send_email":true,"spend_limit_usd":25\}/,
      /E-mail: research-assistant-[0-9a-f]{8}@/,
      /Wallet on base: 0x[0-9a-fA-F]{40}/,
      /Verified by the server: true/,
      /Verified offline from the issuer's did:key: true/,
      /"verified":false,"error":"invalid signature"/,
      /Codes valid right now: \d{6}, \d{6}, \d{6}/,
      /New access token: true/,
      /2FA has been successfully disabled\n\s+2FA enabled: false/,
      /Done in [\d.]+ s\./,
    ]
  ) assert.match(stdout, expected);
  assert.equal(stderr, "");
});

Deno.test("examples/2fa_examples.ts runs every example", async () => {
  const { code, stdout, stderr } = await run("examples/2fa_examples.ts");
  assert.equal(code, 0, stderr);
  assert.match(stdout, /Logged in; token expires in 1800 s/);
  assert.match(stdout, /Logged in in one call/);
  assert.match(stdout, /Disabled with a backup code: 2FA has been successfully disabled/);
  assert.match(stdout, /Wrong code -> TwoFactorAuthenticationError \(401\): Invalid 2FA code/);
  assert.match(stdout, /Wrong password -> AuthenticationError/);
  assert.match(stdout, /All examples ran\./);
});
