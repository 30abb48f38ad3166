// The single binary (`deno task compile`: the npm package's Node entry compiled by bun), run as a
// machine without Deno or Node runs it: a clean environment whose PATH holds neither.
import assert from "node:assert/strict";
import { compile } from "../scripts/compile.ts";
import { runPiped } from "./cli_process.ts";
import { assertDocsServed, assertHiddenPasswordRegisters, startEmulator } from "./packaged_cli.ts";

async function oathtool(secret: string): Promise<string> {
  const out = await new Deno.Command("oathtool", { args: ["--totp", "-b", secret] }).output()
    .catch((err) => {
      if (err instanceof Deno.errors.NotFound) {
        throw new Error("oathtool is missing. Install it with: apt-get install -y oathtool");
      }
      throw err;
    });
  return new TextDecoder().decode(out.stdout).trim();
}

Deno.test("binary: built by deno task compile, it runs with neither deno nor node on PATH", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "cirtusai-binary-" });
  const binary = `${dir}/cirtusai`;
  // The PATH the binary gets: `script` alone (the pseudo-terminal), no deno, no node.
  const bin = `${dir}/bin`;
  const env = { PATH: bin, HOME: dir, XDG_CONFIG_HOME: `${dir}/config`, NO_COLOR: "1" };
  try {
    await Deno.mkdir(bin);
    await Deno.symlink("/usr/bin/script", `${bin}/script`);
    await compile(binary);
    await t.step(
      "--version, and totp code equal to oathtool's",
      () => versionAndCode(binary, bin, env),
    );
    await t.step(
      "cirtusai mcp answers an MCP client's initialize",
      () => mcpInitialize(binary, env),
    );
    await t.step(
      "the emulator serves /openapi.json and /docs; the password prompt is hidden",
      () => emulatorAndPrompt(binary, env),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

async function versionAndCode(binary: string, bin: string, env: Record<string, string>) {
  for await (const e of Deno.readDir(bin)) assert.equal(e.name, "script");
  const version = await runPiped([binary, "--version"], { env });
  assert.equal(version.code, 0, version.stderr);
  assert.match(version.stdout, /^cirtusai \d+\.\d+\.\d+ \(Bun \d+\.\d+\.\d+\)/);
  const secret = "JBSWY3DPEHPK3PXP";
  // Both within one 30 s step: retry when the step changed between the two.
  for (let attempt = 0; attempt < 3; attempt++) {
    const step = Math.floor(Date.now() / 30_000);
    const ours = await runPiped([binary, "totp", "code", secret], { env });
    const theirs = await oathtool(secret);
    if (Math.floor(Date.now() / 30_000) !== step) continue;
    assert.equal(ours.code, 0, ours.stderr);
    assert.equal(ours.stdout, `${theirs}\n`);
    return;
  }
  assert.fail("the TOTP step changed on every attempt");
}

async function emulatorAndPrompt(binary: string, env: Record<string, string>) {
  const { url, stop } = await startEmulator([binary], { env, clearEnv: true });
  try {
    const openapi = await fetch(`${url}/openapi.json`);
    assert.equal(openapi.status, 200);
    assert.match((await openapi.json()).openapi, /^3\.1\./);
    await assertDocsServed(url);
    await assertHiddenPasswordRegisters([binary], url, { username: "binuser", env });
  } finally {
    await stop();
  }
}

async function mcpInitialize(binary: string, env: Record<string, string>) {
  const initialize = {
    jsonrpc: "2.0",
    id: 1,
    method: "initialize",
    params: {
      protocolVersion: "2025-06-18",
      capabilities: {},
      clientInfo: { name: "binary-test", version: "1" },
    },
  };
  // stdin closes after the request: the server answers, then leaves.
  const out = await runPiped([binary, "mcp"], { env, stdin: `${JSON.stringify(initialize)}\n` });
  assert.equal(out.code, 0, out.stderr);
  const answer = JSON.parse(out.stdout.trim().split("\n")[0]);
  assert.equal(answer.id, 1);
  assert.equal(answer.result.serverInfo.name, "cirtusai");
}
