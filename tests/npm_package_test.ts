// The npm package as a Node user meets it: `deno task pack`, then a fresh Node project that
// installs the tarball with npm, type-checks a program with `tsc --strict` (lib es2022 + dom, no
// skipLibCheck), runs it on Node against the in-process emulator, and runs `npx cirtusai`.
import assert from "node:assert/strict";
import { runInTerminal } from "./cli_process.ts";
import { slowClient } from "./raw_connection.ts";

const ROOT = new URL("..", import.meta.url).pathname;

async function run(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}) {
  const out = await new Deno.Command(cmd, { args, cwd, env, stdout: "piped", stderr: "piped" })
    .output();
  const t = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: t(out.stdout), stderr: t(out.stderr) };
}

const PROGRAM = `
import { CirtusAIClient, TwoFactorAuthenticationError, type Agent } from "@cirtusai/sdk";
import { createEmulator } from "@cirtusai/sdk/emulator";
import { Totp } from "@cirtusai/sdk/totp";
import { verifyCredentialJwt } from "@cirtusai/sdk/did";
import { createProxy } from "@cirtusai/sdk/proxy";
import { main } from "@cirtusai/sdk/cli";

const emulator = createEmulator({ pbkdf2Iterations: 1000 });
const client = new CirtusAIClient("http://emulator.test", { fetch: emulator.fetch });
const setup = await client.auth.register({ username: "node", email: "node@example.com", password: "pw" });
const login = await client.auth.login("node", "pw");
if (login.requires_2fa !== true) throw new Error("2FA expected");
let refused = false;
try {
  await client.auth.verify2fa(login.temporary_token, "000000");
} catch (err) {
  refused = err instanceof TwoFactorAuthenticationError;
}
await client.auth.loginWith2fa("node", "pw", { totpSecret: setup.secret });
const [master]: Agent[] = await client.agents.listAgents();
const child = await client.agents.createChildAgent(master.id, "kid");
const code: string = await (await Totp.fromSecret(setup.secret)).generate();
const { credential } = await client.identity.issueCredential({
  subject_id: child.id, types: ["T"], claim: { ok: true },
});
const offline = await verifyCredentialJwt(credential);
console.log(JSON.stringify({
  refused, did: master.did, parent: child.parent_id === master.id, code: code.length,
  offline: offline.verified, proxy: typeof createProxy, cli: typeof main,
}));
`;

Deno.test("npm: the packed tarball installs, type-checks under tsc --strict and runs on Node", async () => {
  const packed = await run(Deno.execPath(), ["run", "-A", `${ROOT}scripts/pack.ts`], ROOT);
  assert.equal(packed.code, 0, packed.stderr);
  const tarball = `${ROOT}${packed.stdout.trim().split("\n").at(-1)}`;
  const pkg = JSON.parse(
    (await run("tar", ["xzf", tarball, "-O", "package/package.json"], ROOT)).stdout,
  );
  assert.deepEqual(pkg.bin, { cirtusai: "./bin/cirtusai.js" });
  for (const entry of [".", "./totp", "./did", "./proxy", "./emulator", "./cli"]) {
    assert.ok(pkg.exports[entry]?.types, `${entry} has types`);
  }

  const dir = await Deno.makeTempDir({ prefix: "cirtusai-npm-" });
  try {
    await Deno.writeTextFile(
      `${dir}/package.json`,
      JSON.stringify({ name: "fresh", private: true, type: "module" }),
    );
    const install = await run(
      "npm",
      ["install", "--no-audit", "--no-fund", "--loglevel=error", tarball, "typescript@5"],
      dir,
      { PATH: Deno.env.get("PATH") ?? "", HOME: Deno.env.get("HOME") ?? dir },
    );
    assert.equal(install.code, 0, install.stderr);
    await Deno.writeTextFile(
      `${dir}/tsconfig.json`,
      JSON.stringify({
        compilerOptions: {
          strict: true,
          target: "es2022",
          module: "nodenext",
          moduleResolution: "nodenext",
          lib: ["es2022", "dom"],
          skipLibCheck: false,
          types: [],
          outDir: "out",
        },
      }),
    );
    await Deno.writeTextFile(`${dir}/flow.mts`, PROGRAM);
    // The browser bundles of `deno task build` carry types too. They are built into the project
    // here, not into dist/, which the runtime tests rebuild at the same time.
    const build = await run(
      Deno.execPath(),
      ["run", "-A", `${ROOT}scripts/build.ts`, "--out", `${dir}/vendor`],
      ROOT,
    );
    assert.equal(build.code, 0, build.stderr);
    await Deno.writeTextFile(
      `${dir}/browser.mts`,
      `import { CirtusAIClient, type Agent } from "./vendor/cirtusai.min.js";
import { verifyCredentialJwt } from "./vendor/cirtusai-did.js";
const client = new CirtusAIClient("https://api.example.com");
export const list: () => Promise<Agent[]> = () => client.agents.listAgents();
export const verify = verifyCredentialJwt;
`,
    );
    const tsc = await run("npx", ["--no-install", "tsc", "-p", "."], dir);
    assert.equal(tsc.code, 0, `tsc:\n${tsc.stdout}${tsc.stderr}`);
    assert.ok((await Deno.stat(`${dir}/out/browser.mjs`)).isFile, "the bundle's types were used");
    const flow = await run("node", ["out/flow.mjs"], dir);
    assert.equal(flow.code, 0, flow.stderr);
    const result = JSON.parse(flow.stdout.trim());
    assert.deepEqual(result, {
      refused: true,
      did: result.did,
      parent: true,
      code: 6,
      offline: true,
      proxy: "function",
      cli: "function",
    });
    assert.match(result.did, /^did:key:z6Mk/);

    const help = await run("npx", ["--no-install", "cirtusai", "--help"], dir);
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, /Usage: cirtusai <command>/);
    const version = await run("npx", ["--no-install", "cirtusai", "--version"], dir);
    assert.match(version.stdout, /^cirtusai \d+\.\d+\.\d+ \(Node v\d+/);
    const code = await run(
      "npx",
      ["--no-install", "cirtusai", "totp", "code", "JBSWY3DPEHPK3PXP"],
      dir,
    );
    assert.equal(code.code, 0, code.stderr);
    assert.match(code.stdout, /^\d{6}\n$/);
    const db = await run("npx", ["--no-install", "cirtusai", "emulator", "--db", "x.kv"], dir);
    assert.equal(db.code, 2, "--db is refused on Node");
    assert.match(db.stderr, /needs Deno/);

    // The emulator on Node: a request to it answers. It runs the bin npx resolves to, directly,
    // because npx does not pass a signal on to its child, which would outlive the test.
    const emulator = new Deno.Command("node", {
      args: [
        "node_modules/.bin/cirtusai",
        "emulator",
        "--port",
        "0",
        "--pbkdf2-iterations",
        "1000",
      ],
      cwd: dir,
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const reader = emulator.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let seen = "";
    try {
      while (!/listening on (\S+)/.test(seen)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`the emulator did not start: ${seen}`);
        seen += value;
      }
      const url = seen.match(/listening on (\S+)/)![1].replace("localhost", "127.0.0.1");
      const res = await fetch(`${url}/auth/register`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username: "onnode", email: "onnode@example.com", password: "pw" }),
      });
      assert.equal(res.status, 201);
      assert.match((await res.json()).qr_code_uri, /^otpauth:\/\/totp\//);
      const agents = await fetch(`${url}/agents`);
      assert.equal(agents.status, 401);
      await agents.body?.cancel();

      // Time limits on clients on Node too: a head sent a header at a time is answered 408 and
      // closed after the 10 s headers limit. It runs while the rest of the test goes on.
      const slow = slowClient(Number(new URL(url).port), {
        head: "GET /agents HTTP/1.1\r\nHost: x\r\n",
        drip: "X-Slow: 1\r\n",
        everyMs: 500,
      });

      // The hidden prompt on Node, at a real pseudo-terminal (script): raw mode and UTF-8.
      const password = "pässwörd-123";
      const { code: ptyCode, screen } = await runInTerminal(
        ["node", "node_modules/.bin/cirtusai", "auth", "register", "ptyuser", "pty@example.com"],
        {
          cwd: dir,
          env: {
            CIRTUSAI_API_URL: url,
            XDG_CONFIG_HOME: `${dir}/config`,
            PATH: Deno.env.get("PATH")!,
          },
          clearEnv: false,
          answers: [
            ["Choose a password: ", `${password}\r`],
            ["Type it again: ", `${password}\r`],
            ["Code from the app: ", "\r"], // enrolment finished later
          ],
          typeDelayMs: 200,
        },
      );
      assert.equal(ptyCode, 0, screen);
      assert.ok(!screen.includes(password), "the password is not echoed");
      const login = await fetch(`${url}/auth/login`, {
        method: "POST",
        body: new URLSearchParams({ username: "ptyuser", password }),
      });
      assert.equal(login.status, 200, "the typed password logs in");
      await login.body?.cancel();
      const { answer, ms } = await slow;
      assert.match(answer, /^HTTP\/1\.1 408 /);
      assert.ok(ms >= 9_500 && ms < 13_000, `cut off after ${ms} ms`);
    } finally {
      emulator.kill("SIGTERM");
      await emulator.status;
      await reader.cancel().catch(() => {});
      await emulator.stderr.cancel().catch(() => {});
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
