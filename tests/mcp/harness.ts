// What the MCP tests share: the emulator served on loopback with a record of every request and of
// every token it issued, an account with 2FA enabled, the CLI run as a person, and the MCP SDK's
// own client over stdio in front of a `cirtusai mcp` process.
// @ts-types="@modelcontextprotocol/sdk/client/index"
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
// @ts-types="@modelcontextprotocol/sdk/client/stdio"
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types";
import assert from "node:assert/strict";
import { CirtusAIClient, Totp } from "../../mod.ts";
import { createEmulator, type Emulator } from "../../src/emulator/mod.ts";
import { type PipedRun, runPiped } from "../cli_process.ts";

export const CLI = new URL("../../cli.ts", import.meta.url).pathname;
export const PASSWORD = "correct horse battery staple";
/** How many tools are offered without --allow-destructive. */
export const SAFE_TOOLS = 14;

/** The emulator on a free loopback port, recording requests and the tokens it hands out. */
export interface RecordedEmulator {
  url: string;
  emulator: Emulator;
  /** `"GET /agents"`, in the order they came. */
  requests: string[];
  /** Every access, refresh and temporary token issued. */
  tokens: Set<string>;
  /** Advances the emulator's clock through its HTTP route, as a person would. */
  advance(seconds: number): Promise<void>;
  close(): Promise<void>;
}

export async function recordedEmulator(): Promise<RecordedEmulator> {
  const emulator = createEmulator({ pbkdf2Iterations: 1_000 });
  await emulator.ready;
  const requests: string[] = [];
  const tokens = new Set<string>();
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen: () => {} },
    async (request, info) => {
      const path = new URL(request.url).pathname;
      requests.push(`${request.method} ${path}`);
      const response = await emulator.app.fetch(request, info);
      if (path.startsWith("/auth/") && response.ok) {
        const body = await response.clone().json().catch(() => ({}));
        for (const key of ["access_token", "refresh_token", "temporary_token"]) {
          if (typeof body[key] === "string") tokens.add(body[key]);
        }
      }
      return response;
    },
  );
  const url = `http://127.0.0.1:${server.addr.port}`;
  return {
    url,
    emulator,
    requests,
    tokens,
    advance: async (seconds) => {
      const res = await fetch(`${url}/_emulator/clock/advance`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ seconds }),
      });
      if (!res.ok) throw new Error(`clock advance: ${res.status}`);
      await res.body?.cancel();
    },
    close: async () => {
      await server.shutdown();
      emulator.store.close();
    },
  };
}

/** A registered account with 2FA confirmed (enforced), its TOTP secret and backup codes. */
export interface Account {
  username: string;
  password: string;
  secret: string;
  backupCodes: string[];
}

let accounts = 0;

/**
 * Registers and confirms 2FA without spending this 30 s step's code (a backup code logs in, the
 * last step's code confirms), so that a login from the secret works at once.
 */
export async function account(served: RecordedEmulator): Promise<Account> {
  const username = `agent${++accounts}_${crypto.randomUUID().slice(0, 6)}`;
  const client = new CirtusAIClient(served.url, { maxRetries: 0 });
  const setup = await client.auth.register({
    username,
    email: `${username}@example.com`,
    password: PASSWORD,
  });
  const [first, ...backupCodes] = setup.backup_codes;
  await client.auth.loginWith2fa(username, PASSWORD, first);
  const totp = await Totp.fromSecret(setup.secret);
  await client.auth.confirm2fa(await totp.generate(served.emulator.clock.now() - 30_000));
  return { username, password: PASSWORD, secret: setup.secret, backupCodes };
}

/** A clean environment for a child process: its own config dir, Deno's cache kept. */
export function baseEnv(config: string, url: string): Record<string, string> {
  const keep = Object.fromEntries(
    ["HOME", "DENO_DIR", "PATH"].flatMap((name) => {
      const value = Deno.env.get(name);
      return value === undefined ? [] : [[name, value]];
    }),
  );
  return { ...keep, XDG_CONFIG_HOME: config, CIRTUSAI_API_URL: url, NO_COLOR: "1" };
}

/** The CLI as a person runs it (`deno run -A cli.ts ...`). */
export function cli(
  args: string[],
  env: Record<string, string>,
  stdin?: string,
): Promise<PipedRun> {
  return runPiped([Deno.execPath(), "run", "--quiet", "-A", CLI, ...args], { env, stdin });
}

/** `cirtusai login` at a terminal, with the password on stdin and a backup code. */
export async function personLogsIn(who: Account, env: Record<string, string>): Promise<void> {
  const run = await cli(
    ["login", who.username, "--password-stdin", "--code", who.backupCodes.shift()!],
    env,
    `${who.password}\n`,
  );
  if (run.code !== 0) throw new Error(`cirtusai login failed: ${run.stderr}`);
}

/** An MCP session with a server process, and everything it said on stderr. */
export interface McpSession {
  client: Client;
  stderr(): string;
  /**
   * Closes stdin, as MCP clients do, and resolves once the process ended. The SDK's transport
   * sends SIGTERM after 2 s; the milliseconds it took tell whether the server left by itself.
   */
  close(): Promise<number>;
  /** Every result and error the session has seen, as text, for the secret checks. */
  seen: string[];
  /** Calls a tool and records what came back. */
  call(name: string, args?: Record<string, unknown>): Promise<CallToolResult>;
}

export async function mcpSession(
  command: string[],
  env: Record<string, string>,
  options: { cwd?: string } = {},
): Promise<McpSession> {
  const [program, ...args] = command;
  const transport = new StdioClientTransport({
    command: program,
    args,
    env,
    cwd: options.cwd,
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr?.on("data", (chunk: Uint8Array) => (stderr += new TextDecoder().decode(chunk)));
  const client = new Client({ name: "cirtusai-tests", version: "1.0.0" });
  await client.connect(transport);
  const seen: string[] = [];
  return {
    client,
    stderr: () => stderr,
    seen,
    close: async () => {
      const started = performance.now();
      await client.close();
      return performance.now() - started;
    },
    call: async (name, callArgs = {}) => {
      try {
        const result = await client.callTool({ name, arguments: callArgs }) as CallToolResult;
        seen.push(JSON.stringify(result));
        return result;
      } catch (err) {
        seen.push(String(err));
        throw err;
      }
    },
  };
}

/** What a test works in: the emulator, an account on it, a config dir and the env to use it. */
export interface Scene {
  served: RecordedEmulator;
  who: Account;
  config: string;
  env: Record<string, string>;
  /** Starts an MCP session (closed at the end of the scene) with `env` over the scene's. */
  open(
    command: string[],
    env?: Record<string, string>,
    options?: { cwd?: string },
  ): Promise<McpSession>;
}

/** Runs `fn` in a fresh scene, then closes its sessions, the emulator and the config dir. */
export async function inScene(fn: (scene: Scene) => Promise<void>): Promise<void> {
  const served = await recordedEmulator();
  const config = await Deno.makeTempDir();
  const sessions: McpSession[] = [];
  try {
    const env = baseEnv(config, served.url);
    const who = await account(served);
    await fn({
      served,
      who,
      config,
      env,
      open: async (command, more = {}, options) => {
        const session = await mcpSession(command, { ...env, ...more }, options);
        sessions.push(session);
        return session;
      },
    });
  } finally {
    for (const session of sessions) await session.close();
    await served.close();
    await Deno.remove(config, { recursive: true });
  }
}

/** The command that runs the CLI from source on Deno. */
export function denoMcp(...flags: string[]): string[] {
  return [Deno.execPath(), "run", "--quiet", "-A", CLI, "mcp", ...flags];
}

/** Fails naming the secret when any of `texts` contains one of `secrets`. */
export function assertNoSecret(texts: string[], secrets: Iterable<string>): void {
  for (const secret of secrets) {
    for (const text of texts) {
      if (text.includes(secret)) {
        throw new Error(
          `a secret (${secret.slice(0, 6)}...) was written out: ${text.slice(0, 300)}`,
        );
      }
    }
  }
}

export function text(result: CallToolResult): string {
  return (result.content[0] as { type: "text"; text: string }).text;
}

/** Each tool once with valid input, in an order that gives the next ones their ids. */
export async function everyTool(mcp: McpSession): Promise<Record<string, unknown>> {
  const ok = async (name: string, args: Record<string, unknown> = {}) => {
    const result = await mcp.call(name, args);
    assert.notEqual(result.isError, true, `${name}: ${text(result)}`);
    assert.ok(result.structuredContent, name);
    assert.ok(text(result).endsWith(JSON.stringify(result.structuredContent)), name);
    return result.structuredContent as Record<string, unknown>;
  };
  const { agents } = await ok("list_agents") as { agents: { id: string; did: string }[] };
  const master = agents[0];
  const child = await ok("create_child_agent", { parent_id: master.id, name: "scout" });
  await ok("get_agent", { agent_id: child.id });
  assert.equal(((await ok("list_child_agents")).children as unknown[]).length, 1);
  const perms = await ok("update_child_permissions", {
    child_id: child.id,
    permissions: { send_email: true },
  });
  assert.deepEqual(perms.permissions, { send_email: true });
  await ok("provision_email", { child_id: child.id });
  const wallet = await ok("provision_wallet", { child_id: child.id, chain: "base" });
  assert.match(String(wallet.address), /^0x[0-9a-fA-F]{40}$/);
  assert.equal(((await ok("list_assets")).assets as unknown[]).length, 2);
  assert.deepEqual(await ok("list_email_accounts"), { email_accounts: [] });
  assert.equal((await ok("get_did", { agent_id: master.id })).did, master.did);
  const { credential } = await ok("issue_credential", {
    subject_id: child.id,
    types: ["AgentCapability"],
    claim: { can_send_email: true },
  });
  assert.equal((await ok("verify_credential", { credential })).verified, true);
  assert.equal((await ok("verify_credential_offline", { credential })).verified, true);
  assert.equal((await ok("get_2fa_status")).is_2fa_enabled, true, "2FA is enforced");
  return { master, child };
}

/** Each tool once with input its schema refuses: a tool error, and nothing sent upstream. */
export async function everyToolRefuses(mcp: McpSession, requests: string[]): Promise<void> {
  const bad: Record<string, Record<string, unknown>> = {
    list_agents: { limit: 5 },
    get_agent: {},
    list_child_agents: { x: 1 },
    create_child_agent: { parent_id: "p", name: 3 },
    update_child_permissions: { child_id: "c" },
    provision_email: { child_id: "" },
    provision_wallet: { child_id: "c", chain: "bitcoin" },
    list_assets: { page: 2 },
    list_email_accounts: { all: true },
    get_did: { agent_id: ["a"] },
    issue_credential: { subject_id: "s", types: [], claim: {} },
    verify_credential: { credential: 12 },
    verify_credential_offline: {},
    get_2fa_status: { reveal: "codes" },
  };
  const before = requests.length;
  for (const [name, args] of Object.entries(bad)) {
    const result = await mcp.call(name, args);
    assert.equal(result.isError, true, name);
    assert.match(text(result), new RegExp(`^invalid input for ${name}: .*nothing was sent$`));
    assert.equal(
      (result.structuredContent as { error: { type: string } }).error.type,
      "InvalidArgumentError",
    );
  }
  assert.deepEqual(requests.slice(before), [], "nothing reached the API");
}
