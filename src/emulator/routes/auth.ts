import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { clientKeyOf } from "../../server/client_key.ts";
import { remoteAddress } from "../../server/remote_address.ts";
import { base64 } from "@scure/base";
import { buildOtpauthUri, generateSecret, Totp } from "../../sdk/totp.ts";
import { verifyPassword } from "../password.ts";
import { qrPng } from "../../qr/qr.ts";
import { type Backend, generateBackupCodes, sha256, SMS_TTL_S } from "../backend.ts";
import { type AppEnv, bearer, requireUser } from "../env.ts";
import { Problem, unauthorized } from "../problem.ts";
import type { UserRecord } from "../records.ts";
import { accountSchema } from "../registration.ts";
import {
  LoginResult,
  Message,
  SmsCodeSent,
  Token,
  TwoFactorDebug,
  TwoFactorSetup,
  TwoFactorStatus,
} from "../schemas/models.ts";
import {
  AUTH_FAILURES,
  BEARER,
  BODY_FAILURES,
  BROKE_OFF,
  error,
  json,
  jsonRequest,
  PUBLIC,
  retryLater,
  routesOn,
} from "../schemas/operation.ts";
import { validationHook } from "../validation.ts";

const ISSUER = "CirtusAI";

function otpauthUri(user: UserRecord, secret: string): string {
  return buildOtpauthUri({ secret, account: user.email, issuer: ISSUER });
}

/** `TwoFactorSetup` in both documents' spellings (docs/API.md, "What the emulator sends"). */
async function setupBody(user: UserRecord, secret: string, backupCodes: string[]) {
  const uri = otpauthUri(user, secret);
  return {
    secret,
    secret_key: secret,
    qr_code_uri: uri,
    qr_code_url: uri,
    qr_code_image: base64.encode(await qrPng(uri)),
    manual_entry_key: secret.match(/.{1,4}/g)!.join(" "),
    backup_codes: backupCodes,
  };
}

/** `TwoFactorStatus` in both documents' spellings. */
function statusBody(user: UserRecord) {
  return {
    is_2fa_enabled: user.is_2fa_enabled,
    preferred_2fa_method: user.preferred_2fa_method,
    is_sms_enabled: user.is_sms_enabled,
    enabled: user.is_2fa_enabled,
    method: user.preferred_2fa_method,
    backup_codes_remaining: user.backup_codes.length,
  };
}

/** `/auth`: registration, login, 2FA and refresh. */
export function authRoutes(backend: Backend): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  const serve = routesOn(app, requireUser(backend));
  const tags = ["auth"];
  const badCode = "Invalid 2FA code, or one already used";

  const RegisterInput = accountSchema(backend.minPasswordLength).extend({
    preferred_2fa_method: z.enum(["totp", "sms"], { error: "Input should be 'totp' or 'sms'" })
      .nullish().openapi({ description: 'Default `"totp"`' }),
  }).openapi("RegisterInput");

  serve(
    createRoute({
      method: "post",
      path: "/register",
      operationId: "register",
      tags,
      summary: "Register (TOTP 2FA is set up at once)",
      security: PUBLIC,
      request: { body: jsonRequest(RegisterInput) },
      responses: {
        201: json(TwoFactorSetup, "The account, with its TOTP key and backup codes"),
        ...BODY_FAILURES,
        400: error(`Username or e-mail already registered; or ${BROKE_OFF}`),
      },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const { user, backupCodes } = await backend.createUser({
        username: body.username,
        email: body.email,
        password: body.password,
        method: body.preferred_2fa_method ?? "totp",
        twoFactor: true,
      });
      return c.json(await setupBody(user, user.totp_secret!, backupCodes), 201);
    },
  );

  const LoginForm = z.object({
    username: z.string().openapi({ description: "The username or the e-mail" }),
    password: z.string(),
  }).openapi("LoginForm");
  serve(
    createRoute({
      method: "post",
      path: "/login",
      operationId: "login",
      tags,
      summary: "Log in (form-encoded, OAuth2 password form): tokens, or a request for the code",
      security: PUBLIC,
      request: {
        body: {
          required: true,
          content: {
            "application/x-www-form-urlencoded": { schema: LoginForm },
            "multipart/form-data": { schema: LoginForm },
          },
        },
      },
      responses: {
        200: json(LoginResult, "Tokens (legacy accounts), or a request for the second factor"),
        ...BODY_FAILURES,
        401: error("Incorrect username/email or password"),
        429: retryLater("Too many failed logins (or SMS codes) in 15 minutes"),
      },
    }),
    async (c) => {
      const { username, password } = c.req.valid("form");
      const account = username.trim().toLowerCase();
      const client = clientKeyOf(
        backend.clientOf(remoteAddress(c.env), c.req.header("x-forwarded-for")),
      );
      const now = backend.now();
      // Counted before the password is checked, so parallel guesses count too.
      const attempt = backend.throttle.login(account, client, now);
      if (attempt.wait !== null) {
        throw new Problem(429, "Too many failed login attempts. Try again later.", {
          "retry-after": String(attempt.wait),
        });
      }
      const user = await backend.checkPassword(username, password);
      if (!user) throw unauthorized("Incorrect username/email or password");
      attempt.refund();
      backend.throttle.loginSucceeded(account);
      if (!user.totp_secret) return c.json(await backend.issueTokens(user), 200);
      const method = user.preferred_2fa_method === "sms" && user.is_sms_enabled ? "sms" : "totp";
      const temporary = await backend.createTempToken(user);
      if (method === "sms") await backend.sendSmsCode(user);
      return c.json({
        requires_2fa: true as const,
        temporary_token: temporary,
        preferred_method: method,
        message: method === "sms"
          ? "2FA verification required: enter the code sent by SMS"
          : "2FA verification required: enter the code from your authenticator app",
      }, 200);
    },
  );

  serve(
    createRoute({
      method: "post",
      path: "/verify-2fa",
      operationId: "verify2fa",
      tags,
      summary: "Finish a login with the temporary token and a code (TOTP, SMS or backup)",
      security: PUBLIC,
      request: {
        body: jsonRequest(z.object({ temporary_token: z.string(), totp_code: z.string() })),
      },
      responses: {
        200: json(Token, "Tokens"),
        ...BODY_FAILURES,
        401: error("Invalid or expired temporary token, or an invalid code"),
        429: retryLater("Too many wrong codes for the account in 15 minutes"),
      },
    }),
    async (c) => {
      const body = c.req.valid("json");
      return c.json(await backend.completeTwoFactor(body.temporary_token, body.totp_code), 200);
    },
  );

  serve(
    createRoute({
      method: "post",
      path: "/refresh",
      operationId: "refresh",
      tags,
      summary: "Rotate the refresh token (a spent one revokes its family)",
      security: PUBLIC,
      request: { body: jsonRequest(z.object({ refresh_token: z.string() })) },
      responses: {
        200: json(Token, "New tokens"),
        ...BODY_FAILURES,
        401: error("Invalid, spent or expired refresh token"),
      },
    }),
    async (c) => c.json(await backend.rotate(c.req.valid("json").refresh_token), 200),
  );

  serve(
    createRoute({
      method: "get",
      path: "/2fa/status",
      operationId: "get2faStatus",
      tags,
      summary: "2FA status",
      security: BEARER,
      responses: { 200: json(TwoFactorStatus, "The account's 2FA"), ...AUTH_FAILURES },
    }),
    (c) => c.json(statusBody(c.get("user")), 200),
  );

  serve(
    createRoute({
      method: "get",
      path: "/2fa/setup",
      operationId: "setup2fa",
      tags,
      summary: "A new pending TOTP secret, until confirmed",
      security: BEARER,
      responses: {
        200: json(TwoFactorSetup, "The pending key and its backup codes"),
        ...AUTH_FAILURES,
        400: error("2FA is already enabled; disable it first"),
      },
    }),
    async (c) => {
      const user = c.get("user");
      // An access token alone must not replace a confirmed secret: disabling needs code + password.
      if (user.is_2fa_enabled) throw new Problem(400, "2FA is already enabled; disable it first");
      const secret = generateSecret();
      const codes = generateBackupCodes();
      const hashes = await Promise.all(codes.map(sha256));
      await backend.updateUser(
        user.id,
        (u) => ({ ...u, pending_totp_secret: secret, pending_backup_codes: hashes }),
      );
      return c.json(await setupBody(user, secret, codes), 200);
    },
  );

  serve(
    createRoute({
      method: "post",
      path: "/2fa/confirm",
      operationId: "confirm2fa",
      tags,
      summary: "Confirm 2FA with a code",
      security: BEARER,
      request: { body: jsonRequest(z.object({ totp_code: z.string() })) },
      responses: {
        200: json(Message, "2FA has been successfully enabled"),
        ...AUTH_FAILURES,
        ...BODY_FAILURES,
        400: error(`TOTP not set up; ${badCode}; or ${BROKE_OFF}`),
      },
    }),
    async (c) => {
      const { totp_code } = c.req.valid("json");
      const user = c.get("user");
      const secret = user.pending_totp_secret ?? user.totp_secret;
      if (!secret) throw new Problem(400, "TOTP not set up for this user");
      const ok = await backend.checkSecondFactor(user, totp_code, { secret });
      if (ok !== true) throw new Problem(400, ok);
      await backend.updateUser(user.id, (u) => ({
        ...u,
        totp_secret: secret,
        is_2fa_enabled: true,
        preferred_2fa_method: u.preferred_2fa_method ?? "totp",
        backup_codes: u.pending_backup_codes ?? u.backup_codes,
        pending_totp_secret: null,
        pending_backup_codes: null,
      }));
      return c.json({ message: "2FA has been successfully enabled" }, 200);
    },
  );

  serve(
    createRoute({
      method: "post",
      path: "/2fa/disable",
      operationId: "disable2fa",
      tags,
      summary: "Disable 2FA (a code or a backup code, and the password)",
      security: BEARER,
      request: { body: jsonRequest(z.object({ totp_code: z.string(), password: z.string() })) },
      responses: {
        200: json(Message, "2FA has been successfully disabled"),
        ...AUTH_FAILURES,
        ...BODY_FAILURES,
        400: error(`2FA is not enabled; incorrect password; ${badCode}; or ${BROKE_OFF}`),
      },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const user = c.get("user");
      if (!user.totp_secret) throw new Problem(400, "2FA is not enabled for this user");
      if (!(await verifyPassword(body.password, user.password))) {
        throw new Problem(400, "Incorrect password");
      }
      const ok = await backend.checkSecondFactor(user, body.totp_code, { backup: true });
      if (ok !== true) throw new Problem(400, ok);
      await backend.updateUser(user.id, (u) => ({
        ...u,
        totp_secret: null,
        is_2fa_enabled: false,
        preferred_2fa_method: null,
        is_sms_enabled: false,
        backup_codes: [],
        pending_totp_secret: null,
        pending_backup_codes: null,
      }));
      return c.json({ message: "2FA has been successfully disabled" }, 200);
    },
  );

  serve(
    createRoute({
      method: "get",
      path: "/2fa/qr",
      operationId: "getQrCode",
      tags,
      summary: "The TOTP key's QR code",
      security: BEARER,
      responses: {
        200: {
          description: "A PNG of the otpauth URI",
          content: { "image/png": { schema: z.string().openapi({ format: "binary" }) } },
        },
        ...AUTH_FAILURES,
        400: error("TOTP not set up for this user"),
      },
    }),
    async (c) => {
      const user = c.get("user");
      const secret = user.pending_totp_secret ?? user.totp_secret;
      if (!secret) throw new Problem(400, "TOTP not set up for this user");
      const png = await qrPng(otpauthUri(user, secret));
      return c.body(png.slice().buffer as ArrayBuffer, 200, {
        "content-type": "image/png",
        "cache-control": "no-store",
      });
    },
  );

  // Accepts an access token, or the temporary token of a login waiting for its code: its own
  // bearer check, so the route's security is documented but not the access-token middleware's.
  app.openapi(
    createRoute({
      method: "post",
      path: "/2fa/request-sms",
      operationId: "requestSmsCode",
      tags,
      summary: "Send an SMS code (bearer: an access token, or a login's temporary token)",
      security: BEARER,
      responses: {
        200: json(SmsCodeSent, "SMS code sent successfully"),
        ...AUTH_FAILURES,
        400: error("SMS 2FA is not enabled for this user"),
        429: retryLater("More than 5 SMS codes in 15 minutes"),
      },
    }),
    async (c) => {
      const token = bearer(c);
      if (!token) throw unauthorized("Not authenticated");
      const user = await backend.tempTokenUser(token) ?? await backend.authenticate(token);
      if (!user.is_sms_enabled) throw new Problem(400, "SMS 2FA is not enabled for this user");
      await backend.sendSmsCode(user);
      return c.json({ message: "SMS code sent successfully", expires_in: SMS_TTL_S }, 200);
    },
  );

  serve(
    createRoute({
      method: "get",
      path: "/debug-2fa",
      operationId: "debug2fa",
      tags,
      summary: "TOTP diagnostics (the codes valid now, for clock-skew problems)",
      security: BEARER,
      responses: {
        200: json(TwoFactorDebug, "2FA debug information"),
        ...AUTH_FAILURES,
        400: error("TOTP not set up for this user"),
      },
    }),
    async (c) => {
      const user = c.get("user");
      if (!user.totp_secret) throw new Problem(400, "TOTP not set up for this user");
      const totp = await Totp.fromSecret(user.totp_secret);
      const now = backend.now();
      const step = totp.counterAt(now);
      const [prev, cur, next] = await Promise.all(
        [-1, 0, 1].map((o) => totp.generateAt(step + o)),
      );
      return c.json({
        totp_secret_exists: true,
        is_2fa_enabled: user.is_2fa_enabled,
        preferred_2fa_method: user.preferred_2fa_method,
        user_email: user.email,
        current_server_time: Math.floor(now / 1000),
        server_time: new Date(now).toISOString(),
        valid_codes: { "time_step_-1": prev, "time_step_+0": cur, "time_step_+1": next },
        time_window: 1,
        period: totp.period,
        usage_note:
          "Any of these codes is accepted now, each once. Compare with your authenticator app to detect clock skew.",
        message: "2FA debug information",
      }, 200);
    },
  );

  return app;
}
