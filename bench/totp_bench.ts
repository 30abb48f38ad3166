// Compares our WebCrypto TOTP with npm:otpauth (synchronous, pure JS HMAC) in one run.
// WebCrypto is asynchronous, so verify is measured one at a time and 100 at once.
// `deno bench` prints each group's times and the ratio to the baseline.
import * as OTPAuth from "otpauth";
import { generateSecret, Totp } from "../src/sdk/totp.ts";

const secret = generateSecret();
const ours = await Totp.fromSecret(secret);
const theirs = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret) });
const now = Date.now();
const code = await ours.generate(now);
const previous = await ours.generate(now - 30_000);
if (theirs.generate({ timestamp: now }) !== code) throw new Error("implementations disagree");

Deno.bench("otpauth generate", { group: "generate", baseline: true }, () => {
  theirs.generate({ timestamp: now });
});
Deno.bench("cirtusai generate", { group: "generate" }, async () => {
  await ours.generate(now);
});

Deno.bench("otpauth verify (previous step)", { group: "verify", baseline: true }, () => {
  theirs.validate({ token: previous, timestamp: now, window: 1 });
});
Deno.bench("cirtusai verify (previous step)", { group: "verify" }, async () => {
  await ours.verify(previous, { time: now });
});

Deno.bench("otpauth verify x100", { group: "verify x100", baseline: true }, () => {
  for (let i = 0; i < 100; i++) theirs.validate({ token: previous, timestamp: now, window: 1 });
});
Deno.bench("cirtusai verify x100 concurrently", { group: "verify x100" }, async () => {
  await Promise.all(Array.from({ length: 100 }, () => ours.verify(previous, { time: now })));
});
