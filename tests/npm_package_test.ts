// The npm packages as a Node user meets them: `deno task pack` writes @cirtusai/sdk,
// @cirtusai/proxy and cirtusai; a fresh Node project installs the tarballs with npm (no install
// script anywhere), type-checks a program with `tsc --strict` (lib es2022 + dom, no
// skipLibCheck), runs it on Node and Bun against the in-process emulator, and runs `npx cirtusai`.
import assert from "node:assert/strict";
import { slowClient } from "./raw_connection.ts";
import { pack, type Packed } from "../scripts/pack.ts";
import { bunPath } from "../scripts/tools.ts";
import { assertDocsServed, assertHiddenPasswordRegisters, startEmulator } from "./packaged_cli.ts";

const ROOT = new URL("..", import.meta.url).pathname;

async function run(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}) {
  const out = await new Deno.Command(cmd, { args, cwd, env, stdout: "piped", stderr: "piped" })
    .output();
  const t = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: t(out.stdout), stderr: t(out.stderr) };
}

async function freshProject(dir: string, install: string[]): Promise<void> {
  await Deno.writeTextFile(
    `${dir}/package.json`,
    JSON.stringify({ name: "fresh", private: true, type: "module" }),
  );
  const out = await run(
    "npm",
    ["install", "--no-audit", "--no-fund", "--loglevel=error", "--foreground-scripts", ...install],
    dir,
    { PATH: Deno.env.get("PATH") ?? "", HOME: Deno.env.get("HOME") ?? dir },
  );
  assert.equal(out.code, 0, out.stderr);
  // npm prints a script's name and command as it runs it (`> pkg@1.0.0 postinstall`).
  assert.doesNotMatch(out.stdout + out.stderr, /^> .*(pre|post)?install/m, "an install script ran");
}

/** The packages of a project's lock file that have an install script. */
async function installScripts(dir: string): Promise<string[]> {
  const lock = JSON.parse(await Deno.readTextFile(`${dir}/package-lock.json`));
  return Object.entries(lock.packages as Record<string, { hasInstallScript?: boolean }>)
    .filter(([, p]) => p.hasInstallScript).map(([path]) => path);
}

const PROGRAM = `
import {
  CirtusAIClient, CirtusAIError, InvalidArgumentError, TwoFactorAuthenticationError, type Agent,
} from "@cirtusai/sdk";
import { Totp } from "@cirtusai/sdk/totp";
import { verifyCredentialJwt } from "@cirtusai/sdk/did";
import { createProxy } from "@cirtusai/proxy";
import { createEmulator, serveEmulator } from "cirtusai/emulator";
import { main } from "cirtusai";

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
// One copy of the error classes: what the proxy and the emulator throw is the SDK's.
const thrown = (f: () => unknown) => { try { f(); } catch (err) { return err; } };
const fromProxy = thrown(() => createProxy({ upstream: "http://x.test", cookieSecret: "a".repeat(32) }));
const fromEmulator = await serveEmulator({ db: "x.kv" }).catch((err: unknown) => err);
console.log(JSON.stringify({
  refused, did: master.did, parent: child.parent_id === master.id, code: code.length,
  offline: offline.verified, cli: typeof main,
  proxy_error: fromProxy instanceof InvalidArgumentError && fromProxy instanceof CirtusAIError,
  emulator_error: fromEmulator instanceof InvalidArgumentError,
}));
`;

const EXPECTED = {
  refused: true,
  parent: true,
  code: 6,
  offline: true,
  cli: "function",
  proxy_error: true,
  emulator_error: true,
};

let packing: Promise<{ dir: string; packed: Packed[] }> | undefined;
/** The three tarballs, packed once for this file's tests, in a directory of their own. */
function packed(): Promise<{ dir: string; packed: Packed[] }> {
  packing ??= (async () => {
    const dir = await Deno.makeTempDir({ prefix: "cirtusai-tarballs-" });
    return { dir, packed: await pack({ outDir: dir, allowDirty: true }) };
  })();
  return packing;
}

function tarball(all: Packed[], name: string): Packed {
  return all.find((p) => p.name === name)!;
}

Deno.test("npm: three packages, each with only its own files and the dependencies its modules import", async () => {
  const { packed: all } = await packed();
  assert.deepEqual(all.map((p) => p.name), ["@cirtusai/sdk", "@cirtusai/proxy", "cirtusai"]);
  const [sdk, proxy, cli] = all;
  assert.deepEqual(sdk.dependencies, {}, "the SDK depends on nothing");
  assert.deepEqual(Object.keys(proxy.dependencies), ["@cirtusai/sdk", "hono"]);
  assert.equal(proxy.dependencies["@cirtusai/sdk"], "0.1.0");
  assert.equal(cli.dependencies["@cirtusai/sdk"], "0.1.0");
  assert.equal(cli.dependencies["@cirtusai/proxy"], "0.1.0");
  assert.ok(!("swagger-ui-dist" in cli.dependencies), "Swagger UI is carried, not installed");
  for (const p of all) {
    for (const file of p.files) {
      assert.doesNotMatch(file, /\.(map|png)$|(?<!\.d)\.ts$|^(tests|examples|bench|scripts)\//);
    }
    const listing = await run("tar", ["tzf", p.tarball], ROOT);
    const inTar = listing.stdout.trim().split("\n").map((f) => f.replace(/^package\//, ""));
    assert.deepEqual(inTar.sort(), p.files, `${p.name} holds exactly its files`);
    const manifest = JSON.parse(
      (await run("tar", ["xzf", p.tarball, "-O", "package/package.json"], ROOT)).stdout,
    );
    assert.deepEqual(
      [...manifest.files, "package.json"].sort(),
      p.files,
      `${p.name} lists what it holds`,
    );
    assert.deepEqual(manifest.engines, { node: ">=20" });
    const all = (await run("tar", ["xzf", p.tarball, "-O"], ROOT)).stdout;
    assert.ok(!all.includes("sourceMappingURL=data:"), `${p.name} has no inline source map`);
  }
  // The SDK's own folders only; the others import it by name (`from "@cirtusai/sdk"`).
  assert.ok(
    sdk.files.every((f) => /^(mod\.|src\/sdk\/|docs\/API\.md|README|LICENSE|package)/.test(f)),
  );
  assert.ok(proxy.files.includes("src/proxy/mod.js") && !proxy.files.includes("src/sdk/errors.js"));
  assert.ok(!cli.files.some((f) => /^src\/(sdk\/(errors|client|http)|proxy\/)/.test(f)));
  assert.ok(cli.files.includes("vendor/swagger-ui-dist/LICENSE"), "Swagger UI's licence");
  for (const p of all) {
    for (const path of p.inlined) {
      assert.match(path, /^src\/(sdk|server)\/[a-z_]+\.ts$/, `${p.name} copies only helpers`);
    }
  }
});

Deno.test("npm: the SDK alone installs nothing else, runs no install script, and loads with require on Node 20.19+", async () => {
  const { packed: all } = await packed();
  const dir = await Deno.makeTempDir({ prefix: "cirtusai-npm-sdk-" });
  try {
    await freshProject(dir, [tarball(all, "@cirtusai/sdk").tarball]);
    const lock = JSON.parse(await Deno.readTextFile(`${dir}/package-lock.json`));
    assert.deepEqual(Object.keys(lock.packages).sort(), ["", "node_modules/@cirtusai/sdk"]);
    assert.deepEqual(await installScripts(dir), []);
    await Deno.writeTextFile(
      `${dir}/esm.mjs`,
      `import { CirtusAIClient } from "@cirtusai/sdk";
import { Totp } from "@cirtusai/sdk/totp";
console.log(typeof CirtusAIClient, (await (await Totp.fromSecret("JBSWY3DPEHPK3PXP")).generate()).length);`,
    );
    const esm = await run("node", ["esm.mjs"], dir);
    assert.equal(esm.stdout.trim(), "function 6", esm.stderr);
    // Node 20.19+ loads ES modules from require() (this machine's Node is 20.19 or later).
    await Deno.writeTextFile(
      `${dir}/cjs.cjs`,
      `const { CirtusAIClient, CirtusAIError } = require("@cirtusai/sdk");
const { verifyCredentialJwt } = require("@cirtusai/sdk/did");
console.log(typeof CirtusAIClient, typeof CirtusAIError, typeof verifyCredentialJwt);`,
    );
    const cjs = await run("node", ["cjs.cjs"], dir);
    assert.equal(cjs.stdout.trim(), "function function function", cjs.stderr);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("npm: the three tarballs install with no install script, type-check under tsc --strict and run on Node and Bun", async () => {
  const { packed: all } = await packed();
  const dir = await Deno.makeTempDir({ prefix: "cirtusai-npm-" });
  try {
    await freshProject(dir, [...all.map((p) => p.tarball), "typescript@5"]);
    assert.deepEqual(await installScripts(dir), []);
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
    for (const runtime of ["node", await bunPath()]) {
      const flow = await run(runtime, ["out/flow.mjs"], dir);
      assert.equal(flow.code, 0, `${runtime}: ${flow.stderr}`);
      const result = JSON.parse(flow.stdout.trim());
      assert.deepEqual(result, { ...EXPECTED, did: result.did }, runtime);
      assert.match(result.did, /^did:key:z6Mk/);
    }

    // require() on Node 20.19+: the proxy too (the CLI's package has top-level await: import only).
    await Deno.writeTextFile(
      `${dir}/proxy.cjs`,
      `const { createProxy, serve } = require("@cirtusai/proxy");
console.log(typeof createProxy, typeof serve);`,
    );
    const cjs = await run("node", ["proxy.cjs"], dir);
    assert.equal(cjs.stdout.trim(), "function function", cjs.stderr);

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
    const { url, stop } = await startEmulator(["node", "node_modules/.bin/cirtusai"], { cwd: dir });
    try {
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
      // /docs on Node: the page, and Swagger UI's files, carried in the package.
      await assertDocsServed(url);

      // Time limits on clients on Node too: a head sent a header at a time is answered 408 and
      // closed after the 10 s headers limit. It runs while the rest of the test goes on.
      const slow = slowClient(Number(new URL(url).port), {
        head: "GET /agents HTTP/1.1\r\nHost: x\r\n",
        drip: "X-Slow: 1\r\n",
        everyMs: 500,
      });

      // The hidden prompt on Node, at a real pseudo-terminal (script): raw mode and UTF-8.
      await assertHiddenPasswordRegisters(["node", "node_modules/.bin/cirtusai"], url, {
        username: "ptyuser",
        cwd: dir,
        env: { XDG_CONFIG_HOME: `${dir}/config`, PATH: Deno.env.get("PATH")! },
        clearEnv: false,
      });
      const { answer, ms } = await slow;
      assert.match(answer, /^HTTP\/1\.1 408 /);
      assert.ok(ms >= 9_500 && ms < 13_000, `cut off after ${ms} ms`);
    } finally {
      await stop();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("pack: takes nothing but the packages' modules from the tree, and refuses uncommitted changes", async () => {
  // A copy of the tree (the files git tracks or would), committed, with what a working tree
  // collects besides.
  const dir = await Deno.makeTempDir({ prefix: "cirtusai-packtree-" });
  try {
    const files = (await run("git", ["ls-files", "-z", "-co", "--exclude-standard"], ROOT)).stdout
      .split("\0").filter(Boolean);
    for (const file of files) {
      await Deno.mkdir(`${dir}/${file.split("/").slice(0, -1).join("/")}`, { recursive: true });
      await Deno.copyFile(`${ROOT}${file}`, `${dir}/${file}`).catch(() => {}); // removed, not staged
    }
    const git = (...args: string[]) =>
      run("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], dir);
    await git("init", "-q");
    await git("add", "-A");
    await git("commit", "-qm", "tree");
    const junk = ["credentials.json", "cirtusai.kv.bak", "docs/screen.png", "src/sdk/notes.ts"];
    for (const file of junk) await Deno.writeTextFile(`${dir}/${file}`, '{"token":"secret"}\n');

    const out = await Deno.makeTempDir({ prefix: "cirtusai-packtree-out-" });
    const packed = await run(Deno.execPath(), ["run", "-A", "scripts/pack.ts", "--out", out], dir);
    assert.equal(packed.code, 0, packed.stderr);
    for await (const tgz of Deno.readDir(out)) {
      const listing = (await run("tar", ["tzf", `${out}/${tgz.name}`], dir)).stdout;
      assert.doesNotMatch(listing, /credentials\.json|\.kv\.bak|\.png|notes\./, tgz.name);
    }
    await Deno.remove(out, { recursive: true });

    await Deno.writeTextFile(`${dir}/LICENSE`, "changed\n", { append: true });
    const dirty = await run(Deno.execPath(), ["run", "-A", "scripts/pack.ts", "--out", out], dir);
    assert.equal(dirty.code, 1);
    assert.equal(
      dirty.stderr.trim(),
      "error: the working tree has uncommitted changes (1 files): commit them first, or pass " +
        "--allow-dirty",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
