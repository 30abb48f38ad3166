// `cirtusai mcp` from the npm package on Node, as the README configures it: the tarballs of
// `deno task pack` installed in a fresh Node project, started by the MCP SDK's Client over stdio
// (`node node_modules/.bin/cirtusai mcp`, and `npx cirtusai mcp`) in front of the emulator; and
// `cirtusaiTools` imported from the package.
//
// The tarballs are packed into a directory of this test's own, so that this test and the npm
// package test, which pack at the same time, never read each other's half-written files.
import assert from "node:assert/strict";
import { runPiped } from "./cli_process.ts";
import { assertNoSecret, everyTool, everyToolRefuses, inScene, SAFE_TOOLS } from "./mcp/harness.ts";
import { pack } from "../scripts/pack.ts";

// cirtusaiTools from the package, for other agent frameworks: a tool runs, bad input is refused.
const TOOLS_PROGRAM = `import { CirtusAIClient } from "@cirtusai/sdk";
import { createEmulator } from "cirtusai/emulator";
import { cirtusaiTools } from "cirtusai/tools";
const emulator = createEmulator({ pbkdf2Iterations: 1000 });
const client = new CirtusAIClient("http://emulator.test", { fetch: emulator.fetch });
const setup = await client.auth.register({ username: "n", email: "n@example.com", password: "pw" });
await client.auth.loginWith2fa("n", "pw", { totpSecret: setup.secret });
const tools = cirtusaiTools(client);
const { agents } = await tools.find((t) => t.name === "list_agents").execute({});
const refused = await tools[1].execute({}).catch((err) => err.name);
console.log(JSON.stringify({ count: tools.length, agents: agents.length, refused }));
`;

Deno.test("npm: cirtusai mcp on Node from the packed tarball, with 2FA enforced", async () => {
  await inScene(async ({ served, config, env, who, open }) => {
    const tarballs = (await pack({ outDir: `${config}/tarballs`, allowDirty: true }))
      .map((p) => p.tarball);
    const dir = `${config}/project`;
    await Deno.mkdir(dir);
    await Deno.writeTextFile(
      `${dir}/package.json`,
      JSON.stringify({ name: "fresh", private: true, type: "module" }),
    );
    const npm = ["npm", "install", "--no-audit", "--no-fund", "--loglevel=error", ...tarballs];
    const install = await runPiped(npm, { env, cwd: dir });
    assert.equal(install.code, 0, install.stderr);

    const manifest = `${dir}/node_modules/cirtusai/package.json`;
    assert.ok(JSON.parse(await Deno.readTextFile(manifest)).exports["./tools"]?.types);
    await Deno.writeTextFile(`${dir}/tools.mjs`, TOOLS_PROGRAM);
    const tools = await runPiped(["node", "tools.mjs"], { env, cwd: dir });
    assert.equal(tools.code, 0, tools.stderr);
    assert.deepEqual(JSON.parse(tools.stdout), {
      count: SAFE_TOOLS,
      agents: 1,
      refused: "InvalidArgumentError",
    });

    // The person logs in with the Node CLI; the server then uses that session.
    const bin = `${dir}/node_modules/.bin/cirtusai`;
    const login = await runPiped(
      ["node", bin, "login", who.username, "--password-stdin", "--code", who.backupCodes[0]],
      { env, cwd: dir, stdin: `${who.password}\n` },
    );
    assert.equal(login.code, 0, login.stderr);
    const mcp = await open(["node", bin, "mcp"]);
    assert.equal(mcp.client.getServerVersion()?.name, "cirtusai");
    const listed = await mcp.client.listTools();
    assert.equal(listed.tools.length, SAFE_TOOLS);
    assert.ok(listed.tools.every((t) => t.inputSchema.type === "object" && t.annotations));
    await everyTool(mcp);
    await everyToolRefuses(mcp, served.requests);
    assert.ok(await mcp.close() < 1500, "the server leaves by itself when stdin closes");
    assert.doesNotMatch(mcp.stderr(), /Uncaught|Error:/);

    // As the README's configuration block starts it: npx, with a service login this time.
    const viaNpx = await open(["npx", "--no-install", "cirtusai", "mcp", "--allow-destructive"], {
      CIRTUSAI_USERNAME: who.username,
      CIRTUSAI_PASSWORD: who.password,
      CIRTUSAI_TOTP_SECRET: who.secret,
    }, { cwd: dir });
    assert.equal((await viaNpx.client.listTools()).tools.length, SAFE_TOOLS + 3);
    const status = await viaNpx.call("get_2fa_status");
    assert.equal((status.structuredContent as { is_2fa_enabled: boolean }).is_2fa_enabled, true);
    await viaNpx.close();
    assertNoSecret([...mcp.seen, mcp.stderr(), ...viaNpx.seen, viaNpx.stderr()], [
      who.password,
      who.secret,
      ...served.tokens,
    ]);
  });
});
