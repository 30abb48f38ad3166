import assert from "node:assert/strict";
import {
  APIError,
  AuthenticationError,
  BadRequestError,
  CirtusAIClient,
  ConflictError,
  InternalServerError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  ResponseValidationError,
  TwoFactorAuthenticationError,
  UnprocessableEntityError,
} from "../mod.ts";
import { fakeFetch, json } from "./fake_fetch.ts";

const BASE = "https://api.test";
const client = (reply: () => Response) =>
  new CirtusAIClient(BASE, {
    fetch: fakeFetch(reply).fetch,
    maxRetries: 0,
    token: "secret-token-value",
  });

Deno.test("each status maps to its error class with detail, status, method and path", async () => {
  const table: [number, new (...a: never[]) => APIError][] = [
    [400, BadRequestError],
    [401, AuthenticationError],
    [403, PermissionDeniedError],
    [404, NotFoundError],
    [409, ConflictError],
    [422, UnprocessableEntityError],
    [429, RateLimitError],
    [500, InternalServerError],
    [503, InternalServerError],
    [418, APIError],
  ];
  for (const [status, cls] of table) {
    const c = client(() => json({ detail: "Agent not found" }, status));
    await assert.rejects(() => c.agents.getAgent("a1"), (err: unknown) => {
      assert.ok(err instanceof cls, `${status} -> ${cls.name}`);
      assert.ok(err instanceof APIError);
      assert.equal(err.status, status);
      assert.equal(err.detail, "Agent not found");
      assert.equal(err.method, "GET");
      assert.equal(err.path, "/agents/a1");
      assert.deepEqual(err.body, { detail: "Agent not found" });
      assert.equal(err.message, `GET /agents/a1 failed with ${status}: Agent not found`);
      assert.ok(!err.message.includes("secret-token-value"));
      return true;
    });
  }
});

Deno.test("422 exposes FastAPI's detail list", async () => {
  const detail = [{
    loc: ["body", "email"],
    msg: "value is not a valid email address",
    type: "value_error",
  }];
  const c = client(() => json({ detail }, 422));
  await assert.rejects(() => c.wallets.listAssets(), (err: unknown) => {
    assert.ok(err instanceof UnprocessableEntityError);
    assert.deepEqual(err.issues, detail);
    assert.match(err.message, /body\.email: value is not a valid email address/);
    return true;
  });
});

Deno.test("429 exposes retryAfter in seconds", async () => {
  const c = client(() => json({ detail: "Too many attempts" }, 429, { "retry-after": "17" }));
  await assert.rejects(() => c.agents.listAgents(), (err: unknown) => {
    assert.ok(err instanceof RateLimitError);
    assert.equal(err.retryAfter, 17);
    return true;
  });
});

Deno.test("any 4xx from verify-2fa is a TwoFactorAuthenticationError, and the code is not in the message", async () => {
  for (const status of [400, 401, 403, 422]) {
    const c = client(() => json({ detail: "Invalid 2FA code" }, status));
    await assert.rejects(() => c.auth.verify2fa("tmp-token", "918273"), (err: unknown) => {
      assert.ok(err instanceof TwoFactorAuthenticationError);
      assert.ok(err instanceof AuthenticationError);
      assert.equal(err.status, status);
      assert.ok(!err.message.includes("918273") && !err.message.includes("tmp-token"));
      return true;
    });
  }
});

Deno.test("a 429 from verify-2fa (the second factor locked) is a RateLimitError with retryAfter", async () => {
  const c = client(() =>
    json({ detail: "Too many wrong 2FA codes" }, 429, { "retry-after": "771" })
  );
  await assert.rejects(() => c.auth.verify2fa("tmp-token", "918273"), (err: unknown) => {
    assert.ok(err instanceof RateLimitError);
    assert.equal(err.retryAfter, 771);
    return true;
  });
});

Deno.test("error bodies that are not JSON are kept as text", async () => {
  const c = client(() => new Response("Bad Gateway", { status: 502 }));
  await assert.rejects(() => c.agents.listAgents(), (err: unknown) => {
    assert.ok(err instanceof InternalServerError);
    assert.equal(err.body, "Bad Gateway");
    assert.equal(err.detail, "Bad Gateway");
    return true;
  });
});

Deno.test("malformed JSON is a ResponseValidationError keeping the raw body", async () => {
  const c = client(() => new Response("{not json", { status: 200 }));
  await assert.rejects(() => c.agents.listAgents(), (err: unknown) => {
    assert.ok(err instanceof ResponseValidationError);
    assert.equal(err.field, "(body)");
    assert.equal(err.body, "{not json");
    return true;
  });
});

Deno.test("missing and mistyped fields are named", async () => {
  const cases: [() => Response, (c: CirtusAIClient) => Promise<unknown>, string, RegExp][] = [
    [
      () => json({ token_type: "bearer" }),
      (c) => c.auth.login("a", "b"),
      "access_token",
      /is missing/,
    ],
    [
      () => json({ access_token: 5 }),
      (c) => c.auth.login("a", "b"),
      "access_token",
      /must be a string \(got number\)/,
    ],
    [
      () => json([{ id: "a", name: "n", did: 3, state: null, created_at: "t" }]),
      (c) => c.agents.listAgents(),
      "[0].did",
      /got number/,
    ],
    [() => json({ assets: "x" }), (c) => c.wallets.listAssets(), "assets", /must be an array/],
    [
      () => json({ is_2fa_enabled: "yes", preferred_2fa_method: null }),
      (c) => c.auth.get2faStatus(),
      "is_2fa_enabled",
      /boolean/,
    ],
    [
      () => json({ requires_2fa: true, preferred_method: "totp" }),
      (c) => c.auth.login("a", "b"),
      "temporary_token",
      /missing/,
    ],
    [
      () => json({ verified: "true" }),
      (c) => c.identity.verifyCredential("x"),
      "verified",
      /boolean/,
    ],
  ];
  for (const [reply, call, field, problem] of cases) {
    const c = client(reply);
    await assert.rejects(() => call(c), (err: unknown) => {
      assert.ok(err instanceof ResponseValidationError, field);
      assert.equal(err.field, field);
      assert.match(err.message, problem);
      assert.ok(err.body !== undefined);
      return true;
    });
  }
});

Deno.test("tolerant aliases fill the canonical fields", async () => {
  const setup = await client(() =>
    json({
      secret_key: "JBSWY3DPEHPK3PXP",
      qr_code_url: "otpauth://totp/x",
      qr_code_image: "",
      backup_codes: [],
    })
  ).auth.setup2fa();
  assert.equal(setup.secret, "JBSWY3DPEHPK3PXP");
  assert.equal(setup.qr_code_uri, "otpauth://totp/x");
  const manual = await client(() =>
    json({
      manual_entry_key: "JBSWY3DPEHPK3PXP",
      qr_code_uri: "u",
      qr_code_image: "",
      backup_codes: [],
    })
  ).auth.setup2fa();
  assert.equal(manual.secret, "JBSWY3DPEHPK3PXP");
  const status = await client(() => json({ enabled: true, method: "sms", is_sms_enabled: true }))
    .auth.get2faStatus();
  assert.equal(status.is_2fa_enabled, true);
  assert.equal(status.preferred_2fa_method, "sms");
  const debug = await client(() =>
    json({
      totp_secret_exists: true,
      enabled: false,
      method: "totp",
      user_email: "a@b.co",
      server_time: 1700000000,
      valid_codes: {},
    })
  ).auth.debug2fa();
  assert.equal(debug.current_server_time, 1700000000);
  assert.equal(debug.is_2fa_enabled, false);
  assert.equal(debug.period, undefined, "no default is invented for a field not sent");
});
