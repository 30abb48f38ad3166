// Issue 27 (the example web app) and 25 (its command line): the page in headless Chromium at
// 1280 and 390 px wide (tests/runtimes/web_app_views.mjs), and `deno task web` at a terminal.
// Screenshots go to tests/output/web_app_<width>-*.png.
import assert from "node:assert/strict";
import { requireChromium } from "./browser_request.ts";
import { serveEmulator } from "../src/emulator/mod.ts";
import { SUPPORTED_CHAINS } from "../src/sdk/chains.ts";
import { bundle } from "../scripts/build.ts";
import { webApp } from "../examples/web/serve.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const RUNTIMES = `${ROOT}tests/runtimes/`;
const SECRET = "03uEBpNelja81jmksLdgmV/8I70Fd7WuiOufhGCKC44="; // openssl rand -base64 32

interface Seen {
  text: string;
  inView: boolean;
}

interface Views {
  width: number;
  errors: string[];
  steps: {
    load: { status: string };
    wrongPassword: Seen;
    mismatch: Seen & { sent: string[] };
    setup: { qr: boolean; backup: number };
    wrongCode: Seen & { asksAgain: boolean; cleared: boolean };
    confirmAsked: boolean;
    enrolled: string;
    reload: { status: string; master: string; loginHidden: boolean };
    badJson: Seen & { sent: string[]; invalid: string | null };
    busy: { busy: string | null; disabled: boolean };
    child: { result: string; error: string; busyAfter: string | null; chains: string[] };
    logout: { status: string; values: string[]; secret: string; master: string; results: string[] };
    afterLogout: string;
  };
}

Deno.test("Chromium: the example web app at 1280 and 390 px: state on load and after a reload, errors in view, enrolment with a wrong code then a right one, busy buttons, a clean logout", async () => {
  await requireChromium();
  // The SDK for the driver (its Totp plays the authenticator app), bundled apart from dist/,
  // which other tests rebuild meanwhile.
  const dir = await Deno.makeTempDir({ prefix: "cirtusai-web-app-" });
  await bundle("mod.ts", `${dir}/cirtusai.js`);
  await Deno.mkdir(`${ROOT}tests/output`, { recursive: true });
  const emulator = await serveEmulator({ port: 0, pbkdf2Iterations: 1_000 });
  const web = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    webApp({ upstream: emulator.url, cookieSecret: SECRET }),
  );
  try {
    const runs = await Promise.all([1280, 390].map(async (width) => {
      const out = await new Deno.Command("node", {
        args: [
          `${RUNTIMES}web_app_views.mjs`,
          `http://127.0.0.1:${web.addr.port}/`,
          `${ROOT}tests/output/web_app_${width}`,
          String(width),
          `${dir}/cirtusai.js`,
        ],
        cwd: ROOT,
        stdout: "piped",
        stderr: "piped",
      }).output();
      const text = new TextDecoder().decode(out.stdout);
      assert.equal(out.code, 0, `${width} px: ${new TextDecoder().decode(out.stderr)}\n${text}`);
      return JSON.parse(text.trim().split("\n").at(-1)!) as Views;
    }));
    for (const { width, errors, steps } of runs) {
      const at = `${width} px`;
      assert.deepEqual(errors, [], at);
      assert.equal(steps.load.status, "Not logged in.", at);
      assert.match(steps.wrongPassword.text, /Incorrect username\/email or password/, at);
      assert.ok(steps.wrongPassword.inView, `${at}: the login error is in view`);
      assert.equal(steps.mismatch.text, "The two passwords differ.", at);
      assert.ok(steps.mismatch.inView, `${at}: the registration error is in view`);
      assert.deepEqual(steps.mismatch.sent, [], `${at}: nothing was sent`);
      assert.deepEqual(steps.setup, { qr: true, backup: 8 }, at);
      assert.match(steps.wrongCode.text, /Invalid 2FA code\. Enter the code again\./, at);
      assert.ok(steps.wrongCode.inView, `${at}: the code error is in view`);
      assert.ok(steps.wrongCode.asksAgain && steps.wrongCode.cleared, `${at}: asked again`);
      assert.match(steps.enrolled, /^Registered and logged in; two-factor sign-in is on\.$/, at);
      assert.equal(steps.reload.status, "Logged in.", `${at}: the reload kept the session`);
      assert.match(steps.reload.master, /'s agent$/, at);
      assert.ok(steps.reload.loginHidden, at);
      assert.match(steps.badJson.text, /^Permissions must be JSON/, at);
      assert.ok(steps.badJson.inView, `${at}: the permissions error is in view`);
      assert.deepEqual(steps.badJson.sent, [], `${at}: no child was created`);
      assert.equal(steps.badJson.invalid, "true", `${at}: the field is marked`);
      assert.deepEqual(steps.busy, { busy: "true", disabled: true }, `${at}: busy while waiting`);
      assert.match(steps.child.result, /^Child "scout" .* may: \{"send_email":true\}$/, at);
      assert.equal(steps.child.error, "", at);
      assert.equal(steps.child.busyAfter, null, at);
      assert.deepEqual(steps.child.chains, [...SUPPORTED_CHAINS], `${at}: the contract's chains`);
      assert.deepEqual(steps.logout, {
        status: "Logged out.",
        values: [],
        secret: "",
        master: "",
        results: [],
      }, `${at}: nothing left after logout`);
      assert.equal(steps.afterLogout, "Not logged in.", at);
    }
    for (const width of [1280, 390]) {
      const shot = await Deno.stat(`${ROOT}tests/output/web_app_${width}-logged-in.png`);
      assert.ok(shot.size > 10_000, "a screenshot was taken");
    }
  } finally {
    await web.shutdown();
    await emulator.close();
    await Deno.remove(dir, { recursive: true });
  }
});

/** `deno task web ARGS` as a person runs it: exit code and output. */
async function web(args: string[], env: Record<string, string> = {}) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}examples/web/serve.ts`, ...args],
    env: { CIRTUSAI_COOKIE_SECRET: SECRET, ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}

Deno.test("deno task web: --help prints usage; a busy port, a bad flag or a bad secret is one clear line and an exit code", async () => {
  const help = await web(["--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^usage: deno task web \[options\]/);
  assert.match(help.stdout, /--port N/);
  const busy = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (busy.addr as Deno.NetAddr).port;
  let taken;
  try {
    taken = await web(["--port", String(port)]);
    assert.equal(taken.code, 1);
    assert.equal(
      taken.stderr,
      `deno task web: port ${port} is in use; try another: deno task web --port ${port + 1}\n`,
    );
  } finally {
    busy.close();
  }
  const flag = await web(["--prot", "80"]);
  assert.equal(flag.code, 2);
  assert.equal(flag.stderr.trim().split("\n").length, 1);
  assert.match(flag.stderr, /Unknown option '--prot'.*--help/);
  const weak = await web(["--port", "0"], { CIRTUSAI_COOKIE_SECRET: "x".repeat(44) });
  assert.equal(weak.code, 2);
  assert.match(weak.stderr, /^deno task web: CIRTUSAI_COOKIE_SECRET is patterned.*openssl rand/);
  assert.ok(!weak.stderr.includes("x".repeat(44)), "the secret is not repeated");
  for (const out of [taken, flag, weak]) assert.doesNotMatch(out.stderr, /\n\s+at /, "no stack");
});
