// The next step for an error: one function for the CLI's hint line and the MCP server's tool
// errors, which differ only in how a person logs in.
import assert from "node:assert/strict";
import {
  APIConnectionError,
  APIConnectionTimeoutError,
  AuthenticationError,
  BadRequestError,
  TwoFactorAuthenticationError,
} from "../mod.ts";
import { nextStep, secondsToNextCode } from "../src/cli/next_step.ts";
import { codeAlreadyUsed } from "../src/sdk/service_login.ts";

const init = (status: number, detail: string, path = "/agents") => ({
  status,
  body: { detail },
  headers: new Headers(),
  method: "GET",
  path,
});

Deno.test("one hint for the CLI and for the MCP server, worded for where the login happens", () => {
  const used = new TwoFactorAuthenticationError(
    init(401, "This 2FA code has already been used", "/auth/verify-2fa"),
  );
  const usedConfirm = new BadRequestError(
    init(400, "This 2FA code has already been used", "/auth/2fa/confirm"),
  );
  const ended = new AuthenticationError(init(401, "Invalid refresh token", "/auth/refresh"));
  const out = new AuthenticationError(init(401, "Not authenticated"));
  const wrongPassword = new AuthenticationError(
    init(401, "Incorrect username or password", "/auth/login"),
  );
  const down = new APIConnectionError("GET", "/agents", {
    message: "GET /agents: connection failed",
  });
  for (const login of ["here", "terminal", null] as const) {
    const context = { apiUrl: "http://localhost:8000", login, profile: "work" };
    assert.match(
      nextStep(used, context)!,
      /^each code works once: wait for the next code, in \d+ s$/,
    );
    assert.match(nextStep(usedConfirm, context)!, /^each code works once/);
    assert.equal(
      nextStep(down, context),
      "is the emulator running? start it with: cirtusai emulator",
    );
    assert.equal(nextStep(wrongPassword, context), undefined);
  }
  assert.equal(nextStep(ended, {}), "the session ended; log in again: cirtusai login");
  assert.match(
    nextStep(out, {})!,
    /^not logged in for this API URL and profile; log in: cirtusai login/,
  );
  const mcp = { login: "terminal", profile: "work" } as const;
  assert.equal(
    nextStep(ended, mcp),
    "the session ended; log in again at a terminal: cirtusai login --profile work",
  );
  assert.equal(
    nextStep(out, mcp),
    "not logged in: log in at a terminal (cirtusai login --profile work); the server picks the session up",
  );
  // A token or a service login: logging in with the CLI would not help.
  assert.equal(nextStep(ended, { login: null }), undefined);
  assert.equal(nextStep(out, { login: null }), undefined);
  assert.equal(
    nextStep(down, { apiUrl: "https://api.example.com" }),
    "is the server up, and is --api-url right?",
  );
  assert.match(nextStep(new APIConnectionTimeoutError("GET", "/agents", 5_000))!, /--timeout/);
});

Deno.test("a code already used is the server's refusal, and the next code comes with the next step", () => {
  assert.equal(codeAlreadyUsed(new Error("This 2FA code has already been used")), false);
  assert.equal(
    codeAlreadyUsed(new AuthenticationError(init(401, "This 2FA code has already been used"))),
    true,
  );
  assert.equal(codeAlreadyUsed(new AuthenticationError(init(401, "Invalid code"))), false);
  assert.equal(secondsToNextCode(60_000), 30);
  assert.equal(secondsToNextCode(89_999), 1);
  assert.equal(secondsToNextCode(75_500), 15);
});
