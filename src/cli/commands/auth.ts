import { action } from "../action.ts";
import { sys } from "../runtime.ts";
import type { CommandSpec } from "../command.ts";
import type { Context } from "../context.ts";
import { CliUsageError } from "../errors.ts";
import { colour, interactive, prompt } from "../io.ts";
import { askPassword, enterCode, PASSWORD_STDIN } from "../ask.ts";
import { secondsToNextCode } from "../next_step.ts";
import { inWords } from "../duration.ts";
import { APIError } from "../../sdk/errors.ts";
import type { TwoFactorSetup } from "../../sdk/types.ts";
import { sessionCommands } from "./session.ts";
import { twoFactorCommand } from "./two_factor.ts";

/** Says so when logging in has not enabled 2FA on this server yet (a terminal only). */
async function pendingNote(ctx: Context): Promise<void> {
  if (ctx.out.machine) return;
  const status = await ctx.client.auth.get2faStatus().catch(() => null);
  if (status && !status.is_2fa_enabled && status.preferred_2fa_method) {
    ctx.out.text(
      "Two-factor authentication is still pending on this server: confirm it with the next " +
        "code: cirtusai auth 2fa confirm",
    );
  }
}

/** `login`: the password, then the second factor when asked for one. */
const login: CommandSpec = {
  name: "login",
  help: "log in; asks for the password (hidden) and, when required, the 2FA code",
  args: [["[username]", "user name or e-mail (asked when omitted)"]],
  options: [
    { flags: "--code <code>", help: "2FA code (TOTP, backup or SMS)" },
    {
      flags: "--totp-secret <secret>",
      help: "compute the TOTP code from this secret; visible to other users in the process " +
        "list, so prefer the environment variable",
      env: "CIRTUSAI_TOTP_SECRET",
    },
    PASSWORD_STDIN,
  ],
  examples: [
    ["asks for the password, then a code from the authenticator app", "cirtusai login ada"],
    [
      "in a script: the password on stdin, the code from the secret",
      "CIRTUSAI_TOTP_SECRET=... cirtusai login ada --password-stdin < pw.txt",
    ],
    ["another account, kept apart", "cirtusai login bob --profile work"],
  ],
  run: action(async (ctx, [given], opts) => {
    const username = given ?? (await prompt("Username: "));
    if (!username) throw new CliUsageError("a username is needed");
    const pw = await askPassword(opts);
    ctx.credentials.setUsername(username);
    const first = await ctx.client.auth.login(username, pw);
    if (first.requires_2fa === true) {
      if (opts.totpSecret) {
        await ctx.client.auth.loginWith2fa(username, pw, { totpSecret: String(opts.totpSecret) });
      } else if (opts.code) {
        await ctx.client.auth.verify2fa(first.temporary_token, String(opts.code));
      } else {
        // A wrong code is asked again on the same temporary token: the password is not.
        await enterCode(
          ctx,
          first.preferred_method === "sms"
            ? "Code from the SMS: "
            : "Code from your authenticator app: ",
          (code) => ctx.client.auth.verify2fa(first.temporary_token, code),
        );
      }
    }
    ctx.out.done(`Logged in as ${username} at ${ctx.apiUrl} (profile ${ctx.profile})`);
    await pendingNote(ctx);
  }),
};

const logout: CommandSpec = {
  name: "logout",
  help: "forget the saved tokens of this profile and API URL",
  run: action(async (ctx) => {
    await ctx.credentials.save(null);
    ctx.out.done(`Logged out of ${ctx.apiUrl} (profile ${ctx.profile})`);
  }),
};

/** Shows a new account's secret and backup codes: nothing that can fail comes before this. */
function showSetup(
  ctx: Context,
  username: string,
  setup: TwoFactorSetup,
  qr: typeof import("../../qr/qr.ts") | null,
): void {
  if (ctx.out.json || !qr) return ctx.out.data(setup);
  ctx.out.text(`Registered ${username}. Two-factor authentication is mandatory:`);
  ctx.out.text(
    "scan this QR code with an authenticator app (Google Authenticator, Authy, 1Password...):\n",
  );
  // The drawing is ours (block characters and colours); the secret is only encoded in it.
  console.log(qr.qrTerminal(setup.qr_code_uri, { colours: colour(sys.stdout) }));
  ctx.out.text(`or enter this secret by hand: ${setup.secret}`);
  ctx.out.text(
    "\nBackup codes (each works once). Store them somewhere safe NOW; they are not shown again:",
  );
  for (const code of setup.backup_codes) ctx.out.text(`  ${code}`);
}

/** Writes the QR code image; a failure is a warning (the account and its secret are shown). */
async function writeQrPng(ctx: Context, file: string, setup: TwoFactorSetup): Promise<void> {
  try {
    const png = setup.qr_code_image
      ? Uint8Array.from(atob(setup.qr_code_image), (c) => c.charCodeAt(0))
      : await (await import("../../qr/qr.ts")).qrPng(setup.qr_code_uri);
    // The image holds the TOTP secret: owner-only, like the credentials file.
    await (await import("../private_file.ts")).writePrivateFile(file, png);
    ctx.out.text(`QR code written to ${file}`);
  } catch (err) {
    ctx.out.warn(
      `could not write the QR code to ${file} (${(err as Error).message}); the account is ` +
        "registered, and its secret is shown above",
    );
  }
}

function expiredTemporaryToken(err: unknown): boolean {
  return err instanceof APIError && err.status === 401 &&
    /temporary token/i.test(String(err.detail));
}

/**
 * At a terminal, right after registering: a code from the app logs in (which enables 2FA where
 * the server does so on first use); where it is still pending, the next code confirms it.
 */
async function finishEnrolment(ctx: Context, username: string, pw: string): Promise<void> {
  ctx.out.note("");
  ctx.out.note("To finish, type a code from the app (or press Enter to finish later).");
  ctx.credentials.setUsername(username);
  let temporary: string | null = null;
  const loggedIn = await enterCode(ctx, "Code from the app: ", async (code) => {
    for (let again = true;; again = false) {
      if (temporary === null) {
        const first = await ctx.client.auth.login(username, pw);
        if (first.requires_2fa !== true) return; // a server without 2FA: logged in already
        temporary = first.temporary_token;
      }
      try {
        return await ctx.client.auth.verify2fa(temporary, code);
      } catch (err) {
        if (!again || !expiredTemporaryToken(err)) throw err;
        temporary = null; // the app took longer than the temporary token lives: log in again
      }
    }
  }, { optional: true });
  if (!loggedIn) {
    ctx.out.text(`Finish later: cirtusai login ${username} (with a code from the app)`);
    return;
  }
  ctx.out.done(`Logged in as ${username} at ${ctx.apiUrl} (profile ${ctx.profile})`);
  if ((await ctx.client.auth.get2faStatus()).is_2fa_enabled) {
    return ctx.out.done("Two-factor authentication is on.");
  }
  // A server where logging in does not enable the secret: confirm it with a later code.
  ctx.out.note(
    `One more code confirms 2FA. Each code works once: wait for the next one, in ${secondsToNextCode()} s.`,
  );
  await enterCode(ctx, "Next code from the app: ", (code) => ctx.client.auth.confirm2fa(code));
  ctx.out.done("Two-factor authentication is on.");
}

const register: CommandSpec = {
  name: "register",
  help: "create an account with TOTP 2FA; at a terminal, finishes enrolment with a code from " +
    "the app",
  args: [["<username>", "user name"], ["<email>", "e-mail address"]],
  options: [
    {
      flags: "--2fa-method <method>",
      help: "preferred second factor",
      choices: ["totp", "sms"],
      default: "totp",
    },
    { flags: "--qr-png <file>", help: "also write the QR code as a PNG file (owner-only)" },
    PASSWORD_STDIN,
  ],
  examples: [
    [
      "asks for a password (twice), shows the QR code, then asks for a code from the app",
      "cirtusai auth register ada ada@example.com",
    ],
    [
      "in a script: JSON with the secret, the otpauth URI and the backup codes",
      "cirtusai auth register ada ada@example.com --password-stdin --json < pw.txt",
    ],
  ],
  run: action(async (ctx, [username, email], opts) => {
    const enrol = interactive() && !ctx.out.machine;
    const pw = await askPassword(opts, { question: "Choose a password: ", twice: true });
    // Loaded before the account exists: nothing that can fail comes between creating it and
    // showing its secret.
    const qr = ctx.out.json ? null : await import("../../qr/qr.ts");
    const setup = await ctx.client.auth.register({
      username: username!,
      email: email!,
      password: pw,
      preferred_2fa_method: opts["2faMethod"] as "totp" | "sms",
    });
    showSetup(ctx, username!, setup, qr);
    if (opts.qrPng) await writeQrPng(ctx, String(opts.qrPng), setup);
    if (enrol) return await finishEnrolment(ctx, username!, pw);
    ctx.out.text(
      `\nNext: cirtusai login ${username} with a code from the app (that enables 2FA; if ` +
        "cirtusai auth 2fa status still says pending, confirm with the next code: " +
        "cirtusai auth 2fa confirm CODE)",
    );
  }),
};

/** `cirtusai auth ...` */
export const authCommand: CommandSpec = {
  name: "auth",
  help: "register, log in, profiles and tokens, and two-factor authentication",
  commands: [
    register,
    login,
    {
      name: "verify-2fa",
      help: "finish a login with the temporary token and a code",
      args: [["<temp-token>", "temporary token from login"], ["<code>", "2FA code"]],
      options: [{ flags: "--username <name>", help: "the account, for whoami (else unknown)" }],
      run: action(async (ctx, [temp, code], opts) => {
        // The tokens are another account's, perhaps: never keep the previous login's name.
        ctx.credentials.setUsername(opts.username ? String(opts.username) : null);
        await ctx.client.auth.verify2fa(temp!, code!);
        ctx.out.done("Verified; logged in");
      }),
    },
    {
      name: "refresh",
      help: "exchange the refresh token for new tokens",
      args: [["[refresh-token]", "refresh token (default: the saved one)"]],
      run: action(async (ctx, [refreshToken]) => {
        const token = await ctx.client.auth.refresh(refreshToken);
        ctx.out.done(
          `Tokens refreshed; the access token expires in ${
            token.expires_in == null ? "an unknown time" : inWords(token.expires_in)
          }`,
        );
      }),
    },
    logout,
    ...sessionCommands,
    twoFactorCommand,
  ],
};

/** The top-level forms, as gh and stripe have them: `cirtusai login`, `logout`, `whoami`. */
export const topLevelAuth: CommandSpec[] = [
  login,
  logout,
  sessionCommands.find((c) => c.name === "whoami")!,
];
