// The CLI as people meet it: at a real terminal (a pseudo-terminal from `script`, and tmux for the
// screen capture of the QR code) and in scripts, several processes at once, and in shells.
import assert from "node:assert/strict";
import jsQRModule from "jsqr";
import { CirtusAIClient, Totp } from "../mod.ts";
import { urlKey } from "../src/cli/credentials.ts";
import { createEmulator, serveEmulator } from "../src/emulator/mod.ts";
import {
  CLI,
  cliCommand,
  cliEnv,
  PASSWORD,
  quote,
  runInTerminal,
  runPiped,
} from "./cli_process.ts";

// jsqr is CommonJS: its default export arrives wrapped.
const jsQR =
  ((jsQRModule as unknown as { default?: typeof jsQRModule }).default ?? jsQRModule) as unknown as (
    data: Uint8ClampedArray,
    width: number,
    height: number,
    options?: { inversionAttempts: string },
  ) => { data: string } | null;
/** Runs the CLI with a pipe for stdout and stderr. */
function piped(args: string[], env: Record<string, string>, stdin = "") {
  return runPiped(cliCommand(args), { env, stdin });
}

/**
 * Runs the CLI in a pseudo-terminal (`script`), answering each prompt as it appears, like a
 * person typing. Returns everything the terminal showed.
 */
function terminal(
  args: string[],
  env: Record<string, string>,
  answers: [prompt: string, typed: string][] = [],
) {
  return runInTerminal(cliCommand(args), { env, answers });
}

async function setup() {
  const emulator = await serveEmulator({ port: 0, pbkdf2Iterations: 1_000 });
  const config = await Deno.makeTempDir();
  const env = cliEnv(config, emulator.url);
  return {
    emulator,
    config,
    env,
    file: `${config}/cirtusai/credentials.json`,
    cleanup: async () => {
      await emulator.close();
      await Deno.remove(config, { recursive: true });
    },
  };
}

async function registerAndLogin(env: Record<string, string>, username: string) {
  const reg = await piped(
    ["auth", "register", username, `${username}@example.com`, "--password-stdin", "--json"],
    env,
    `${PASSWORD}\n`,
  );
  assert.equal(reg.code, 0, reg.stderr);
  const setup = JSON.parse(reg.stdout);
  const login = await piped(
    ["login", username, "--password-stdin"],
    { ...env, CIRTUSAI_TOTP_SECRET: setup.secret },
    `${PASSWORD}\n`,
  );
  assert.equal(login.code, 0, login.stderr);
  return setup as { secret: string; qr_code_uri: string };
}

Deno.test("a non-ASCII password typed at the hidden prompt is the same password everywhere", async () => {
  const { emulator, env, cleanup } = await setup();
  try {
    const password = "pässwörd-123";
    const run = await terminal(["auth", "register", "uni", "uni@example.com"], env, [
      ["Choose a password: ", `${password}\r`],
      ["Type it again: ", `${password}\r`],
      ["Code from the app: ", "\r"], // finish later
    ]);
    assert.equal(run.code, 0, run.screen);
    assert.ok(!run.screen.includes(password), "the password is not echoed");
    const client = new CirtusAIClient(emulator.url);
    const login = await client.auth.login("uni", password);
    assert.equal(login.requires_2fa, true, "the SDK logs in with the same password");
    // And a backspace removes a whole character, not a byte.
    const typo = await terminal(["auth", "register", "uni2", "uni2@example.com"], env, [
      ["Choose a password: ", `${password}ü\u007f\r`],
      ["Type it again: ", `${password}\r`],
      ["Code from the app: ", "\r"],
    ]);
    assert.equal(typo.code, 0, typo.screen);
    assert.equal((await client.auth.login("uni2", password)).requires_2fa, true);
  } finally {
    await cleanup();
  }
});

Deno.test("lists are tables on a terminal, JSON in a pipe; colour only on a terminal without NO_COLOR", async () => {
  const { env, cleanup } = await setup();
  try {
    await registerAndLogin(env, "tab");
    const table = await terminal(["agents", "list"], env);
    assert.equal(table.code, 0, table.screen);
    assert.match(table.screen, /ID\s+NAME\s+DID/);
    assert.match(table.screen, /tab's agent\s+did:key:z6Mk/);
    assert.ok(table.screen.includes("\x1b[1m"), "the heading is bold");
    const plain = await terminal(["agents", "list"], { ...env, NO_COLOR: "1" });
    assert.ok(!plain.screen.includes("\x1b["), "NO_COLOR: no escape codes");
    const pipe = await piped(["agents", "list"], env);
    const agents = JSON.parse(pipe.stdout);
    assert.equal(agents.length, 1);
    assert.equal(pipe.stdout.trim().split("\n").length, 1, "compact JSON, one line");
    const code = await terminal(["totp", "code", "JBSWY3DPEHPK3PXP"], env);
    assert.match(code.screen, /^\d{6}\r?\n\(valid for \d+ s\)/m, "the seconds left, on a terminal");
  } finally {
    await cleanup();
  }
});

/** The QR code read back from a tmux screen capture, with the theme's default colours. */
function decodeCapture(capture: string, theme: "dark" | "light"): string | null {
  const defaults = theme === "dark" ? { fg: false, bg: true } : { fg: true, bg: false }; // true: dark
  const rows: boolean[][] = [];
  // tmux writes an attribute only where it changes, so it carries over from line to line.
  let fg: boolean | null = null;
  let bg: boolean | null = null;
  for (const line of capture.split("\n")) {
    const drawn = line.includes("▀") || line.includes("█") || line.includes("▄");
    const top: boolean[] = [];
    const bottom: boolean[] = [];
    // deno-lint-ignore no-control-regex
    const re = /\x1b\[([\d;]*)m|([\s\S])/g;
    for (const m of line.matchAll(re)) {
      if (m[1] !== undefined) {
        for (const code of (m[1] || "0").split(";").map(Number)) {
          if (code === 0) fg = bg = null;
          else if (code === 30 || code === 90) fg = true;
          else if (code === 37 || code === 97) fg = false;
          else if (code === 39) fg = null;
          else if (code === 40 || code === 100) bg = true;
          else if (code === 47 || code === 107) bg = false;
          else if (code === 49) bg = null;
        }
        continue;
      }
      const f = fg ?? defaults.fg;
      const b = bg ?? defaults.bg;
      const ch = m[2];
      if (ch === "▀") top.push(f), bottom.push(b);
      else if (ch === "▄") top.push(b), bottom.push(f);
      else if (ch === "█") top.push(f), bottom.push(f);
      else top.push(b), bottom.push(b);
    }
    if (drawn) rows.push(top, bottom);
  }
  if (!rows.length) return null;
  const scale = 6;
  const width = Math.max(...rows.map((r) => r.length)) * scale;
  const height = rows.length * scale;
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const dark = rows[Math.floor(y / scale)][Math.floor(x / scale)] ?? (theme === "dark");
      const i = (y * width + x) * 4;
      data[i] = data[i + 1] = data[i + 2] = dark ? 0 : 255;
      data[i + 3] = 255;
    }
  }
  // A strict reader: no second try with the colours inverted.
  return jsQR(data, width, height, { inversionAttempts: "dontInvert" })?.data ?? null;
}

Deno.test("the QR code in the terminal scans on dark and light themes (tmux screen capture)", async () => {
  const { env, cleanup } = await setup();
  const session = `cirtusai-qr-${crypto.randomUUID().slice(0, 8)}`;
  try {
    // Once through a pipe for the URI, once on tmux's screen for the drawing.
    const setupRun = await piped(
      ["auth", "register", "qrpipe", "qrpipe@example.com", "--json", "--password-stdin"],
      env,
      `${PASSWORD}\n`,
    );
    const uriOf = (name: string) => JSON.parse(setupRun.stdout).qr_code_uri.replace("qrpipe", name);
    // The program's environment exactly (env -i): nothing of the tmux server's, such as CI's
    // NO_COLOR, leaks in.
    const vars = Object.entries({ ...env, CIRTUSAI_PASSWORD: PASSWORD }).map(([k, v]) =>
      quote(`${k}=${v}`)
    );
    const program = [Deno.execPath(), "run", "--quiet", "-A", CLI, "auth", "register", "qr"]
      .concat("qr@example.com").map(quote);
    const start = new Deno.Command("tmux", {
      args: [
        "new-session",
        "-d",
        "-s",
        session,
        "-x",
        "160",
        "-y",
        "70",
        `env -i ${vars.join(" ")} ${program.join(" ")}; sleep 30`,
      ],
    });
    assert.equal((await start.output()).code, 0, "tmux started");
    let capture = "";
    for (let i = 0; i < 100 && !capture.includes("Backup codes"); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const out = await new Deno.Command("tmux", {
        args: ["capture-pane", "-p", "-e", "-J", "-t", session],
      }).output();
      capture = new TextDecoder().decode(out.stdout);
    }
    assert.match(capture, /Backup codes/, capture.slice(0, 500));
    const secret = capture.match(/secret by hand: ([A-Z2-7]+)/)![1];
    const expected = uriOf("qr").replace(/secret=[A-Z2-7]+/, `secret=${secret}`);
    assert.equal(decodeCapture(capture, "dark"), expected, "scans on a dark theme");
    assert.equal(decodeCapture(capture, "light"), expected, "scans on a light theme");
  } finally {
    await new Deno.Command("tmux", { args: ["kill-session", "-t", session] }).output();
    await cleanup();
  }
});

Deno.test("the credentials file: a broken one is refused and kept; --qr-png is owner-only", async () => {
  const { env, file, config, cleanup } = await setup();
  try {
    await registerAndLogin(env, "filer");
    const good = await Deno.readTextFile(file);
    for (
      const broken of ["{not json", '{"profiles": null}', "[]", '{"profiles": {"default": 3}}']
    ) {
      await Deno.writeTextFile(file, broken);
      const run = await piped(["login", "filer", "--password-stdin"], env, `${PASSWORD}\n`);
      assert.equal(run.code, 2, run.stderr);
      assert.ok(run.stderr.includes(file), `the error names the file: ${run.stderr}`);
      assert.match(run.stderr, /left as it is\. Fix it, or move it away/);
      assert.equal(await Deno.readTextFile(file), broken, "the file is left as it was");
    }
    await Deno.writeTextFile(file, good);
    const png = `${config}/qr.png`;
    const reg = await piped(
      ["auth", "register", "pic", "pic@example.com", "--password-stdin", "--qr-png", png],
      env,
      `${PASSWORD}\n`,
    );
    assert.equal(reg.code, 0, reg.stderr);
    assert.equal((await Deno.stat(png)).mode! & 0o777, 0o600);
    assert.equal((await Deno.stat(file)).mode! & 0o777, 0o600);
  } finally {
    await cleanup();
  }
});

Deno.test("three commands at once after the token expired refresh once, and all succeed", async () => {
  const emulator = createEmulator({ pbkdf2Iterations: 1_000 });
  let refreshes = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    if (new URL(req.url).pathname === "/auth/refresh") refreshes++;
    return emulator.app.fetch(req);
  });
  const config = await Deno.makeTempDir();
  const env = cliEnv(config, `http://127.0.0.1:${server.addr.port}`);
  try {
    await registerAndLogin(env, "racer");
    emulator.clock.advance(31 * 60_000); // the access token expires on the server
    const runs = await Promise.all([1, 2, 3].map(() => piped(["agents", "list"], env)));
    for (const run of runs) assert.equal(run.code, 0, run.stderr);
    assert.equal(refreshes, 1, "one refresh between the three processes");
    assert.equal((await piped(["agents", "list"], env)).code, 0, "the session lives on");
  } finally {
    await server.shutdown();
    await Deno.remove(config, { recursive: true });
  }
});

Deno.test("whoami after verify-2fa does not name the previous account; profiles keep their URL", async () => {
  const { emulator, env, cleanup } = await setup();
  try {
    await registerAndLogin(env, "first");
    const other = new CirtusAIClient(emulator.url);
    const setup2 = await other.auth.register({
      username: "second",
      email: "s@example.com",
      password: PASSWORD,
    });
    const login = await other.auth.login("second", PASSWORD);
    if (login.requires_2fa !== true) throw new Error("2FA expected");
    const code = await (await Totp.fromSecret(setup2.secret)).generate();
    const verified = await piped(["auth", "verify-2fa", login.temporary_token, code], env);
    assert.equal(verified.code, 0, verified.stderr);
    const who = JSON.parse((await piped(["whoami", "--json"], env)).stdout);
    assert.notEqual(who.username, "first");
    assert.equal(who.logged_in, true);

    // The code of this step was used by verify-2fa: the error says to wait for the next one.
    const { CIRTUSAI_API_URL: _, ...noUrl } = env;
    const again = await piped(
      ["login", "second", "--password-stdin", "--code", code],
      env,
      `${PASSWORD}\n`,
    );
    assert.equal(again.code, 1);
    assert.match(again.stderr, /hint: each code works once: wait for the next code, in \d+ s/);

    // A refresh the server refuses: log in again.
    const file = `${env.XDG_CONFIG_HOME}/cirtusai/credentials.json`;
    const saved = JSON.parse(await Deno.readTextFile(file));
    const entry = saved.profiles.default[urlKey(emulator.url)];
    entry.access_token = "expired.or.forged";
    entry.refresh_token = "spent";
    await Deno.writeTextFile(file, JSON.stringify(saved));
    const refused = await piped(["agents", "list"], env);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /hint: the session ended; log in again: cirtusai login/);

    // A profile remembers the URL it logged in to: no --api-url needed afterwards.
    const third = await other.auth.register({
      username: "third",
      email: "t@example.com",
      password: PASSWORD,
    });
    const retry = await piped(
      ["login", "third", "--profile", "work", "--password-stdin", "--api-url", emulator.url],
      { ...noUrl, CIRTUSAI_TOTP_SECRET: third.secret },
      `${PASSWORD}\n`,
    );
    assert.equal(retry.code, 0, retry.stderr);
    const remembered = JSON.parse(
      (await piped(["whoami", "--profile", "work", "--json"], noUrl)).stdout,
    );
    assert.equal(remembered.api_url, emulator.url);
    assert.equal(remembered.api_url_from, "profile");
    const status = JSON.parse(
      (await piped(["auth", "status", "--profile", "work", "--json"], noUrl)).stdout,
    );
    assert.equal(status.active.token_valid, true);
    assert.equal((await piped(["logout", "--profile", "work"], noUrl)).code, 0);
    const after = await piped(["auth", "status", "--profile", "work"], noUrl);
    assert.equal(after.code, 1);
    assert.equal(JSON.parse(after.stdout).active.logged_in, false);
  } finally {
    await cleanup();
  }
});

Deno.test("the emulator announces the CLI's default URL; tokens of 127.0.0.1 and localhost are one", async () => {
  const config = await Deno.makeTempDir();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", "-A", CLI, "emulator", "--port", "0", "--pbkdf2-iterations", "1000"],
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  while (!/listening on (\S+)/.test(seen)) seen += (await reader.read()).value ?? "";
  const announced = seen.match(/listening on (\S+)/)![1];
  try {
    assert.match(announced, /^http:\/\/localhost:\d+$/);
    const loopback = announced.replace("localhost", "127.0.0.1");
    assert.equal(urlKey(loopback), urlKey(announced));
    const env = cliEnv(config, loopback);
    await registerAndLogin(env, "urls");
    const viaAnnounced = await piped(["agents", "list", "--api-url", announced], env);
    assert.equal(viaAnnounced.code, 0, viaAnnounced.stderr);
    // A second emulator on the same port: the error names the port and the way out.
    const port = announced.split(":").at(-1)!;
    const clash = await piped(["emulator", "--port", port], env);
    assert.equal(clash.code, 2);
    assert.match(clash.stderr, new RegExp(`port ${port} is in use.*--port`));
  } finally {
    child.kill("SIGINT");
    await child.status;
    await reader.cancel();
    await Deno.remove(config, { recursive: true });
  }
});

Deno.test("completion scripts complete commands in bash; --version; --totp-secret warns in help", async () => {
  const config = await Deno.makeTempDir();
  try {
    const bin = `${config}/bin`;
    await Deno.mkdir(bin);
    await Deno.writeTextFile(
      `${bin}/cirtusai`,
      `#!/bin/sh\nexec ${quote(Deno.execPath())} run --quiet -A ${quote(CLI)} "$@"\n`,
      { mode: 0o755 },
    );
    const env = { ...cliEnv(config), PATH: `${bin}:${Deno.env.get("PATH")}` };
    const bash = await new Deno.Command("bash", {
      args: [
        "-c",
        'source <(cirtusai completion bash); COMP_WORDS=(cirtusai ag); COMP_CWORD=1; _cirtusai_complete; echo "${COMPREPLY[@]}"; ' +
        'COMP_WORDS=(cirtusai agents provision-w); COMP_CWORD=2; _cirtusai_complete; echo "${COMPREPLY[@]}"; ' +
        'COMP_WORDS=(cirtusai agents list --j); COMP_CWORD=3; _cirtusai_complete; echo "${COMPREPLY[@]}"',
      ],
      env,
      clearEnv: true,
    }).output();
    const lines = new TextDecoder().decode(bash.stdout).trim().split("\n");
    assert.deepEqual(lines, ["agents", "provision-wallet", "--json"]);
    for (const shell of ["zsh", "fish"]) {
      const script = await piped(["completion", shell], env);
      assert.equal(script.code, 0);
      assert.match(script.stdout, /cirtusai __complete/);
    }
    const unknown = await piped(["completion", "tcsh"], env);
    assert.equal(unknown.code, 2);
    // No server at the URL from the environment: the hint names the emulator.
    const down = await piped(["agents", "list", "--token", "t"], {
      ...env,
      CIRTUSAI_API_URL: "http://127.0.0.1:9",
    });
    assert.equal(down.code, 1);
    assert.match(down.stderr, /hint: is the emulator running\? start it with: cirtusai emulator/);
    const version = await piped(["--version"], env);
    assert.match(version.stdout, /^cirtusai \d+\.\d+\.\d+ \(Deno \d+\.\d+\.\d+\)$/m);
    const help = await piped(["login", "--help"], env);
    assert.match(help.stdout, /process\s+list/);
    assert.match(help.stdout, /CIRTUSAI_TOTP_SECRET/);
  } finally {
    await Deno.remove(config, { recursive: true });
  }
});
