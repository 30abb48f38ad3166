// Issue 26: an account name with ":" is refused, consistently, wherever one is made. The Key Uri
// Format forbids a colon in the account name, and encoding it does not help: `%3A` is the issuer
// separator as well, so `a%3Ab@example.com` would read as issuer "a". The TOTP account name is the
// e-mail address, so registration refuses such an address (the emulator and the SDK before it
// sends), and buildOtpauthUri refuses such an account.
import assert from "node:assert/strict";
import { InvalidArgumentError } from "../mod.ts";
import { Problem } from "../src/emulator/problem.ts";
import { buildOtpauthUri, parseOtpauthUri } from "../src/sdk/totp.ts";
import { clientFor, raw, testEmulator } from "./helpers.ts";

const SECRET = "JBSWY3DPEHPK3PXP";

Deno.test("buildOtpauthUri refuses an account name with a colon, with or without an issuer", () => {
  for (const issuer of [undefined, "CirtusAI"]) {
    assert.throws(
      () => buildOtpauthUri({ secret: SECRET, account: "a:b@example.com", issuer }),
      (err: unknown) => err instanceof InvalidArgumentError && err.field === "account",
    );
  }
  // What encoding would have made of it: the part before the colon taken for the issuer.
  assert.equal(parseOtpauthUri(`otpauth://totp/a%3Ab@example.com?secret=${SECRET}`).issuer, "a");
});

Deno.test("registration refuses an e-mail with a colon: the emulator, and the SDK before sending", async () => {
  const emulator = testEmulator();
  const res = await raw(emulator, "POST", "/auth/register", {
    json: { username: "colon", email: "a:b@example.com", password: "pw" },
  });
  assert.equal(res.status, 422);
  assert.deepEqual((res.body as { detail: { loc: string[] }[] }).detail[0].loc, ["body", "email"]);
  let sent = 0;
  const client = clientFor(emulator, {
    fetch: (input, init) => {
      sent++;
      return emulator.fetch(input, init);
    },
  });
  await assert.rejects(
    () => client.auth.register({ username: "colon", email: "a:b@example.com", password: "pw" }),
    (err: unknown) => err instanceof InvalidArgumentError && err.field === "email",
  );
  assert.equal(sent, 0, "nothing was sent");
  // The legacy-user paths hold the same rule.
  const legacy = await raw(emulator, "POST", "/_emulator/legacy-users", {
    json: { username: "old", email: "old:x@example.com", password: "pw" },
  });
  assert.equal(legacy.status, 422);
  const seeded = testEmulator({
    legacyUsers: [{ username: "old", email: "old:x@example.com", password: "pw" }],
  });
  await assert.rejects(
    () => seeded.ready,
    (err: unknown) => err instanceof Problem && err.status === 422,
  );
});

Deno.test("every otpauth URI the emulator issues names the account it was registered with", async () => {
  const emulator = testEmulator();
  const client = clientFor(emulator);
  for (const email of ["ada@example.com", "o'neil+tag@sub.example.org", "x_y=z@a-b.co"]) {
    const setup = await client.auth.register({
      username: email.split("@")[0],
      email,
      password: "pw",
    });
    const key = parseOtpauthUri(setup.qr_code_uri);
    assert.equal(key.issuer, "CirtusAI");
    assert.equal(key.account, email);
    assert.equal(key.secret, setup.secret);
  }
});
