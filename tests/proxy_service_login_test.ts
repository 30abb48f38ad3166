// The proxy's service mode restarted within one TOTP step: the code of this step was used by the
// login before the restart, so the new login waits for the next step (one login, shared by the
// calls that wait for it) instead of taking the refusal for 30 s of 502s.
import assert from "node:assert/strict";
import { createProxy } from "../src/proxy/mod.ts";
import { clientFor, testEmulator } from "./helpers.ts";

const UPSTREAM = "http://upstream.test";
const CLIENT = { remoteAddr: { hostname: "203.0.113.9" } };

Deno.test("service mode: a restart within one TOTP step logs in at the next step, without 502s", async () => {
  const emulator = testEmulator();
  const username = "service-bot";
  const password = "correct horse battery";
  // Registered only: no code of any step used yet.
  const { secret } = await clientFor(emulator).auth.register({
    username,
    email: "bot@example.com",
    password,
  });
  // The clock, the proxy's and the emulator's, stands 100 ms before the end of a step.
  const realNow = Date.now;
  const end = Math.ceil(realNow() / 30_000) * 30_000 + 30_000;
  let now = end - 100;
  Date.now = () => now;
  const verifications: number[] = [];
  const proxy = () =>
    createProxy({
      upstream: UPSTREAM,
      mode: "service",
      service: { username, password, totpSecret: secret },
      routes: [{ method: "GET", path: "/agents" }],
      fetch: async (input, init) => {
        const res = await emulator.fetch(input, init);
        if (input.endsWith("/auth/verify-2fa")) {
          verifications.push(res.status);
          // Refused as used: the next step comes while the proxy waits for it.
          if (res.status >= 400) setTimeout(() => (now = end + 200), 300);
        }
        return res;
      },
    });
  try {
    const before = proxy();
    assert.equal(
      (await before.fetch(new Request("http://app.test/api/agents"), CLIENT)).status,
      200,
    );
    const restarted = proxy(); // a new instance, in the same step
    const answers = await Promise.all(
      [1, 2, 3].map(() => restarted.fetch(new Request("http://app.test/api/agents"), CLIENT)),
    );
    assert.deepEqual(answers.map((r) => r.status), [200, 200, 200]);
    for (const res of answers) await res.body?.cancel();
    assert.deepEqual(verifications, [200, 401, 200], "refused as used once, then the next code");
    assert.ok(now > end, "the code that logged in is the next step's");
  } finally {
    Date.now = realNow;
  }
});
