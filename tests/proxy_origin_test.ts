// Issue 30: the proxy on Node, served with serve(), driven by headless Chromium. A page on another
// port of the same host shares the victim's cookies (cookies ignore ports) and sends request
// targets such as `//127.0.0.1:PORT/api/auth/debug-2fa`, which Node's serve() once turned into the
// proxy's own origin: it must read nothing and change nothing. Same-origin pages log in under every
// name the machine answers to (localhost, 127.0.0.1, its own name), bound to 0.0.0.0 too.
import assert from "node:assert/strict";
import { requireChromium } from "./browser_request.ts";
import { Totp } from "../mod.ts";
import { serveEmulator } from "../src/emulator/mod.ts";
import { rawConnection } from "./raw_connection.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const RUNTIMES = `${ROOT}tests/runtimes/`;
const SECRET = "cHnOmxNWZce3TmS8t3421Pr2C+Z1EHdvhsYmKHZVgkc="; // openssl rand -base64 32
const PASSWORD = "correct horse battery";

/** The proxy bundled for Node, from tests/runtimes/proxy_node.ts. */
async function nodeBundle(dir: string): Promise<string> {
  const out = `${dir}/proxy_node.mjs`;
  const bundled = await new Deno.Command(Deno.execPath(), {
    args: [
      "bundle",
      "--quiet",
      "--platform",
      "node",
      "--format",
      "esm",
      "-o",
      out,
      `${RUNTIMES}proxy_node.ts`,
    ],
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  assert.ok(bundled.success, "deno bundle of the Node proxy failed");
  return out;
}

/** The proxy on Node, listening on `hostname`: its port and a way to stop it. */
async function nodeProxy(bundle: string, upstream: string, hostname: string) {
  const child = new Deno.Command("node", {
    args: [bundle, upstream, SECRET, hostname],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`the Node proxy exited: ${text}`);
    text += value;
  }
  reader.releaseLock();
  const { port, runtime } = JSON.parse(text.split("\n")[0]);
  assert.match(runtime, /^v\d+/, "it runs on Node");
  return {
    port: port as number,
    stop: async () => {
      child.kill("SIGTERM");
      await child.status;
      await child.stdout.cancel().catch(() => {});
    },
  };
}

Deno.test("on Node, a page on another port reads and changes nothing through the proxy; same-origin pages log in under every name, bound to 0.0.0.0 too", async () => {
  await requireChromium();
  const dir = await Deno.makeTempDir({ prefix: "cirtusai-proxy-node-" });
  const emulator = await serveEmulator({ port: 0, pbkdf2Iterations: 1_000 });
  const bundle = await nodeBundle(dir);
  const loopback = await nodeProxy(bundle, emulator.url, "127.0.0.1");
  const everywhere = await nodeProxy(bundle, emulator.url, "0.0.0.0");
  const attackerPage = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    () =>
      new Response("<!doctype html><title>another app</title>", {
        headers: { "content-type": "text/html" },
      }),
  );
  const machine = Deno.hostname().toLowerCase();
  try {
    // An account per login, each with the code of the current step (a code is accepted once).
    const now = emulator.emulator.clock.now();
    const account = async (name: string) => {
      const res = await fetch(`${emulator.url}/auth/register`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username: name, email: `${name}@example.com`, password: PASSWORD }),
      });
      const { secret } = await res.json();
      return {
        username: name,
        password: PASSWORD,
        code: await (await Totp.fromSecret(secret)).generate(now),
      };
    };
    const logins = [
      { url: `http://127.0.0.1:${loopback.port}/`, ...(await account("victim")) },
      { url: `http://localhost:${loopback.port}/`, ...(await account("vianame")) },
      { url: `http://localhost:${everywhere.port}/`, ...(await account("any1")) },
      { url: `http://127.0.0.1:${everywhere.port}/`, ...(await account("any2")) },
      { url: `http://${machine}:${everywhere.port}/`, ...(await account("any3")) },
    ];
    const proxy = `http://127.0.0.1:${loopback.port}`;
    const out = await new Deno.Command("node", {
      args: [
        `${RUNTIMES}proxy_origin.mjs`,
        JSON.stringify({
          logins,
          attacker: { url: `http://127.0.0.1:${attackerPage.addr.port}/`, proxy },
          resolve: machine,
        }),
      ],
      cwd: ROOT,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 0, stderr);
    const result = JSON.parse(new TextDecoder().decode(out.stdout).trim().split("\n").at(-1)!) as {
      results: { origin: string; login: number; verify: number; agents: number }[];
      attack: Record<string, { status?: number; body?: string; error?: string }>;
      cookies: { name: string; value: string; domain: string; secure: boolean }[];
    };
    for (const r of result.results) {
      assert.deepEqual({ login: r.login, verify: r.verify, agents: r.agents }, {
        login: 200,
        verify: 200,
        agents: 200,
      }, `a page on ${r.origin}`);
    }
    const named = result.cookies.find((c) => c.domain === machine);
    assert.ok(
      named && !named.secure,
      "on plain HTTP to the machine's name, a cookie without Secure",
    );

    // The attacker's page got no answer it can read, and changed nothing.
    const { attack } = result;
    for (const what of ["debug", "direct", "agents", "create"]) {
      const answer = attack[what];
      assert.ok(
        answer.error === "TypeError",
        `${what}: readable by another origin: ${JSON.stringify(answer)}`,
      );
    }
    const victim = result.cookies.find((c) => c.domain === "127.0.0.1");
    assert.ok(victim, "the victim's session cookie");
    const children = await fetch(`${proxy}/api/agents/children`, {
      headers: { cookie: `${victim.name}=${victim.value}` },
    });
    assert.equal(children.status, 200);
    assert.deepEqual(await children.json(), [], "no agent was created");

    // What curl sends: an absolute-form or protocol-relative target, its own Origin.
    for (const target of ["//evil.example/api/agents", "http://evil.example/api/agents"]) {
      const conn = await rawConnection(loopback.port);
      await conn.write(
        `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${loopback.port}\r\nOrigin: http://evil.example\r\n` +
          `Cookie: ${victim.name}=${victim.value}\r\nConnection: close\r\n\r\n`,
      );
      await conn.closed;
      conn.close();
      assert.match(conn.text(), /^HTTP\/1\.1 \d{3} /);
      assert.doesNotMatch(conn.text(), /access-control-allow-origin/i, target);
    }
  } finally {
    await loopback.stop();
    await everywhere.stop();
    await attackerPage.shutdown();
    await emulator.close();
    await Deno.remove(dir, { recursive: true });
  }
});
