// `cirtusai mcp` as an MCP client meets it: the MCP SDK's own Client over stdio, against
// `deno run -A cli.ts mcp` in front of the emulator (2FA enforced), with the CLI's stored session
// and with a service login from the environment; a refresh shared with a person's CLI commands;
// and no secret in any result, error or line of stderr.
import assert from "node:assert/strict";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types";
import {
  assertNoSecret,
  cli,
  denoMcp,
  everyTool,
  everyToolRefuses,
  inScene,
  personLogsIn,
  SAFE_TOOLS,
  text,
} from "./mcp/harness.ts";

Deno.test("cirtusai mcp on Deno, the CLI's stored session: initialize, tools/list, every tool", async () => {
  await inScene(async ({ served, config, env, who, open }) => {
    await personLogsIn(who, env);
    const mcp = await open(denoMcp(), env);
    assert.equal(mcp.client.getServerVersion()?.name, "cirtusai");
    assert.ok(mcp.client.getServerCapabilities()?.tools);
    assert.match(
      mcp.client.getInstructions() ?? "",
      new RegExp(`as ${who.username} \\(the CLI's session of profile default\\)`),
    );

    const { tools } = await mcp.client.listTools();
    assert.equal(tools.length, SAFE_TOOLS);
    for (const tool of tools) {
      assert.equal(tool.inputSchema.type, "object", tool.name);
      assert.ok(tool.description && tool.title, tool.name);
      for (const hint of ["readOnlyHint", "destructiveHint", "idempotentHint"] as const) {
        assert.equal(typeof tool.annotations?.[hint], "boolean", `${tool.name} ${hint}`);
      }
      assert.equal(tool.annotations?.destructiveHint, false);
    }
    await everyTool(mcp);
    await everyToolRefuses(mcp, served.requests);
    const unknown = await mcp.client.callTool({
      name: "delete_agent",
      arguments: { agent_id: "x" },
    })
      .then(() => "answered", (err) => String(err));
    assert.match(unknown, /offered only when the server runs with --allow-destructive/);

    // A 404 is a tool error with the SDK's message and the status; the server keeps serving.
    const missing = await mcp.call("get_did", { agent_id: "no-such-agent" });
    assert.equal(missing.isError, true);
    assert.deepEqual(missing.structuredContent, {
      error: {
        message: "GET /identity/dids/no-such-agent failed with 404: Agent not found",
        type: "NotFoundError",
        status: 404,
      },
    });
    assert.equal((await mcp.call("list_agents")).isError, undefined);

    assert.ok(await mcp.close() < 1500, "the server leaves by itself when stdin closes");
    const stderr = mcp.stderr();
    assert.match(stderr, /cirtusai mcp: 14 tools for http:\/\/127\.0\.0\.1:\d+/);
    assert.match(stderr, /list_agents: ok in \d+ ms/);
    assert.doesNotMatch(stderr, /Uncaught|panicked/);
    const file = await Deno.readTextFile(`${config}/cirtusai/credentials.json`);
    assertNoSecret([...mcp.seen, stderr], [
      who.password,
      who.secret,
      ...who.backupCodes,
      ...served.tokens,
    ]);
    assert.ok(served.tokens.size >= 2 && [...served.tokens].some((t) => file.includes(t)));
  });
});

Deno.test("cirtusai mcp --allow-destructive offers and runs the delete and unlink tools", async () => {
  await inScene(async ({ served, env, who, open }) => {
    await personLogsIn(who, env);
    const mcp = await open(denoMcp("--allow-destructive"));
    const { tools } = await mcp.client.listTools();
    const destructive = tools.filter((t) => t.annotations?.destructiveHint).map((t) => t.name);
    assert.deepEqual(destructive, ["delete_agent", "unlink_child_agent", "delete_email_account"]);
    assert.equal(tools.length, SAFE_TOOLS + 3);
    const { master, child } = await everyTool(mcp) as {
      master: { id: string };
      child: { id: string };
    };
    for (
      const [name, args] of Object.entries({
        delete_agent: {},
        unlink_child_agent: { child_id: 5 },
        delete_email_account: { account_id: "" },
      })
    ) {
      const before = served.requests.length;
      const result = await mcp.call(name, args);
      assert.equal(result.isError, true);
      assert.match(text(result), /^invalid input for /);
      assert.equal(served.requests.length, before);
    }
    const unlinked = await mcp.call("unlink_child_agent", { child_id: child.id });
    assert.deepEqual(unlinked.structuredContent, { unlinked: true, child_id: child.id });
    const gone = await mcp.call("delete_email_account", { account_id: "no-such-account" });
    assert.equal((gone.structuredContent as { error: { status: number } }).error.status, 404);
    const deleted = await mcp.call("delete_agent", { agent_id: master.id });
    assert.equal(
      text(deleted),
      `Deleted agent ${master.id}\n{"deleted":true,"agent_id":"${master.id}"}`,
    );
    assert.deepEqual((await mcp.call("list_agents")).structuredContent, { agents: [] });
  });
});

Deno.test("a service login from the environment (2FA enforced): in memory only, no secret anywhere", async () => {
  await inScene(async ({ served, config, env: base, who, open }) => {
    const env = {
      ...base,
      CIRTUSAI_USERNAME: who.username,
      CIRTUSAI_PASSWORD: who.password,
      CIRTUSAI_TOTP_SECRET: who.secret,
    };
    const mark = served.requests.length;
    const logins = () => served.requests.slice(mark).filter((r) => r === "POST /auth/verify-2fa");
    const mcp = await open(denoMcp(), env);
    assert.deepEqual(served.requests.slice(mark), [], "no request before the first tool call");
    const [agents, status] = await Promise.all([
      mcp.call("list_agents"),
      mcp.call("get_2fa_status"),
    ]);
    assert.equal((agents.structuredContent as { agents: unknown[] }).agents.length, 1);
    assert.equal((status.structuredContent as { is_2fa_enabled: boolean }).is_2fa_enabled, true);
    assert.equal(logins().length, 1, "one login for both calls");
    await everyTool(mcp);
    assert.equal(logins().length, 1);
    await mcp.close();
    assert.match(
      mcp.stderr(),
      new RegExp(`as ${who.username} \\(a service login from the environment\\)`),
    );
    await assert.rejects(Deno.stat(`${config}/cirtusai/credentials.json`), Deno.errors.NotFound);
    assertNoSecret([...mcp.seen, mcp.stderr()], [who.password, who.secret, ...served.tokens]);

    // A wrong password: a tool error naming the variables, never the password, on every line.
    const wrong = await open(denoMcp(), { ...env, CIRTUSAI_PASSWORD: "not-the-password-1" });
    const refused = await wrong.call("list_agents");
    assert.equal(refused.isError, true);
    assert.match(text(refused), /service login as .* was refused .*CIRTUSAI_PASSWORD/);
    assert.equal((refused.structuredContent as { error: { status: number } }).error.status, 401);
    await wrong.close();
    assertNoSecret([...wrong.seen, wrong.stderr()], ["not-the-password-1", who.secret]);

    // Only part of the service login, or both it and a token: a usage error before serving.
    const partial = await cli(["mcp"], { ...env, CIRTUSAI_TOTP_SECRET: "" });
    assert.equal(partial.code, 2);
    assert.match(partial.stderr, /CIRTUSAI_TOTP_SECRET is not set/);
    const bad = await cli(["mcp"], { ...env, CIRTUSAI_TOTP_SECRET: "not base32 1!" });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /CIRTUSAI_TOTP_SECRET is not a valid base32 TOTP secret/);
    assert.ok(!bad.stderr.includes("not base32"));
    const both = await cli(["mcp", "--token", "abc"], env);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /choose one/);
  });
});

Deno.test("a refresh during a session, with a person's CLI commands at the same time: one refresh upstream, both keep working", async () => {
  await inScene(async ({ served, env, who, open }) => {
    const refreshes = () => served.requests.filter((r) => r === "POST /auth/refresh").length;
    const agentsOk = async (result: Promise<CallToolResult>) => {
      const r = await result;
      assert.notEqual(r.isError, true, text(r));
    };
    const personOk = async () => {
      const run = await cli(["agents", "list", "--json"], env);
      assert.equal(run.code, 0, run.stderr);
      assert.equal(JSON.parse(run.stdout).length, 1);
    };
    await personLogsIn(who, env);
    const mark = served.requests.length;
    const mcp = await open(denoMcp(), env);
    await agentsOk(mcp.call("list_agents")); // the server holds the tokens of the file now

    // The access tokens expire (the emulator's clock). The person's command refreshes first; the
    // server, whose tokens in memory are now spent, re-reads the file under the lock and adopts
    // the new ones, rather than spend the old refresh token again (which would end the session).
    await served.advance(1900);
    await personOk();
    await agentsOk(mcp.call("list_child_agents"));
    assert.equal(refreshes(), 1);

    // Again, both at once: three tool calls and two CLI commands.
    await served.advance(1900);
    await Promise.all([
      personOk(),
      personOk(),
      agentsOk(mcp.call("list_agents")),
      agentsOk(mcp.call("get_2fa_status")),
      agentsOk(mcp.call("list_assets")),
    ]);
    assert.equal(refreshes(), 2, "one refresh for the second expiry");
    await Promise.all([personOk(), agentsOk(mcp.call("list_agents"))]);
    assert.equal(refreshes(), 2);
    assert.ok(!served.requests.slice(mark).includes("POST /auth/login"), "no new login needed");
    await mcp.close();
    assertNoSecret([...mcp.seen, mcp.stderr()], [who.password, ...served.tokens]);
  });
});

Deno.test("not logged in: the tools say how to log in, and pick the login up once it is done", async () => {
  await inScene(async ({ env, who, open }) => {
    const mcp = await open(denoMcp(), env);
    const before = await mcp.call("list_agents");
    assert.equal(before.isError, true);
    assert.match(
      text(before),
      /401: Not authenticated\nhint: not logged in: log in at a terminal \(cirtusai login --profile default\)/,
    );
    await personLogsIn(who, env);
    const after = await mcp.call("list_agents");
    assert.notEqual(after.isError, true, text(after));
    await mcp.close();
    assert.match(mcp.stderr(), /no saved session for profile default/);
  });
});
