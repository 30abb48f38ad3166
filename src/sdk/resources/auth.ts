import { isPlausibleEmail, requireString } from "../arguments.ts";
import { InvalidArgumentError } from "../errors.ts";
import type { CallOptions, HttpClient } from "../http.ts";
import {
  parseLoginResult,
  parseMessage,
  parseSmsCodeSent,
  parseToken,
  parseTwoFactorDebug,
  parseTwoFactorSetup,
  parseTwoFactorStatus,
} from "../parse.ts";
import { Totp } from "../totp.ts";
import type {
  LoginResult,
  Message,
  SmsCodeSent,
  Token,
  TwoFactorDebug,
  TwoFactorSetup,
  TwoFactorStatus,
} from "../types.ts";

/** Input of {@linkcode AuthResource.register}. */
export interface RegisterInput {
  /** Unique user name. */
  username: string;
  /** Unique e-mail address (trimmed; the domain is lower-cased). */
  email: string;
  /** Password (sent as given). */
  password: string;
  /** `"totp"` (default) or `"sms"`; TOTP is always set up. */
  preferred_2fa_method?: "totp" | "sms";
}

/** A 6-digit code, or the TOTP secret so the SDK computes the current code itself. */
export type SecondFactor = string | { totpSecret: string };

/**
 * Registration, login with two-factor authentication, 2FA management and token refresh.
 *
 * @example
 * ```ts
 * import { CirtusAIClient } from "@cirtusai/sdk";
 * const client = new CirtusAIClient("http://localhost:8000");
 * const setup = await client.auth.register({ username: "ada", email: "ada@example.com", password: "pw" });
 * await client.auth.loginWith2fa("ada", "pw", { totpSecret: setup.secret });
 * ```
 */
export class AuthResource {
  readonly #http: HttpClient;

  /** Used by {@linkcode CirtusAIClient}; not meant to be built directly. */
  constructor(http: HttpClient) {
    this.#http = http;
  }

  /** Creates an account with TOTP set up; returns the secret, QR code and backup codes. */
  async register(input: RegisterInput, options?: CallOptions): Promise<TwoFactorSetup> {
    const username = requireString(input?.username, "username").trim();
    if (!username) throw new InvalidArgumentError("username", "username must not be blank");
    const email = normalizeEmail(requireString(input.email, "email"));
    const password = requireString(input.password, "password");
    if (!password) throw new InvalidArgumentError("password", "password must not be empty");
    const method = input.preferred_2fa_method ?? "totp";
    if (method !== "totp" && method !== "sms") {
      throw new InvalidArgumentError(
        "preferred_2fa_method",
        `preferred_2fa_method must be "totp" or "sms" (got "${String(method)}")`,
      );
    }
    return await this.#http.request({
      method: "POST",
      path: "/auth/register",
      json: { username, email, password, preferred_2fa_method: method },
      auth: false,
      parse: parseTwoFactorSetup,
      signal: options?.signal,
    });
  }

  /**
   * Logs in with a username (or e-mail) and password. Returns tokens, which the client adopts, or
   * `{requires_2fa: true, temporary_token, ...}` to finish with {@linkcode AuthResource.verify2fa}.
   */
  async login(username: string, password: string, options?: CallOptions): Promise<LoginResult> {
    const result = await this.#http.request({
      method: "POST",
      path: "/auth/login",
      form: {
        username: requireString(username, "username"),
        password: requireString(password, "password"),
      },
      auth: false,
      parse: parseLoginResult,
      signal: options?.signal,
    });
    if (result.requires_2fa !== true) await this.#http.adopt(result);
    return result;
  }

  /** Completes a 2FA login with a TOTP, backup or SMS code; the client adopts the tokens. */
  async verify2fa(temporaryToken: string, code: string, options?: CallOptions): Promise<Token> {
    const token = await this.#http.request({
      method: "POST",
      path: "/auth/verify-2fa",
      json: {
        temporary_token: requireString(temporaryToken, "temporary_token"),
        totp_code: requireString(code, "code").replace(/\s+/g, ""),
      },
      auth: false,
      twoFactor: true,
      parse: parseToken,
      signal: options?.signal,
    });
    await this.#http.adopt(token);
    return token;
  }

  /**
   * Login and, when asked for, the second factor in one call. `code` is a code, or
   * `{ totpSecret }` to compute the current TOTP code locally.
   */
  async loginWith2fa(
    username: string,
    password: string,
    code: SecondFactor,
    options?: CallOptions,
  ): Promise<Token> {
    const first = await this.login(username, password, options);
    if (first.requires_2fa !== true) return first;
    const value = typeof code === "string"
      ? code
      : await (await Totp.fromSecret(requireString(code?.totpSecret, "totpSecret"))).generate();
    return await this.verify2fa(first.temporary_token, value, options);
  }

  /** Whether 2FA is enabled, and how. */
  async get2faStatus(options?: CallOptions): Promise<TwoFactorStatus> {
    return await this.#http.request({
      method: "GET",
      path: "/auth/2fa/status",
      parse: parseTwoFactorStatus,
      signal: options?.signal,
    });
  }

  /** Starts enrolment: a new pending secret, enabled once it logs in or is confirmed. */
  async setup2fa(options?: CallOptions): Promise<TwoFactorSetup> {
    return await this.#http.request({
      method: "GET",
      path: "/auth/2fa/setup",
      parse: parseTwoFactorSetup,
      signal: options?.signal,
    });
  }

  /** Confirms the pending secret with a current code, enabling 2FA. */
  async confirm2fa(code: string, options?: CallOptions): Promise<Message> {
    return await this.#http.request({
      method: "POST",
      path: "/auth/2fa/confirm",
      json: { totp_code: requireString(code, "code") },
      parse: parseMessage,
      signal: options?.signal,
    });
  }

  /** Disables 2FA; needs a valid code and the password. */
  async disable2fa(code: string, password: string, options?: CallOptions): Promise<Message> {
    return await this.#http.request({
      method: "POST",
      path: "/auth/2fa/disable",
      json: {
        totp_code: requireString(code, "code"),
        password: requireString(password, "password"),
      },
      parse: parseMessage,
      signal: options?.signal,
    });
  }

  /** The QR code of the account's otpauth URI, as PNG bytes. */
  async getQrCode(options?: CallOptions): Promise<Uint8Array> {
    return await this.#http.request<Uint8Array>({
      method: "GET",
      path: "/auth/2fa/qr",
      bytes: true,
      signal: options?.signal,
    });
  }

  /** Sends a 6-digit code by SMS (valid 300 s). */
  async requestSmsCode(options?: CallOptions): Promise<SmsCodeSent> {
    return await this.#http.request({
      method: "POST",
      path: "/auth/2fa/request-sms",
      parse: parseSmsCodeSent,
      signal: options?.signal,
    });
  }

  /** The server's view of the account's TOTP, for clock-skew problems. */
  async debug2fa(options?: CallOptions): Promise<TwoFactorDebug> {
    return await this.#http.request({
      method: "GET",
      path: "/auth/debug-2fa",
      parse: parseTwoFactorDebug,
      signal: options?.signal,
    });
  }

  /** Exchanges a refresh token (default: the client's) for new tokens, which the client adopts. */
  async refresh(refreshToken?: string, options?: CallOptions): Promise<Token> {
    return await this.#http.refresh({ refreshToken, signal: options?.signal });
  }
}

function normalizeEmail(raw: string): string {
  const email = raw.trim();
  if (!isPlausibleEmail(email)) {
    throw new InvalidArgumentError(
      "email",
      "email is not a plausible address (expected name@domain.tld)",
    );
  }
  const at = email.lastIndexOf("@");
  return email.slice(0, at) + "@" + email.slice(at + 1).toLowerCase();
}
