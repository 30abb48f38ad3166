// Enrolment and the prompts, as a person meets them at a terminal (a pseudo-terminal from
// `script`): register asks the password twice and finishes with a code from the app, a wrong code
// is asked again, codes echo and passwords never do; and the files it writes.
import assert from "node:assert/strict";
import { Totp } from "../mod.ts";
import { cliCommand, cliEnv, cliSession, PASSWORD, plain, runInTerminal } from "./cli_process.ts";

/** The TOTP secret the screen shows. */
function secretOn(screen: string): string {
  const match = screen.match(/secret by hand: ([A-Z2-7]+)/);
  if (!match) throw new Error(`no secret on the screen:\n${screen}`);
  return match[1];
}

async function codeFor(screen: string, offsetMs = 0): Promise<string> {
  return await (await Totp.fromSecret(secretOn(screen))).generate(Date.now() + offsetMs);
}

Deno.test("register at a terminal: the password twice, the QR code, a wrong code, then a right one; 2FA is on", async () => {
  const { piped, terminal, cleanup } = await cliSession();
  try {
    const run = await terminal(["auth", "register", "ada", "ada@example.com"], {
      answers: [
        ["Choose a password: ", "first try\r"],
        ["Type it again: ", "something else\r"],
        ["Choose a password: ", `${PASSWORD}\r`],
        ["Type it again: ", `${PASSWORD}\r`],
        ["Code from the app: ", "000000\r"],
        [
          /That code is not right[^\n]*\n[^]*Code from the app: /,
          async (s) => `${await codeFor(s)}\r`,
        ],
        // Only where logging in did not enable 2FA: the next code confirms it.
        ["Next code from the app: ", async (s) => `${await codeFor(s, 30_000)}\r`],
      ],
    });
    assert.equal(run.code, 0, run.screen);
    assert.match(run.screen, /The two passwords do not match; once more\./);
    assert.ok(!run.screen.includes(PASSWORD) && !run.screen.includes("first try"));
    assert.match(run.screen, /Backup codes \(each works once\)/);
    assert.ok(
      run.screen.indexOf("Backup codes") < run.screen.indexOf("Code from the app"),
      "the secret and backup codes are shown before anything else can fail",
    );
    assert.match(run.screen, /Code from the app: 000000/, "the code echoes as it is typed");
    assert.match(run.screen, /4 tries left/);
    assert.match(run.screen, /Logged in as ada at /);
    assert.match(run.screen, /Two-factor authentication is on\./);
    // Logged in, with 2FA on: the enrolment is finished.
    const status = await piped(["auth", "2fa", "status"]);
    assert.equal(status.code, 0, status.stderr);
    assert.equal(JSON.parse(status.stdout).is_2fa_enabled, true);
    const who = JSON.parse((await piped(["whoami", "--json"])).stdout);
    assert.equal(who.username, "ada");
    // The account logs in with the second password (and a backup code: this step's TOTP code
    // is spent).
    const backup = run.screen.match(/^ {2}([A-Z0-9]{8})\r?$/m)![1];
    const again = await piped(["login", "ada", "--password-stdin", "--code", backup], {
      stdin: `${PASSWORD}\n`,
    });
    assert.equal(again.code, 0, again.stderr);
  } finally {
    await cleanup();
  }
});

Deno.test("register on a backend where logging in does not enable 2FA: the next code confirms it", async () => {
  const { createEmulator } = await import("../src/emulator/mod.ts");
  const emulator = createEmulator({ pbkdf2Iterations: 1_000 });
  let confirmed = false;
  const confirms: string[] = [];
  // The emulator, but 2FA stays pending until confirmed, whatever logging in does.
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const { pathname } = new URL(req.url);
    if (pathname === "/auth/2fa/confirm") {
      confirms.push((await req.clone().json()).totp_code);
      const res = await emulator.app.fetch(req);
      confirmed ||= res.ok;
      return res;
    }
    const res = await emulator.app.fetch(req);
    if (pathname !== "/auth/2fa/status" || confirmed) return res;
    const body = await res.json();
    return Response.json({ ...body, is_2fa_enabled: false, enabled: false });
  });
  const config = await Deno.makeTempDir();
  try {
    let first = "";
    const run = await runInTerminal(cliCommand(["auth", "register", "gus", "gus@example.com"]), {
      env: {
        ...cliEnv(config, `http://127.0.0.1:${server.addr.port}`),
        CIRTUSAI_PASSWORD: PASSWORD,
      },
      answers: [
        ["Code from the app: ", async (s) => `${(first = await codeFor(s))}\r`],
        ["Next code from the app: ", () => `${first}\r`], // the same code again: used already
        [/used already[^]*Next code from the app: /, async (s) => `${await codeFor(s, 30_000)}\r`],
      ],
    });
    assert.equal(run.code, 0, run.screen);
    assert.match(run.screen, /Logged in as gus/);
    assert.match(
      run.screen,
      /One more code confirms 2FA\. Each code works once: wait for the next one, in \d+ s\./,
    );
    assert.match(
      plain(run.screen),
      /That code was used already: each code works once\. Wait for the next\s+code, in \d+ s/,
    );
    assert.match(run.screen, /Two-factor authentication is on\./);
    assert.equal(confirms.length, 2);
    assert.equal(confirmed, true);
  } finally {
    await server.shutdown();
    await Deno.remove(config, { recursive: true });
  }
});

Deno.test("login at a terminal: a wrong code is asked again, the password only once; codes echo", async () => {
  const { piped, terminal, cleanup } = await cliSession();
  try {
    const reg = await piped(
      ["auth", "register", "bo", "bo@example.com", "--password-stdin", "--json"],
      { stdin: `${PASSWORD}\n` },
    );
    const { secret } = JSON.parse(reg.stdout);
    const totp = await Totp.fromSecret(secret);
    let right = "";
    const run = await terminal(["login", "bo"], {
      answers: [
        ["Password: ", `${PASSWORD}\r`],
        ["Code from your authenticator app: ", "123456\r"],
        ["Code from your authenticator app: ", async () => `${(right = await totp.generate())}\r`],
      ],
    });
    assert.equal(run.code, 0, run.screen);
    assert.equal(run.screen.split("Password: ").length, 2, "the password is asked once");
    assert.match(run.screen, /That code is not right \(Invalid 2FA code\)/);
    assert.ok(run.screen.includes(`Code from your authenticator app: ${right}`), "echoed");
    assert.match(run.screen, /Logged in as bo at /);
  } finally {
    await cleanup();
  }
});

Deno.test("the hidden prompt turns echo off before it shows: a password typed at once is not echoed", async () => {
  const config = await Deno.makeTempDir();
  try {
    // No server: the password is asked before anything is sent.
    const args = ["login", "someone", "--api-url", "http://127.0.0.1:9"];
    for (let i = 0; i < 3; i++) {
      const { screen } = await runInTerminal(cliCommand(args), {
        env: cliEnv(config),
        answers: [["Password: ", "pw-typed-at-once\r"]],
        typeDelayMs: 0,
      });
      assert.match(screen, /Password: /);
      assert.ok(!screen.includes("pw-typed-at-once"), `echoed:\n${screen}`);
    }
  } finally {
    await Deno.remove(config, { recursive: true });
  }
});

Deno.test("--qr-png that cannot be written: the account's secret and backup codes are shown, and a warning", async () => {
  const { piped, cleanup } = await cliSession();
  try {
    const human = await piped(
      [
        "auth",
        "register",
        "cy",
        "cy@example.com",
        "--password-stdin",
        "--qr-png",
        "/nonexistent/qr.png",
      ],
      { stdin: `${PASSWORD}\n` },
    );
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /enter this secret by hand: [A-Z2-7]{32}/);
    assert.equal(human.stdout.match(/^ {2}[A-Z0-9]{8}$/gm)?.length, 8);
    assert.match(human.stderr, /^warning: could not write the QR code to \/nonexistent\/qr\.png/m);
    const json = await piped(
      [
        "auth",
        "register",
        "cy2",
        "cy2@example.com",
        "--password-stdin",
        "--json",
        "--qr-png",
        "/nonexistent/qr.png",
      ],
      { stdin: `${PASSWORD}\n` },
    );
    assert.equal(json.code, 0, json.stderr);
    assert.equal(JSON.parse(json.stdout).backup_codes.length, 8);
  } finally {
    await cleanup();
  }
});

Deno.test("--qr-png and 2fa qr --out replace a planted symlink, never write or chmod its target", async () => {
  const { piped, config, cleanup } = await cliSession();
  try {
    const victim = `${config}/victim.txt`;
    await Deno.writeTextFile(victim, "precious");
    await Deno.chmod(victim, 0o644);
    const check = async (link: string) => {
      assert.equal(await Deno.readTextFile(victim), "precious", "the target is untouched");
      assert.equal((await Deno.stat(victim)).mode! & 0o777, 0o644, "and keeps its mode");
      const info = await Deno.lstat(link);
      assert.ok(info.isFile && !info.isSymlink, "the link was replaced by a file");
      assert.equal(info.mode! & 0o777, 0o600);
      assert.deepEqual([...(await Deno.readFile(link)).slice(0, 4)], [137, 80, 78, 71]);
    };
    await Deno.symlink(victim, `${config}/qr.png`);
    const reg = await piped(
      [
        "auth",
        "register",
        "dee",
        "dee@example.com",
        "--password-stdin",
        "--json",
        "--qr-png",
        `${config}/qr.png`,
      ],
      { stdin: `${PASSWORD}\n` },
    );
    assert.equal(reg.code, 0, reg.stderr);
    await check(`${config}/qr.png`);
    const login = await piped(["login", "dee", "--password-stdin"], {
      stdin: `${PASSWORD}\n`,
      env: { CIRTUSAI_TOTP_SECRET: JSON.parse(reg.stdout).secret },
    });
    assert.equal(login.code, 0, login.stderr);
    await Deno.symlink(victim, `${config}/out.png`);
    const out = await piped(["auth", "2fa", "qr", "--out", `${config}/out.png`]);
    assert.equal(out.code, 0, out.stderr);
    await check(`${config}/out.png`);
  } finally {
    await cleanup();
  }
});

Deno.test("confirm with the code that just logged in: the wait-for-the-next-code hint, as login has", async () => {
  const { piped, cleanup } = await cliSession();
  try {
    const reg = await piped(
      ["auth", "register", "ed", "ed@example.com", "--password-stdin", "--json"],
      { stdin: `${PASSWORD}\n` },
    );
    const totp = await Totp.fromSecret(JSON.parse(reg.stdout).secret);
    const code = await totp.generate();
    const login = await piped(["login", "ed", "--password-stdin", "--code", code], {
      stdin: `${PASSWORD}\n`,
    });
    assert.equal(login.code, 0, login.stderr);
    const confirm = await piped(["auth", "2fa", "confirm", code]);
    assert.equal(confirm.code, 1);
    assert.match(confirm.stderr, /This 2FA code has already been used/);
    assert.match(confirm.stderr, /^hint: each code works once: wait for the next code, in \d+ s$/m);
  } finally {
    await cleanup();
  }
});

Deno.test("2fa status and debug: a summary at a terminal (pending until confirmed), JSON in a pipe", async () => {
  const pending = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    () =>
      Response.json({
        is_2fa_enabled: false,
        preferred_2fa_method: "totp",
        is_sms_enabled: false,
        enabled: false,
        method: "totp",
        backup_codes_remaining: 8,
      }),
  );
  const { piped, terminal, registerAndLogin, cleanup } = await cliSession();
  try {
    const url = `http://127.0.0.1:${pending.addr.port}`;
    const args = ["auth", "2fa", "status", "--token", "t", "--api-url", url];
    const shown = await terminal(args);
    assert.equal(shown.code, 0, shown.screen);
    shown.screen = plain(shown.screen);
    assert.match(shown.screen, /Two-factor authentication: +pending \(confirm with a code/);
    assert.match(shown.screen, /Backup codes left: +8/);
    assert.doesNotMatch(shown.screen, /is_2fa_enabled|"method"/, "one spelling, no JSON");
    const json = JSON.parse((await piped(args)).stdout);
    assert.equal(json.is_2fa_enabled, false, "a pipe gets the JSON, as before");

    await registerAndLogin("fay");
    const debug = await terminal(["auth", "2fa", "debug"]);
    assert.equal(debug.code, 0, debug.screen);
    debug.screen = plain(debug.screen);
    assert.match(debug.screen, /Account: +fay@example\.com/);
    assert.match(debug.screen, /Server time: +\S+ \(in step with this machine\)/);
    assert.match(
      debug.screen,
      /Codes valid now: +\d{6} \(previous\), \d{6} \(now\), \d{6} \(next\)/,
    );
    assert.doesNotMatch(debug.screen, /server_time|valid_codes/);
    assert.equal(
      Object.keys(JSON.parse((await piped(["auth", "2fa", "debug"])).stdout).valid_codes).length,
      3,
    );
  } finally {
    await pending.shutdown();
    await cleanup();
  }
});
