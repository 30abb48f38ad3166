// examples/ai_sdk_agent.ts as a newcomer runs it: the CirtusAI tools in the Vercel AI SDK, a
// scripted model stand-in calling them against the in-process emulator (no network).
import assert from "node:assert/strict";

Deno.test("examples/ai_sdk_agent.ts: the AI SDK calls the tools, and a schema error reaches the model", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "examples/ai_sdk_agent.ts"],
    cwd: new URL("..", import.meta.url),
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(out.stdout);
  const stderr = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, stderr);
  const calls = [...stdout.matchAll(/^→ (\w+) /gm)].map((m) => m[1]);
  assert.deepEqual(calls, [
    "list_agents",
    "create_child_agent",
    "update_child_permissions",
    "provision_email",
    "provision_wallet",
    "provision_wallet",
    "issue_credential",
    "verify_credential_offline",
  ]);
  assert.match(
    stdout,
    /provision_wallet failed: invalid input for provision_wallet: chain must be one of ethereum, polygon, arbitrum, base, solana \(got "base-mainnet"\); nothing was sent/,
  );
  assert.match(
    stdout,
    /Done\. research-assistant \([0-9a-f-]{36}\) may send e-mail from research-assistant-[0-9a-f]{8}@\S+, has a wallet on Base at 0x[0-9a-fA-F]{40}, and holds a credential saying so \(verified offline: true\)\./,
  );
  assert.doesNotMatch(stderr, /warn|error/i);
});
