// Issue 27: the emulator's UI shows how far its clock is ahead of real time, warns that
// authenticator apps follow real time, and goes back to it; headless Chromium at 1280 and 390 px.
import assert from "node:assert/strict";
import { CirtusAIClient, Totp } from "../mod.ts";
import { createEmulator } from "../src/emulator/mod.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const RUNTIMES = `${ROOT}tests/runtimes/`;
const CHROMIUM = Deno.env.get("CHROMIUM_PATH") ?? "/usr/bin/chromium";

async function node(script: string, args: string[]): Promise<Record<string, unknown>> {
  for (
    const [path, install] of [[CHROMIUM, "apt-get install -y chromium"], [
      `${RUNTIMES}node_modules/playwright-core/package.json`,
      "npm ci --prefix tests/runtimes",
    ]]
  ) {
    await Deno.stat(path).catch(() => {
      throw new Error(`${path} is missing. Install it with: ${install}`);
    });
  }
  const out = await new Deno.Command("node", {
    args: [`${RUNTIMES}${script}`, ...args],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(out.stdout);
  assert.equal(out.code, 0, `node ${script} failed:\n${new TextDecoder().decode(out.stderr)}`);
  return JSON.parse(stdout.trim().split("\n").at(-1)!);
}

interface View {
  code: string;
  codeVisible: boolean;
  offset: string;
  warning: string | null;
  warningInView: boolean;
  backButton: boolean;
  backButtonInView: boolean;
  overflow: number;
  secretShown: boolean;
}

/** The codes an authenticator shows around `time` (±1 step). */
async function codesAround(totp: Totp, time: number): Promise<string[]> {
  return await Promise.all([-1, 0, 1].map((k) => totp.generate(time + k * 30_000)));
}

for (const [width, height] of [[1280, 900], [390, 844]]) {
  Deno.test(`Chromium at ${width} px: the UI's clock offset, its warning, and the way back to real time`, async () => {
    const emulator = createEmulator({ pbkdf2Iterations: 1_000 });
    const server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen: () => {} },
      (req, info) => emulator.app.fetch(req, info),
    );
    const base = `http://127.0.0.1:${server.addr.port}`;
    try {
      const ada = new CirtusAIClient(base);
      const setup = await ada.auth.register({
        username: "ada",
        email: "ada@example.com",
        password: "pw",
      });
      await ada.auth.loginWith2fa("ada", "pw", { totpSecret: setup.secret });
      const [master] = await ada.agents.listAgents();
      const scout = await ada.agents.createChildAgent(master.id, "scout");
      await ada.agents.updateChildPermissions(scout.id, { send_email: true });
      await ada.agents.provisionWallet(scout.id, "base");
      await ada.identity.issueCredential({
        subject_id: scout.id,
        types: ["AgentCapability"],
        claim: {},
      });
      // A secret held in an array, masked in the UI too (issue 30).
      await ada.wallets.createEmailAccount({
        provider: "imap",
        email_address: "ada@mail.example",
        config: { host: "mail.example", password: ["hunter2"] },
      });
      const sam = new CirtusAIClient(base);
      await sam.auth.register({
        username: "sam",
        email: "sam@example.com",
        password: "pw",
        preferred_2fa_method: "sms",
      });
      await sam.auth.login("sam", "pw"); // sends an SMS code
      await Deno.mkdir(`${ROOT}tests/output`, { recursive: true });
      const shot = (state: string) => `${ROOT}tests/output/emulator_ui_${state}_${width}.png`;
      const result = await node("emulator_ui_clock.mjs", [
        `${base}/_emulator/ui`,
        "ada",
        String(width),
        String(height),
        shot("ahead"),
        shot("back"),
      ]) as { before: View; ahead: View; back: View; errors: string[] };
      assert.deepEqual(result.errors, []);
      const totp = await Totp.fromSecret(setup.secret);
      const { before, ahead, back } = result;

      assert.equal(before.offset, "(real time)");
      assert.equal(before.warning, null);
      assert.equal(before.backButton, false);
      assert.ok((await codesAround(totp, Date.now())).includes(before.code), "a real-time code");

      assert.equal(ahead.offset, "(1 h ahead of real time)");
      assert.match(ahead.warning!, /Authenticator apps follow real time/);
      assert.ok(ahead.warningInView, "the warning is in view without scrolling");
      assert.ok(ahead.backButtonInView, "the way back is in view without scrolling");
      assert.ok(
        (await codesAround(totp, Date.now() + 3600_000)).includes(ahead.code),
        "an hour ahead, the page shows the emulator's code",
      );

      assert.equal(back.offset, "(real time)");
      assert.equal(back.warning, null);
      assert.equal(back.backButton, false);
      assert.equal(emulator.clock.offset, 0);
      assert.ok(
        (await codesAround(totp, Date.now())).includes(back.code),
        "a real-time code again",
      );
      for (const v of [before, ahead, back]) {
        assert.equal(v.secretShown, false, "no secret of an e-mail account's config is shown");
        assert.ok(v.overflow <= 0, `no sideways scrolling (${v.overflow} px too wide)`);
        assert.ok(v.codeVisible, "the code is on screen");
      }
      // What a real authenticator computes works again (emulator_clock_test.ts: after logins
      // an hour ahead too).
      const later = new CirtusAIClient(base);
      await later.auth.loginWith2fa("ada", "pw", { totpSecret: setup.secret });
      assert.equal((await later.agents.listAgents()).length, 1);
      for (const state of ["ahead", "back"]) {
        assert.ok((await Deno.stat(shot(state))).size > 10_000, "a screenshot was taken");
      }
    } finally {
      await server.shutdown();
    }
  });
}
