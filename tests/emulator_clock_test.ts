// Issues 30 and 27: the emulator's clock is part of its stored state (a restart on the same Deno
// KV file keeps its offset), and going back to real time makes real authenticators work again
// at once, on both stores.
import assert from "node:assert/strict";
import { AuthenticationError, CirtusAIClient, RateLimitError, Totp } from "../mod.ts";
import { KvStore, type Store } from "../src/emulator/mod.ts";
import { serveEmulator } from "../src/emulator/serve.ts";
import { clientFor, raw, testEmulator } from "./helpers.ts";

type Obj = Record<string, unknown>;

async function post(url: string, path: string, json: unknown): Promise<Obj> {
  const res = await fetch(`${url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(json),
  });
  assert.equal(res.status, 200, `${path}: ${res.status}`);
  return await res.json();
}

Deno.test("[kv] a restart on the same file keeps the clock: tokens expire, codes work", async () => {
  const dir = await Deno.makeTempDir();
  const db = `${dir}/emulator.kv`;
  try {
    let served = await serveEmulator({ port: 0, db, pbkdf2Iterations: 1_000, quiet: true });
    const ada = new CirtusAIClient(served.url, { maxRetries: 0 });
    const setup = await ada.auth.register({
      username: "ada",
      email: "ada@example.com",
      password: "pw",
    });
    const totp = await Totp.fromSecret(setup.secret);
    const at = (s: typeof served) => totp.generate(s.emulator.clock.now());
    await ada.auth.loginWith2fa("ada", "pw", await at(served));
    await post(served.url, "/_emulator/clock/advance", { seconds: 3600 });
    // Logged in an hour ahead: this access token expires 30 minutes later, emulator time.
    await ada.auth.loginWith2fa("ada", "pw", await at(served));
    const token = ada.token!;
    await served.close();

    served = await serveEmulator({ port: 0, db, pbkdf2Iterations: 1_000, quiet: true });
    const clock = await (await fetch(`${served.url}/_emulator/clock`)).json();
    const ahead = served.emulator.clock.now() - Date.now();
    assert.ok(Math.abs(ahead - 3600_000) < 1000, `${ahead} ms ahead of real time`);
    assert.equal(clock.offset_seconds, 3600);
    // The next code is accepted (not "already used": the clock did not fall back an hour).
    const again = new CirtusAIClient(served.url, { maxRetries: 0 });
    served.emulator.clock.advance(30_000);
    await again.auth.loginWith2fa("ada", "pw", await at(served));
    // And the token issued ahead expires on the emulator's clock, not hours later.
    const old = new CirtusAIClient(served.url, { maxRetries: 0, token });
    assert.equal((await old.agents.listAgents()).length, 1);
    await post(served.url, "/_emulator/clock/advance", { seconds: 31 * 60 });
    await assert.rejects(
      () => old.agents.listAgents(),
      (err: unknown) => err instanceof AuthenticationError && err.detail === "Token has expired",
    );
    await served.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

for (
  const [name, open] of [
    ["memory", () => Promise.resolve(undefined)],
    ["kv", () => KvStore.open(":memory:")],
  ] as [string, () => Promise<Store | undefined>][]
) {
  Deno.test(`[${name}] back to real time: real authenticators work again at once`, async () => {
    const store = await open();
    const emulator = testEmulator({ store });
    const ada = clientFor(emulator);
    const setup = await ada.auth.register({
      username: "ada",
      email: "ada@example.com",
      password: "pw",
    });
    // One click on "Advance" an hour: a login there uses the code an hour ahead...
    await raw(emulator, "POST", "/_emulator/clock/advance", { json: { seconds: 3600 } });
    const totp = await Totp.fromSecret(setup.secret);
    await ada.auth.loginWith2fa("ada", "pw", await totp.generate(emulator.clock.now()));
    const ahead = ada.token!;
    // ...and a real authenticator's code is refused, as the UI warns.
    await assert.rejects(
      () => clientFor(emulator).auth.loginWith2fa("ada", "pw", { totpSecret: setup.secret }),
      AuthenticationError,
    );
    // Failed logins an hour ahead lock the account for 15 minutes of that time.
    for (let i = 0; i < 5; i++) {
      await clientFor(emulator).auth.login("ada", "wrong").catch(() => {});
    }
    await assert.rejects(() => clientFor(emulator).auth.login("ada", "pw"), RateLimitError);

    const back = await raw(emulator, "POST", "/_emulator/clock/reset", { json: {} });
    assert.equal(back.status, 200);
    assert.equal((back.body as Obj).offset_seconds, 0);
    assert.equal(emulator.clock.offset, 0);
    // What a real authenticator shows now logs in (its step is below the one used ahead), and
    // the lock taken ahead of real time is gone.
    const real = clientFor(emulator);
    await real.auth.loginWith2fa("ada", "pw", { totpSecret: setup.secret });
    assert.equal((await real.agents.listAgents()).length, 1);
    // A token issued ahead of the clock is refused, with why; its refresh token still works.
    const stale = clientFor(emulator, { token: ahead });
    await assert.rejects(
      () => stale.agents.listAgents(),
      (err: unknown) =>
        err instanceof AuthenticationError &&
        /issued ahead of the emulator's clock/.test(err.detail as string),
    );
    const refreshed = clientFor(emulator, { token: ahead, refreshToken: ada.refreshToken! });
    assert.equal((await refreshed.agents.listAgents()).length, 1);
    // A code is still accepted once only.
    const next = await totp.generate(Date.now() + 30_000);
    await clientFor(emulator).auth.loginWith2fa("ada", "pw", next);
    await assert.rejects(
      () => clientFor(emulator).auth.loginWith2fa("ada", "pw", next),
      (err: unknown) =>
        err instanceof AuthenticationError && err.detail === "This 2FA code has already been used",
    );
    store?.close();
  });
}

Deno.test("the clock's way back is a dev route; its offset is bounded", async () => {
  const emulator = testEmulator();
  const far = await raw(emulator, "POST", "/_emulator/clock/advance", {
    json: { seconds: 1e12 },
  });
  assert.equal(far.status, 422);
  assert.equal(((await raw(emulator, "GET", "/_emulator/clock")).body as Obj).offset_seconds, 0);
  const off = testEmulator({ devRoutes: false });
  assert.equal((await raw(off, "POST", "/_emulator/clock/reset", { json: {} })).status, 404);
});
