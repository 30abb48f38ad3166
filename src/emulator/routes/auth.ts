import { Hono } from "hono";
import { clientKeyOf } from "../../server/client_key.ts";
import { remoteAddress } from "../../server/remote_address.ts";
import { base64 } from "@scure/base";
import { buildOtpauthUri, generateSecret, Totp } from "../../sdk/totp.ts";
import { verifyPassword } from "../password.ts";
import { qrPng } from "../../qr/qr.ts";
import { type Backend, generateBackupCodes, sha256, SMS_TTL_S } from "../backend.ts";
import { type AppEnv, bearer, requireUser } from "../env.ts";
import { checkShape, Problem, readJson, unauthorized } from "../problem.ts";
import type { UserRecord } from "../records.ts";
import { accountIssues } from "../registration.ts";

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
export function authRoutes(backend: Backend): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const auth = requireUser(backend);

  app.post("/register", async (c) => {
    const body = await readJson<
      { username: string; email: string; password: string; preferred_2fa_method?: string }
    >(
      c,
      { username: "string", email: "string", password: "string", preferred_2fa_method: "string?" },
    );
    const username = body.username.trim();
    const email = body.email.trim();
    const method = body.preferred_2fa_method ?? "totp";
    const issues = accountIssues(
      { username, email, password: body.password },
      backend.minPasswordLength,
    );
    if (method !== "totp" && method !== "sms") {
      issues.push({
        loc: ["body", "preferred_2fa_method"],
        msg: "Input should be 'totp' or 'sms'",
        type: "enum",
      });
    }
    if (issues.length) throw new Problem(422, issues);
    const { user, backupCodes } = await backend.createUser({
      username,
      email,
      password: body.password,
      method: method as "totp" | "sms",
      twoFactor: true,
    });
    return c.json(await setupBody(user, user.totp_secret!, backupCodes), 201);
  });

  app.post("/login", async (c) => {
    let form: Record<string, unknown> = {};
    const type = c.req.header("content-type") ?? "";
    if (
      type.includes("application/x-www-form-urlencoded") || type.includes("multipart/form-data")
    ) {
      try {
        form = await c.req.parseBody();
      } catch {
        throw new Problem(422, [{
          loc: ["body"],
          msg: "The form body could not be parsed",
          type: "form_invalid",
        }]);
      }
    }
    const { username, password } = checkShape<{ username: string; password: string }>(form, {
      username: "string",
      password: "string",
    });
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
    if (!user.totp_secret) return c.json(await backend.issueTokens(user));
    const method = user.preferred_2fa_method === "sms" && user.is_sms_enabled ? "sms" : "totp";
    const temporary = await backend.createTempToken(user);
    if (method === "sms") await backend.sendSmsCode(user);
    return c.json({
      requires_2fa: true,
      temporary_token: temporary,
      preferred_method: method,
      message: method === "sms"
        ? "2FA verification required: enter the code sent by SMS"
        : "2FA verification required: enter the code from your authenticator app",
    });
  });

  app.post("/verify-2fa", async (c) => {
    const body = await readJson<{ temporary_token: string; totp_code: string }>(c, {
      temporary_token: "string",
      totp_code: "string",
    });
    return c.json(await backend.completeTwoFactor(body.temporary_token, body.totp_code));
  });

  app.post("/refresh", async (c) => {
    const body = await readJson<{ refresh_token: string }>(c, { refresh_token: "string" });
    return c.json(await backend.rotate(body.refresh_token));
  });

  app.get("/2fa/status", auth, (c) => c.json(statusBody(c.get("user"))));

  app.get("/2fa/setup", auth, async (c) => {
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
    return c.json(await setupBody(user, secret, codes));
  });

  app.post("/2fa/confirm", auth, async (c) => {
    const { totp_code } = await readJson<{ totp_code: string }>(c, { totp_code: "string" });
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
    return c.json({ message: "2FA has been successfully enabled" });
  });

  app.post("/2fa/disable", auth, async (c) => {
    const body = await readJson<{ totp_code: string; password: string }>(c, {
      totp_code: "string",
      password: "string",
    });
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
    return c.json({ message: "2FA has been successfully disabled" });
  });

  app.get("/2fa/qr", auth, async (c) => {
    const user = c.get("user");
    const secret = user.pending_totp_secret ?? user.totp_secret;
    if (!secret) throw new Problem(400, "TOTP not set up for this user");
    const png = await qrPng(otpauthUri(user, secret));
    return c.body(png.slice().buffer as ArrayBuffer, 200, {
      "content-type": "image/png",
      "cache-control": "no-store",
    });
  });

  // Accepts an access token, or the temporary token of a login waiting for its code.
  app.post("/2fa/request-sms", async (c) => {
    const token = bearer(c);
    if (!token) throw unauthorized("Not authenticated");
    const user = await backend.tempTokenUser(token) ?? await backend.authenticate(token);
    if (!user.is_sms_enabled) throw new Problem(400, "SMS 2FA is not enabled for this user");
    await backend.sendSmsCode(user);
    return c.json({ message: "SMS code sent successfully", expires_in: SMS_TTL_S });
  });

  app.get("/debug-2fa", auth, async (c) => {
    const user = c.get("user");
    if (!user.totp_secret) throw new Problem(400, "TOTP not set up for this user");
    const totp = await Totp.fromSecret(user.totp_secret);
    const now = backend.now();
    const step = totp.counterAt(now);
    const [prev, cur, next] = await Promise.all([-1, 0, 1].map((o) => totp.generateAt(step + o)));
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
    });
  });

  return app;
}
