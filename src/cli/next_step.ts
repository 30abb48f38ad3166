/**
 * The next step for an error, where there is an obvious one: one list for the CLI's `hint:` line
 * and the MCP server's tool errors (`cirtusai mcp`), which differ only in how a person logs in.
 *
 * @module
 */
import {
  APIConnectionError,
  APIConnectionTimeoutError,
  AuthenticationError,
  TwoFactorAuthenticationError,
} from "../sdk/errors.ts";
import { codeAlreadyUsed } from "../sdk/service_login.ts";
import { Totp } from "../sdk/totp.ts";
import { inWords } from "./duration.ts";

/** Where the error happened, as far as the hint needs it. */
export interface HintContext {
  /** The API URL in use, when known. */
  apiUrl?: string;
  /**
   * How the session is logged in: `"here"`, by a CLI command; `"terminal"`, by a person at a
   * terminal, whose login the MCP server picks up (the profile is named); null, not with the
   * CLI's login at all (a token, or a service login), so logging in would not help.
   */
  login?: "here" | "terminal" | null;
  /** The profile, named in the login command a `"terminal"` hint gives. */
  profile?: string;
}

/** Seconds until an authenticator app shows its next code (a 30 s step, whatever the key). */
export function secondsToNextCode(now: number = Date.now()): number {
  // Totp's own arithmetic, which reads only the period.
  return Totp.prototype.secondsRemaining.call({ period: 30 } as Totp, now);
}

/** The next step for `err`, or undefined when there is no obvious one. */
export function nextStep(err: unknown, context: HintContext = {}): string | undefined {
  const { apiUrl, login = "here" } = context;
  if (err instanceof APIConnectionTimeoutError) {
    return `no answer within ${inWords(err.timeout / 1000)}; wait longer with --timeout ` +
      "SECONDS, or check the server";
  }
  if (err instanceof APIConnectionError && /connection failed/.test(err.message)) {
    const local = !apiUrl || /\/\/(localhost|127\.0\.0\.1|\[::1\])[:/]/.test(apiUrl);
    return local
      ? "is the emulator running? start it with: cirtusai emulator"
      : "is the server up, and is --api-url right?";
  }
  if (codeAlreadyUsed(err)) {
    return `each code works once: wait for the next code, in ${secondsToNextCode()} s`;
  }
  if (
    login === null || !(err instanceof AuthenticationError) ||
    err instanceof TwoFactorAuthenticationError
  ) {
    return undefined;
  }
  const command = `cirtusai login${login === "terminal" ? ` --profile ${context.profile}` : ""}`;
  if (err.path === "/auth/refresh") {
    return `the session ended; log in again${
      login === "terminal" ? " at a terminal" : ""
    }: ${command}`;
  }
  if (err.detail !== "Not authenticated" && err.path.startsWith("/auth/")) return undefined;
  return login === "terminal"
    ? `not logged in: log in at a terminal (${command}); the server picks the session up`
    : `not logged in for this API URL and profile; log in: ${command} (cirtusai whoami shows ` +
      "which URL and profile a command uses)";
}
