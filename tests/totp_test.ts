import assert from "node:assert/strict";
import {
  buildOtpauthUri,
  decodeBase32,
  encodeBase32,
  generateSecret,
  Hotp,
  hotp,
  parseOtpauthUri,
  timingSafeEqual,
  Totp,
  totp,
} from "../src/sdk/totp.ts";
import { InvalidArgumentError } from "../src/sdk/errors.ts";

const ascii = (s: string) => new TextEncoder().encode(s);
const SEED20 = "12345678901234567890";

Deno.test("HOTP: every value of RFC 4226 Appendix D", async () => {
  const expected = [
    "755224",
    "287082",
    "359152",
    "969429",
    "338314",
    "254676",
    "287922",
    "162583",
    "399871",
    "520489",
  ];
  const key = await Hotp.fromSecret(encodeBase32(ascii(SEED20)));
  for (const [counter, code] of expected.entries()) {
    assert.equal(await key.generate(counter), code, `counter ${counter}`);
  }
  assert.equal(await hotp(ascii(SEED20), 9), "520489");
});

Deno.test("HOTP verify looks ahead `window` counters and reports the offset (RFC 4226 §7.4)", async () => {
  const key = await Hotp.fromSecret(ascii(SEED20));
  assert.equal(await key.verify("755224", { counter: 0 }), 0);
  assert.equal(await key.verify("969429", { counter: 1, window: 2 }), 2); // counter 3
  assert.equal(await key.verify("969429", { counter: 1, window: 1 }), null, "beyond the window");
  assert.equal(await key.verify("755224", { counter: 1, window: 5 }), null, "never looks back");
  assert.equal(await key.verify("75522", { counter: 0 }), null, "wrong length");
});

Deno.test("TOTP: every value of RFC 6238 Appendix B, all three algorithms", async () => {
  const seeds = {
    "SHA-1": SEED20,
    "SHA-256": SEED20 + "123456789012",
    "SHA-512": SEED20.repeat(3) + "1234",
  } as const;
  const table: [number, string, string, string][] = [
    [59, "94287082", "46119246", "90693936"],
    [1111111109, "07081804", "68084774", "25091201"],
    [1111111111, "14050471", "67062674", "99943326"],
    [1234567890, "89005924", "91819424", "93441116"],
    [2000000000, "69279037", "90698825", "38618901"],
    [20000000000, "65353130", "77737706", "47863826"],
  ];
  const keys = {
    "SHA-1": await Totp.fromSecret(ascii(seeds["SHA-1"]), { digits: 8 }),
    "SHA-256": await Totp.fromSecret(ascii(seeds["SHA-256"]), { digits: 8, algorithm: "SHA-256" }),
    "SHA-512": await Totp.fromSecret(ascii(seeds["SHA-512"]), { digits: 8, algorithm: "SHA-512" }),
  };
  for (const [seconds, sha1, sha256, sha512] of table) {
    const time = seconds * 1000;
    assert.equal(await keys["SHA-1"].generate(time), sha1, `SHA-1 at ${seconds}`);
    assert.equal(await keys["SHA-256"].generate(time), sha256, `SHA-256 at ${seconds}`);
    assert.equal(await keys["SHA-512"].generate(time), sha512, `SHA-512 at ${seconds}`);
  }
  // Six digits keep the leading zero of 07081804 -> "081804".
  assert.equal(await totp(ascii(seeds["SHA-1"]), { time: 1111111109_000 }), "081804");
});

Deno.test("TOTP verify: ±1 step accepted, ±2 refused, current step reported as 0", async () => {
  const key = await Totp.fromSecret(generateSecret());
  const now = 1_700_000_000_000;
  const step = 30_000;
  assert.equal(await key.verify(await key.generate(now), { time: now }), 0);
  assert.equal(await key.verify(await key.generate(now - step), { time: now }), -1);
  assert.equal(await key.verify(await key.generate(now + step), { time: now }), 1);
  assert.equal(await key.verify(await key.generate(now - 2 * step), { time: now }), null);
  assert.equal(await key.verify(await key.generate(now + 2 * step), { time: now }), null);
  assert.equal(await key.verify(await key.generate(now + 2 * step), { time: now, window: 2 }), 2);
  assert.equal(await key.verify(await key.generate(now - step), { time: now, window: 0 }), null);
});

Deno.test("TOTP verify: malformed codes are refused, spaces tolerated", async () => {
  const key = await Totp.fromSecret(generateSecret());
  const now = Date.now();
  const code = await key.generate(now);
  assert.equal(await key.verify(`${code.slice(0, 3)} ${code.slice(3)}`, { time: now }), 0);
  assert.equal(await key.verify(code.slice(1), { time: now }), null);
  assert.equal(await key.verify("abcdef", { time: now }), null);
  assert.equal(await key.verify("", { time: now }), null);
  await assert.rejects(() => key.verify(code, { window: -1 }), InvalidArgumentError);
});

Deno.test("TOTP: secondsRemaining and counterAt follow the period", async () => {
  const key = await Totp.fromSecret(generateSecret(), { period: 60 });
  assert.equal(key.counterAt(120_000), 2);
  assert.equal(key.secondsRemaining(120_000), 60);
  assert.equal(key.secondsRemaining(179_500), 1);
  assert.equal(key.secondsRemaining(150_000), 30);
});

Deno.test("parameters out of range are typed errors", async () => {
  await assert.rejects(() => Totp.fromSecret("JBSWY3DPEHPK3PXP", { digits: 5 }), /digits must/);
  await assert.rejects(() => Totp.fromSecret("JBSWY3DPEHPK3PXP", { period: 0 }), /period must/);
  await assert.rejects(
    // deno-lint-ignore no-explicit-any
    () => Totp.fromSecret("JBSWY3DPEHPK3PXP", { algorithm: "MD5" as any }),
    InvalidArgumentError,
  );
  assert.throws(() => generateSecret(4), InvalidArgumentError);
});

Deno.test("base32: forgiving like authenticator apps, precise about bad characters", () => {
  const bytes = decodeBase32("GEZDGNBVGY3TQOJQ");
  assert.equal(new TextDecoder().decode(bytes), "1234567890");
  assert.deepEqual(decodeBase32("gezd gnbv-gy3t qojq"), bytes);
  assert.deepEqual(decodeBase32("MZXW6YQ="), decodeBase32("mzxw6yq"));
  assert.equal(encodeBase32(bytes), "GEZDGNBVGY3TQOJQ");
  assert.throws(() => decodeBase32("GEZD1NBV"), (err: unknown) => {
    assert.ok(err instanceof InvalidArgumentError);
    assert.equal(err.field, "secret");
    assert.match(err.message, /found "1" at position 5/);
    return true;
  });
  assert.throws(() => decodeBase32("MZ=XW"), /after "="/);
  assert.throws(() => decodeBase32("ABC"), /cannot encode whole bytes/);
  assert.throws(() => decodeBase32("  "), /is empty/);
  const secret = generateSecret();
  assert.match(secret, /^[A-Z2-7]{32}$/);
  assert.notEqual(secret, generateSecret());
});

Deno.test("timingSafeEqual compares whole strings", () => {
  assert.equal(timingSafeEqual("123456", "123456"), true);
  assert.equal(timingSafeEqual("123456", "123457"), false);
  assert.equal(timingSafeEqual("123456", "12345"), false);
});

Deno.test("otpauth URI: build matches the Key Uri Format and round-trips", () => {
  const uri = buildOtpauthUri({
    secret: "jbsw y3dp ehpk 3pxp",
    account: "ada@example.com",
    issuer: "CirtusAI",
  });
  assert.equal(
    uri,
    "otpauth://totp/CirtusAI:ada%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=CirtusAI",
  );
  assert.deepEqual(parseOtpauthUri(uri), {
    type: "totp",
    secret: "JBSWY3DPEHPK3PXP",
    account: "ada@example.com",
    issuer: "CirtusAI",
    algorithm: "SHA-1",
    digits: 6,
    period: 30,
  });
  const full = {
    type: "hotp" as const,
    secret: "JBSWY3DPEHPK3PXP",
    account: "grace hopper",
    issuer: "Big Co & Sons",
    algorithm: "SHA-512" as const,
    digits: 8,
    counter: 42,
  };
  const built = buildOtpauthUri(full);
  assert.match(built, /^otpauth:\/\/hotp\/Big%20Co%20%26%20Sons:grace%20hopper\?/);
  assert.match(built, /algorithm=SHA512&digits=8&counter=42$/);
  assert.deepEqual(parseOtpauthUri(built), full);
  const totpKey = parseOtpauthUri(
    buildOtpauthUri({ secret: "JBSWY3DPEHPK3PXP", account: "a", period: 60, digits: 7 }),
  );
  assert.equal(totpKey.period, 60);
  assert.equal(totpKey.digits, 7);
  assert.equal(totpKey.issuer, undefined);
});

Deno.test("otpauth URI: parse accepts an encoded colon and a label-only issuer", () => {
  const key = parseOtpauthUri(
    "otpauth://totp/ACME%20Co%3Ajohn.doe%40email.com?secret=JBSWY3DPEHPK3PXP",
  );
  assert.equal(key.issuer, "ACME Co");
  assert.equal(key.account, "john.doe@email.com");
});

Deno.test("otpauth URI: every rejection is a typed error naming the problem", () => {
  const cases: [string, string, RegExp][] = [
    ["https://totp/a?secret=JBSWY3DP", "uri", /scheme must be "otpauth"/],
    ["otpauth://motp/a?secret=JBSWY3DP", "type", /type must be "totp" or "hotp"/],
    ["otpauth://totp/a?issuer=X", "secret", /no secret/],
    ["otpauth://totp/a?secret=JBSW1", "secret", /found "1"/],
    ["otpauth://totp/A:b?secret=JBSWY3DP&issuer=B", "issuer", /disagrees with label prefix "A"/],
    [
      "otpauth://totp/a?secret=JBSWY3DP&digits=9",
      "digits",
      /digits must be an integer from 6 to 8/,
    ],
    ["otpauth://totp/a?secret=JBSWY3DP&digits=x", "digits", /digits/],
    ["otpauth://totp/a?secret=JBSWY3DP&period=0", "period", /period must/],
    ["otpauth://totp/a?secret=JBSWY3DP&algorithm=MD5", "algorithm", /algorithm must/],
    ["otpauth://hotp/a?secret=JBSWY3DP", "counter", /no counter/],
    ["otpauth://hotp/a?secret=JBSWY3DP&counter=-1", "counter", /counter must/],
    ["otpauth://totp/?secret=JBSWY3DP", "label", /no account/],
    ["otpauth://totp/%E0%A4%A?secret=JBSWY3DP", "label", /malformed percent-encoding/],
    ["not a uri", "uri", /not of the form/],
  ];
  for (const [uri, field, message] of cases) {
    assert.throws(() => parseOtpauthUri(uri), (err: unknown) => {
      assert.ok(err instanceof InvalidArgumentError, uri);
      assert.equal(err.field, field, uri);
      assert.match(err.message, message, uri);
      return true;
    });
  }
});
