// The single binary (`deno task compile`: the npm package's Node entry compiled by bun), run as a
// machine without Deno or Node runs it: a clean environment whose PATH holds neither.
import assert from "node:assert/strict";
import { compile } from "../scripts/compile.ts";
import { runInTerminal, runPiped } from "./cli_process.ts";
import { servedUrl } from "./served_url.ts";

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
  const emulator = new Deno.Command(binary, {
    args: ["emulator", "--port", "0", "--pbkdf2-iterations", "1000"],
    env: env,
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const reader = emulator.stdout.pipeThrough(new TextDecoderStream()).getReader();
  try {
    const url = await servedUrl(reader);
    const openapi = await fetch(`${url}/openapi.json`);
    assert.equal(openapi.status, 200);
    assert.match((await openapi.json()).openapi, /^3\.1\./);
    const docs = await fetch(`${url}/docs`);
    assert.equal(docs.status, 200);
    assert.match(await docs.text(), /SwaggerUIBundle/);
    const renderer = await fetch(`${url}/docs/swagger-ui-bundle.js`);
    assert.equal(renderer.status, 200);
    assert.ok((await renderer.text()).length > 500_000, "Swagger UI is in the binary");

    const password = "pässwörd-123";
    const { code, screen } = await runInTerminal(
      [binary, "auth", "register", "binuser", "bin@example.com"],
      {
        env: { ...env, CIRTUSAI_API_URL: url },
        answers: [["Choose a password: ", `${password}\r`]],
        typeDelayMs: 200,
      },
    );
    assert.equal(code, 0, screen);
    assert.ok(!screen.includes(password), "the password is not echoed");
    const login = await fetch(`${url}/auth/login`, {
      method: "POST",
      body: new URLSearchParams({ username: "binuser", password }),
    });
    assert.equal(login.status, 200, "the typed password logs in");
    await login.body?.cancel();
  } finally {
    emulator.kill("SIGTERM");
    await emulator.status;
    await reader.cancel().catch(() => {});
    await emulator.stderr.cancel().catch(() => {});
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
