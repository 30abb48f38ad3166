// The README's main job and the examples, run as a newcomer would: as subprocesses.
import assert from "node:assert/strict";
import { serveEmulator } from "../src/emulator/mod.ts";

const ROOT = new URL("..", import.meta.url).pathname;

async function run(
  file: string,
  args: string[] = [],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", file, ...args],
    cwd: ROOT,
    env: { NO_COLOR: "1", ...env },
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

Deno.test("deno task demo --help prints its usage and runs nothing", async () => {
  const { code, stdout, stderr } = await run("examples/quickstart.ts", ["--help"]);
  assert.equal(code, 0, stderr);
  assert.match(stdout, /^Usage: deno task demo \[--api-url URL\]/);
  assert.doesNotMatch(stdout, /Register|emulator at/);
  const bad = await run("examples/quickstart.ts", ["--nope"]);
  assert.equal(bad.code, 2);
  assert.equal(
    bad.stderr,
    'error: unknown argument "--nope"\nhint: deno task demo --help shows the options\n',
  );
});

Deno.test("deno task demo --api-url at a dead server: one error line, exit 1, no stack trace", async () => {
  // A port that was just free: nothing listens there.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  listener.close();
  const { code, stderr } = await run("examples/quickstart.ts", [
    "--api-url",
    `http://127.0.0.1:${port}`,
  ]);
  assert.equal(code, 1);
  const lines = stderr.trim().split("\n");
  assert.match(
    lines[0],
    new RegExp(`^error: no CirtusAI API answered at http://127\\.0\\.0\\.1:${port} `),
  );
  assert.match(lines[1], /^hint: is the server running\?/);
  assert.equal(lines.length, 2, stderr);
});

Deno.test("the README's SDK example is examples/getting_started.ts, and it runs twice in a row against one emulator", async () => {
  const example = await Deno.readTextFile(`${ROOT}examples/getting_started.ts`);
  const readme = await Deno.readTextFile(`${ROOT}README.md`);
  assert.ok(readme.includes("```ts\n" + example + "```\n"), "the README shows the file as it is");

  const emulator = await serveEmulator({ port: 0 });
  try {
    for (const time of [1, 2]) {
      const { code, stdout, stderr } = await run("examples/getting_started.ts", [], {
        CIRTUSAI_API_URL: emulator.url,
      });
      assert.equal(code, 0, `run ${time}: ${stderr}`);
      assert.match(stdout, /^Logged in as ada_[0-9a-f]{8}, 2FA confirmed\n/);
      assert.match(stdout, /wallet 0x[0-9a-fA-F]{40}, credential verified: true\n$/);
    }
  } finally {
    await emulator.close();
  }
});
