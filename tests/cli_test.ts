// The CLI run as a subprocess against an emulator served by the test on a free loopback port.
import assert from "node:assert/strict";
import { Totp } from "../mod.ts";
import { urlKey } from "../src/cli/credentials.ts";
import { serveEmulator } from "../src/emulator/mod.ts";
import { type PipedRun as Run, runPiped } from "./cli_process.ts";

const CLI = new URL("../cli.ts", import.meta.url).pathname;

async function setup() {
  const emulator = await serveEmulator({ port: 0, pbkdf2Iterations: 1_000 });
  const config = await Deno.makeTempDir();
  // A clean environment, but Deno's own cache kept (it is found through HOME or DENO_DIR), so that
  // a first run on a fresh machine does not download the CLI's packages into each test.
  const denoCache = Object.fromEntries(
    ["HOME", "DENO_DIR"].flatMap((name) => {
      const value = Deno.env.get(name);
      return value === undefined ? [] : [[name, value]];
    }),
  );
  const env = {
    ...denoCache,
    XDG_CONFIG_HOME: config,
    CIRTUSAI_API_URL: emulator.url,
    NO_COLOR: "1",
  };
  const cli = (
    args: string[],
    options: { stdin?: string; env?: Record<string, string> } = {},
  ): Promise<Run> =>
    runPiped([Deno.execPath(), "run", "--quiet", "-A", CLI, ...args], {
      env: { ...env, ...options.env },
      stdin: options.stdin,
    });
  const json = async (
    args: string[],
    options?: { stdin?: string; env?: Record<string, string> },
  ) => {
    const run = await cli([...args, "--json"], options);
    assert.equal(run.code, 0, `cirtusai ${args.join(" ")}: ${run.stderr}`);
    return JSON.parse(run.stdout);
  };
  const cleanup = async () => {
    await emulator.close();
    await Deno.remove(config, { recursive: true });
  };
  return { emulator, config, cli, json, cleanup };
}

const PASSWORD = "correct horse battery";

Deno.test("a full session across separate invocations: register, login, agents, wallets, identity", async () => {
  const { cli, json, config, emulator, cleanup } = await setup();
  try {
    const registered = await json([
      "auth",
      "register",
      "ada",
      "ada@example.com",
      "--password-stdin",
    ], { stdin: `${PASSWORD}\n` });
    assert.match(registered.secret, /^[A-Z2-7]{32}$/);
    assert.equal(registered.backup_codes.length, 8);

    const login = await cli([
      "auth",
      "login",
      "ada",
      "--password-stdin",
      "--totp-secret",
      registered.secret,
    ], { stdin: `${PASSWORD}\n` });
    assert.equal(login.code, 0, login.stderr);
    assert.equal(login.stdout.trim(), `Logged in as ada at ${emulator.url} (profile default)`);

    const file = `${config}/cirtusai/credentials.json`;
    assert.equal((await Deno.stat(file)).mode! & 0o777, 0o600);
    const saved = JSON.parse(await Deno.readTextFile(file));
    const entry = saved.profiles.default[urlKey(emulator.url)];
    assert.equal(entry.username, "ada");
    assert.ok(entry.access_token && entry.refresh_token && entry.expires_at > Date.now());
    assert.ok(!JSON.stringify(saved).includes(PASSWORD), "the password is never stored");

    const whoami = await json(["auth", "whoami"]);
    assert.equal(whoami.username, "ada");
    assert.equal(whoami.logged_in, true);
    // A timestamp in JSON, not prose.
    assert.ok(Date.parse(whoami.access_token_expires_at) > Date.now());
    assert.equal(whoami.api_url_from, "environment");

    const [master] = await json(["agents", "list"]);
    const child = await json(["agents", "create-child", master.id, "Scout"]);
    assert.equal(child.parent_id, master.id);
    assert.deepEqual((await json(["agents", "get", child.did])).id, child.id);
    const permitted = await json([
      "agents",
      "update-permissions",
      child.id,
      '{"send_email": true}',
    ]);
    assert.deepEqual(permitted.permissions, { send_email: true });
    assert.equal((await json(["agents", "children"])).length, 1);

    const email = await json(["agents", "provision-email", "--agent-id", child.id]);
    assert.equal(email.type, "email");
    const wallet = await json(["agents", "provision-wallet", "--chain", "polygon"], {
      env: { CIRTUSAI_AGENT_ID: child.id },
    });
    assert.equal(wallet.details.chain, "polygon");
    assert.equal((await json(["wallets", "list-assets"])).assets.length, 2);

    const account = await json([
      "wallets",
      "create-email",
      "imap",
      "bot@example.com",
      '{"password": "s3cret"}',
    ]);
    assert.equal(account.config.password, "********");
    assert.equal((await json(["wallets", "list-email"])).length, 1);
    assert.equal(
      (await json(["wallets", "update-email", account.id, "gmail", "bot@gmail.com"])).provider,
      "gmail",
    );
    assert.equal((await json(["wallets", "get-email", account.id])).email_address, "bot@gmail.com");
    assert.equal((await json(["wallets", "refresh-email-token", account.id])).expires_in, 3600);
    const deleted = await cli(["wallets", "delete-email", account.id]);
    assert.equal(deleted.stdout.trim(), `Deleted e-mail account ${account.id}`);

    const did = await json(["identity", "get-did", child.id]);
    assert.equal(did.did, child.did);
    const { credential } = await json([
      "identity",
      "issue-credential",
      child.id,
      "AgentCapability, Courier",
      '{"can_pay": false}',
    ]);
    const server = await json(["identity", "verify-credential", credential]);
    assert.equal(server.verified, true);
    assert.deepEqual(server.payload.vc.type, [
      "VerifiableCredential",
      "AgentCapability",
      "Courier",
    ]);
    const offline = await json(["identity", "verify-credential", credential, "--offline"]);
    assert.deepEqual(offline, server);
    const forged = await cli([
      "identity",
      "verify-credential",
      credential.slice(0, -4) + "AAAA",
      "--offline",
      "--json",
    ]);
    assert.equal(forged.code, 1, "an unverified credential exits 1");
    assert.equal(JSON.parse(forged.stdout).verified, false);

    const unlinked = await cli(["agents", "unlink", child.id]);
    assert.equal(unlinked.stdout.trim(), `Unlinked agent Scout (${child.id}), with its 2 assets`);
    assert.deepEqual(await json(["agents", "children"]), []);

    const logout = await cli(["auth", "logout"]);
    assert.equal(logout.code, 0);
    const out = await cli(["auth", "whoami", "--json"]);
    assert.equal(out.code, 1, "not logged in: exit 1, as gh");
    assert.equal(JSON.parse(out.stdout).logged_in, false);
    const after = await cli(["agents", "list"]);
    assert.equal(after.code, 1);
    assert.equal(
      after.stderr.trim().split("\n")[0],
      "error: GET /agents failed with 401: Not authenticated",
    );
    assert.match(
      after.stderr,
      /^hint: not logged in for this API URL and profile; log in: cirtusai login/m,
    );
  } finally {
    await cleanup();
  }
});

Deno.test("prompts are answered through stdin; 2fa confirm, status, debug and disable", async () => {
  const { cli, json, config, cleanup } = await setup();
  try {
    const reg = await cli(["auth", "register", "bob", "bob@example.com"], {
      stdin: `${PASSWORD}\n`,
    });
    assert.equal(reg.code, 0, reg.stderr);
    const secret = /enter this secret by hand: ([A-Z2-7]+)/.exec(reg.stdout)![1];
    assert.match(reg.stdout, /Store them somewhere safe NOW/);
    assert.equal(reg.stdout.match(/^ {2}[A-Z0-9]{8}$/gm)?.length, 8);
    const totp = await Totp.fromSecret(secret);

    // Username, password and code all asked for, and answered on stdin.
    const code = await totp.generate();
    const login = await cli(["auth", "login"], { stdin: `bob\n${PASSWORD}\n${code}\n` });
    assert.equal(login.code, 0, login.stderr);
    assert.match(login.stdout, /Logged in as bob/);

    const confirmed = await cli([
      "auth",
      "2fa",
      "confirm",
      await totp.generate(Date.now() + 30_000),
    ]);
    assert.equal(confirmed.stdout.trim(), "2FA has been successfully enabled");
    assert.equal((await json(["auth", "2fa", "status"])).is_2fa_enabled, true);
    const debug = await json(["auth", "2fa", "debug"]);
    assert.equal(Object.keys(debug.valid_codes).length, 3);

    const pngPath = `${config}/qr.png`;
    const png = await cli(["auth", "2fa", "qr", "--out", pngPath]);
    assert.match(png.stdout, /Wrote the QR code \(\d+ bytes of PNG\)/);
    assert.deepEqual([...(await Deno.readFile(pngPath)).slice(0, 4)], [137, 80, 78, 71]);

    const wrong = await cli(["auth", "2fa", "disable", "--code", "000000", "--password-stdin"], {
      stdin: `${PASSWORD}\n`,
    });
    assert.equal(wrong.code, 1);
    assert.equal(
      wrong.stderr.trim(),
      "error: POST /auth/2fa/disable failed with 400: Invalid 2FA code",
    );
    const backup = /^ {2}([A-Z0-9]{8})$/m.exec(reg.stdout)![1];
    const disabled = await cli(["auth", "2fa", "disable", "--password-stdin"], {
      stdin: `${PASSWORD}\n${backup}\n`,
    });
    assert.equal(disabled.stdout.trim(), "2FA has been successfully disabled", disabled.stderr);
  } finally {
    await cleanup();
  }
});

Deno.test("tokens the SDK refreshes are written back to the credentials file", async () => {
  const { cli, json, config, emulator, cleanup } = await setup();
  try {
    const reg = await json(["auth", "register", "cy", "cy@example.com", "--password-stdin"], {
      stdin: `${PASSWORD}\n`,
    });
    await cli(["auth", "login", "cy", "--password-stdin", "--totp-secret", reg.secret], {
      stdin: `${PASSWORD}\n`,
    });
    const file = `${config}/cirtusai/credentials.json`;
    const before = JSON.parse(await Deno.readTextFile(file)).profiles.default[urlKey(emulator.url)];
    await fetch(`${emulator.url}/_emulator/clock/advance`, {
      method: "POST",
      body: '{"seconds": 1900}',
      headers: { "content-type": "application/json" },
    }).then((r) => r.body?.cancel());
    assert.equal((await json(["agents", "list"])).length, 1, "the 401 was refreshed away");
    const after = JSON.parse(await Deno.readTextFile(file)).profiles.default[urlKey(emulator.url)];
    assert.notEqual(after.access_token, before.access_token);
    assert.notEqual(after.refresh_token, before.refresh_token);
    assert.equal(after.username, "cy");
    assert.equal((await Deno.stat(file)).mode! & 0o777, 0o600);
    // The explicit refresh command rotates again.
    const refreshed = await cli(["auth", "refresh"]);
    assert.match(refreshed.stdout, /Tokens refreshed; the access token expires in 30 min/);
  } finally {
    await cleanup();
  }
});

Deno.test("--token, CIRTUSAI_TOKEN and --profile", async () => {
  const { cli, json, config, emulator, cleanup } = await setup();
  try {
    const reg = await json(["auth", "register", "dee", "dee@example.com", "--password-stdin"], {
      stdin: `${PASSWORD}\n`,
    });
    await cli([
      "auth",
      "login",
      "dee",
      "--password-stdin",
      "--totp-secret",
      reg.secret,
      "--profile",
      "work",
    ], { stdin: `${PASSWORD}\n` });
    assert.equal((await json(["agents", "list", "--profile", "work"])).length, 1);
    const other = await cli(["agents", "list"]);
    assert.equal(other.code, 1, "the default profile has no login");
    const file = `${config}/cirtusai/credentials.json`;
    const token =
      JSON.parse(await Deno.readTextFile(file)).profiles.work[urlKey(emulator.url)].access_token;
    assert.equal((await json(["agents", "list", "--token", token])).length, 1);
    assert.equal((await json(["agents", "list"], { env: { CIRTUSAI_TOKEN: token } })).length, 1);
    assert.equal(
      (await json(["agents", "list"], { env: { CIRTUSAI_ACCESS_TOKEN: token } })).length,
      1,
    );
  } finally {
    await cleanup();
  }
});

Deno.test("usage errors exit 2, API and network errors exit 1, one line, no stack unless --debug", async () => {
  const { cli, json, cleanup } = await setup();
  try {
    const typo = await cli(["agents", "lst"]);
    assert.equal(typo.code, 2);
    assert.match(typo.stderr, /unknown command 'lst'/);
    assert.match(typo.stderr, /Did you mean list\?/);
    const badJson = await cli(["agents", "update-permissions", "c1", "{oops"]);
    assert.equal(badJson.code, 2);
    assert.match(badJson.stderr, /^error: PERMISSIONS_JSON is not valid JSON/);
    const notObject = await cli(["identity", "issue-credential", "did:example:1", "T", "[1]"]);
    assert.equal(notObject.code, 2);
    assert.match(notObject.stderr, /CLAIM_JSON must be a JSON object/);
    const noAgent = await cli(["agents", "provision-email"]);
    assert.equal(noAgent.code, 2);
    assert.match(noAgent.stderr, /no child agent id/);
    const badChoice = await cli([
      "auth",
      "register",
      "x",
      "x@example.com",
      "--2fa-method",
      "email",
    ]);
    assert.equal(badChoice.code, 2);

    await json(["auth", "register", "eve", "eve@example.com", "--password-stdin"], {
      stdin: `${PASSWORD}\n`,
    });
    const wrong = await cli(["auth", "login", "eve", "--password-stdin", "--code", "123456"], {
      stdin: "wrong password\n",
    });
    assert.equal(wrong.code, 1);
    assert.equal(
      wrong.stderr,
      "error: POST /auth/login failed with 401: Incorrect username/email or password\n",
    );
    assert.ok(!wrong.stderr.includes("wrong password"));

    const unreachable = await cli([
      "agents",
      "list",
      "--api-url",
      "http://127.0.0.1:9",
      "--token",
      "t",
    ]);
    assert.equal(unreachable.code, 1);
    assert.match(unreachable.stderr, /^error: GET \/agents: connection failed/);
    assert.deepEqual(
      unreachable.stderr.trim().split("\n").slice(1),
      ["hint: is the emulator running? start it with: cirtusai emulator"],
      "one error line, then what to do",
    );
    const debug = await cli([
      "agents",
      "list",
      "--api-url",
      "http://127.0.0.1:9",
      "--token",
      "t",
      "--debug",
    ]);
    assert.match(debug.stderr, /at .*http\.ts/, "--debug shows the stack");

    const help = await cli(["agents", "--help"]);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /provision-wallet/);
  } finally {
    await cleanup();
  }
});

Deno.test("totp code and uri work offline", async () => {
  const { cli, cleanup } = await setup();
  try {
    const secret = "JBSWY3DPEHPK3PXP";
    const uri = await cli(["totp", "uri", secret, "ada@example.com"]);
    assert.equal(
      uri.stdout.trim(),
      "otpauth://totp/CirtusAI:ada%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=CirtusAI",
    );
    const totp = await Totp.fromSecret(secret);
    const before = await totp.generate();
    const fromUri = await cli(["totp", "code", uri.stdout.trim(), "--json"]);
    const { code, seconds_remaining } = JSON.parse(fromUri.stdout);
    assert.ok(code === before || code === await totp.generate());
    assert.ok(seconds_remaining >= 1 && seconds_remaining <= 30);
    // Piped, as oathtool: the code alone, nothing on stderr either.
    const plain = await cli(["totp", "code", secret]);
    assert.match(plain.stdout, /^\d{6}\n$/);
    assert.equal(plain.stderr, "");
    const bad = await cli(["totp", "code", "not base32!"]);
    assert.equal(bad.code, 2);
    assert.equal(bad.stderr.trim(), 'error: secret is not valid base32 (found "!" at position 11)');
  } finally {
    await cleanup();
  }
});

Deno.test("cirtusai emulator serves the API, logs one line per request, and exits cleanly on Ctrl-C", async () => {
  const dir = await Deno.makeTempDir();
  const child = new Deno.Command(Deno.execPath(), {
    // Piped: the request log only with --log (emulator_cli_test.ts: on at a terminal).
    args: [
      "run",
      "--quiet",
      "-A",
      CLI,
      "emulator",
      "--port",
      "0",
      "--db",
      `${dir}/data.kv`,
      "--log",
    ],
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  while (!/listening on (http:\/\/\S+)/.test(seen)) {
    const { value, done } = await lines.read();
    if (done) break;
    seen += value;
  }
  const url = /listening on (http:\/\/\S+)/.exec(seen)![1];
  assert.match(seen, /\(data in .*data\.kv\)/);
  const res = await fetch(`${url}/agents`);
  assert.equal(res.status, 401);
  await res.body?.cancel();
  while (!/GET \/agents 401/.test(seen)) seen += (await lines.read()).value ?? "";
  child.kill("SIGINT");
  const status = await child.status;
  assert.equal(status.code, 130, "Ctrl-C exits with 130");
  await lines.cancel();
  const stderr = await new Response(child.stderr).text();
  assert.ok(!/at .*\.ts:\d+/.test(stderr), `no stack trace on Ctrl-C: ${stderr}`);
  await Deno.remove(dir, { recursive: true });
});
