// `cirtusai mcp` from the npm package on Node, as the README configures it: the tarball of
// `deno task pack` installed in a fresh Node project, started by the MCP SDK's Client over stdio
// (`node node_modules/.bin/cirtusai mcp`, and `npx cirtusai mcp`) in front of the emulator; and
// `cirtusaiTools` imported from the package.
//
// The tarball is packed from a copy of the repository, so that this test and the npm package
// test, which packs into dist/ at the same time, never read each other's half-written file.
import assert from "node:assert/strict";
import {
  account,
  assertNoSecret,
  baseEnv,
  everyTool,
  everyToolRefuses,
  mcpSession,
  recordedEmulator,
  SAFE_TOOLS,
} from "./mcp/harness.ts";

const ROOT = new URL("..", import.meta.url).pathname;

async function run(
  cmd: string,
  args: string[],
  options: { cwd: string; stdin?: string; env?: Record<string, string> },
) {
  const child = new Deno.Command(cmd, {
    args,
    cwd: options.cwd,
    env: options.env,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  if (options.stdin) await writer.write(new TextEncoder().encode(options.stdin));
  await writer.close();
  const out = await child.output();
  const t = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: t(out.stdout), stderr: t(out.stderr) };
}

/** `deno task pack` in a copy of the repository; the tarball's path. */
async function pack(into: string): Promise<string> {
  const copy = `${into}/repo`;
  await Deno.mkdir(copy);
  for await (const entry of Deno.readDir(ROOT)) {
    if ([".git", "dist", "node_modules", "tests", "bench", ".ci", ".deno"].includes(entry.name)) {
      continue;
    }
    const cp = await run("cp", ["-r", `${ROOT}${entry.name}`, copy], { cwd: ROOT });
    assert.equal(cp.code, 0, cp.stderr);
  }
  const packed = await run(Deno.execPath(), ["run", "-A", "scripts/pack.ts"], { cwd: copy });
  assert.equal(packed.code, 0, packed.stderr);
  return `${copy}/${packed.stdout.trim().split("\n").at(-1)}`;
}

Deno.test("npm: cirtusai mcp on Node from the packed tarball, with 2FA enforced", async () => {
  const work = await Deno.makeTempDir({ prefix: "cirtusai-mcp-npm-" });
  const served = await recordedEmulator();
  try {
    const tarball = await pack(work);
    const dir = `${work}/project`;
    await Deno.mkdir(dir);
    await Deno.writeTextFile(
      `${dir}/package.json`,
      JSON.stringify({ name: "fresh", private: true, type: "module" }),
    );
    const home = { PATH: Deno.env.get("PATH") ?? "", HOME: Deno.env.get("HOME") ?? dir };
    const install = await run(
      "npm",
      ["install", "--no-audit", "--no-fund", "--loglevel=error", tarball],
      { cwd: dir, env: home },
    );
    assert.equal(install.code, 0, install.stderr);

    // cirtusaiTools from the package, on Node, for other agent frameworks.
    const pkg = JSON.parse(
      await Deno.readTextFile(`${dir}/node_modules/@cirtusai/sdk/package.json`),
    );
    assert.ok(pkg.exports["./tools"]?.types, "./tools has types");
    await Deno.writeTextFile(
      `${dir}/tools.mjs`,
      `import { CirtusAIClient } from "@cirtusai/sdk";
import { createEmulator } from "@cirtusai/sdk/emulator";
import { cirtusaiTools } from "@cirtusai/sdk/tools";
const emulator = createEmulator({ pbkdf2Iterations: 1000 });
const client = new CirtusAIClient("http://emulator.test", { fetch: emulator.fetch });
const setup = await client.auth.register({ username: "n", email: "n@example.com", password: "pw" });
await client.auth.loginWith2fa("n", "pw", { totpSecret: setup.secret });
const tools = cirtusaiTools(client);
const { agents } = await tools.find((t) => t.name === "list_agents").execute({});
const refused = await tools[1].execute({}).catch((err) => err.name);
console.log(JSON.stringify({ count: tools.length, agents: agents.length, refused }));
`,
    );
    const tools = await run("node", ["tools.mjs"], { cwd: dir, env: home });
    assert.equal(tools.code, 0, tools.stderr);
    assert.deepEqual(JSON.parse(tools.stdout), {
      count: SAFE_TOOLS,
      agents: 1,
      refused: "InvalidArgumentError",
    });

    const config = `${work}/config`;
    const env = baseEnv(config, served.url);
    const who = await account(served);
    // The person logs in with the Node CLI; the server then uses that session.
    const login = await run(
      "node",
      [
        "node_modules/.bin/cirtusai",
        "login",
        who.username,
        "--password-stdin",
        "--code",
        who.backupCodes[0],
      ],
      { cwd: dir, env, stdin: `${who.password}\n` },
    );
    assert.equal(login.code, 0, login.stderr);

    const mcp = await mcpSession(["node", `${dir}/node_modules/.bin/cirtusai`, "mcp"], env);
    try {
      assert.equal(mcp.client.getServerVersion()?.name, "cirtusai");
      const { tools } = await mcp.client.listTools();
      assert.equal(tools.length, SAFE_TOOLS);
      assert.ok(tools.every((t) => t.inputSchema.type === "object" && t.annotations));
      await everyTool(mcp);
      await everyToolRefuses(mcp, served.requests);
    } finally {
      assert.ok(await mcp.close() < 1500, "the server leaves by itself when stdin closes");
    }
    assert.doesNotMatch(mcp.stderr(), /Uncaught|Error:/);

    // As the README's configuration block starts it: npx, with a service login this time.
    const viaNpx = await mcpSession([
      "npx",
      "--no-install",
      "cirtusai",
      "mcp",
      "--allow-destructive",
    ], {
      ...env,
      CIRTUSAI_USERNAME: who.username,
      CIRTUSAI_PASSWORD: who.password,
      CIRTUSAI_TOTP_SECRET: who.secret,
    }, { cwd: dir });
    try {
      assert.equal((await viaNpx.client.listTools()).tools.length, SAFE_TOOLS + 3);
      const status = await viaNpx.call("get_2fa_status");
      assert.equal((status.structuredContent as { is_2fa_enabled: boolean }).is_2fa_enabled, true);
    } finally {
      await viaNpx.close();
    }
    assertNoSecret([...mcp.seen, mcp.stderr(), ...viaNpx.seen, viaNpx.stderr()], [
      who.password,
      who.secret,
      ...served.tokens,
    ]);
  } finally {
    await served.close();
    await Deno.remove(work, { recursive: true });
  }
});
