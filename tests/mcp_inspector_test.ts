// An outside MCP client: the MCP Inspector's CLI mode (pinned in tests/mcp/package-lock.json,
// installed by scripts/setup_runtimes.ts) starts `cirtusai mcp`, lists its tools and calls one.
import assert from "node:assert/strict";
import { account, baseEnv, CLI, personLogsIn, recordedEmulator } from "./mcp/harness.ts";

const INSPECTOR = new URL("./mcp/node_modules/.bin/mcp-inspector", import.meta.url).pathname;

async function inspect(env: Record<string, string>, catalog: string, ...args: string[]) {
  const out = await new Deno.Command(INSPECTOR, {
    args: [
      "--cli",
      ...Object.entries(env).flatMap(([k, v]) => ["-e", `${k}=${v}`]),
      Deno.execPath(),
      "run",
      "--quiet",
      "-A",
      CLI,
      "mcp",
      ...args,
    ],
    // The Inspector keeps a catalog of servers in ~/.mcp-inspector unless told otherwise.
    env: { MCP_CATALOG_PATH: catalog },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const t = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: t(out.stdout), stderr: t(out.stderr) };
}

/** The Inspector's answer, when it exited 0. */
function answer(run: { code: number; stdout: string; stderr: string }) {
  assert.equal(run.code, 0, `${run.stdout}${run.stderr}`);
  return JSON.parse(run.stdout);
}

Deno.test("the MCP Inspector (CLI mode) lists the tools and calls one", async () => {
  try {
    await Deno.stat(INSPECTOR);
  } catch {
    throw new Error("the MCP Inspector is not installed: run npm ci --prefix tests/mcp");
  }
  const served = await recordedEmulator();
  const config = await Deno.makeTempDir();
  try {
    const env = baseEnv(config, served.url);
    const who = await account(served);
    await personLogsIn(who, env);
    const serverEnv = { XDG_CONFIG_HOME: config, CIRTUSAI_API_URL: served.url };
    const catalog = `${config}/inspector.json`;

    const listed = answer(await inspect(serverEnv, catalog, "--method", "tools/list"));
    const names = listed.tools.map((t: { name: string }) => t.name);
    assert.equal(names.length, 14);
    assert.ok(names.includes("list_agents") && !names.includes("delete_agent"));

    const called = await inspect(
      serverEnv,
      catalog,
      "--method",
      "tools/call",
      "--tool-name",
      "provision_wallet",
      "--tool-arg",
      "child_id=no-such-child",
      "chain=solana",
    );
    // A tool error: the result on stdout, the Inspector's exit code 5 and a line on stderr.
    assert.equal(called.code, 5, called.stderr);
    assert.equal(JSON.parse(called.stdout).structuredContent.error.status, 404);
    assert.match(called.stderr, /"code":"tool_is_error"/);

    const agents = answer(
      await inspect(
        serverEnv,
        catalog,
        "--method",
        "tools/call",
        "--tool-name",
        "list_agents",
      ),
    );
    assert.equal(agents.structuredContent.agents.length, 1);
    assert.match(agents.content[0].text, /^1 master agent\n/);
  } finally {
    await served.close();
    await Deno.remove(config, { recursive: true });
  }
});
