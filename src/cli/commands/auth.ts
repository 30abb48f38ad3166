import { action, type Opts } from "../action.ts";
import { sys } from "../runtime.ts";
import type { CommandSpec } from "../command.ts";
import type { Context } from "../context.ts";
import { CliUsageError } from "../errors.ts";
import { colour, prompt, readStdinLine } from "../io.ts";

async function password(opts: Opts, question = "Password: "): Promise<string> {
  if (opts.passwordStdin) return await readStdinLine("the password");
  const fromEnv = sys.env("CIRTUSAI_PASSWORD");
  if (fromEnv) return fromEnv;
  const answer = await prompt(question, { hidden: true });
  if (!answer) throw new CliUsageError("the password must not be empty");
  return answer;
}

const PASSWORD_STDIN = {
  flags: "--password-stdin",
  help: "read the password from standard input",
};

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
  run: action(async (ctx, [given], opts) => {
    const username = given ?? (await prompt("Username: "));
    if (!username) throw new CliUsageError("a username is needed");
    const pw = await password(opts);
    ctx.credentials.setUsername(username);
    const first = await ctx.client.auth.login(username, pw);
    if (first.requires_2fa === true) {
      if (opts.totpSecret) {
        await ctx.client.auth.loginWith2fa(username, pw, { totpSecret: String(opts.totpSecret) });
      } else {
        const code = opts.code ? String(opts.code) : await prompt(
          first.preferred_method === "sms"
            ? "Code from the SMS: "
            : "Code from your authenticator app: ",
          { hidden: true },
        );
        await ctx.client.auth.verify2fa(first.temporary_token, code);
      }
    }
    ctx.out.done(`Logged in as ${username} at ${ctx.apiUrl} (profile ${ctx.profile})`);
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

async function who(ctx: Context, check: boolean) {
  const saved = await ctx.credentials.get();
  const expires = saved?.expires_at;
  const info: Record<string, unknown> = {
    profile: ctx.profile,
    api_url: ctx.apiUrl,
    api_url_from: ctx.apiUrlSource,
    username: saved?.username ?? null,
    logged_in: Boolean(saved || ctx.explicitToken),
    token_source: ctx.explicitToken ? "flag or environment" : saved ? ctx.credentials.path : null,
    access_token_expires_at: expires === undefined ? null : new Date(expires).toISOString(),
    has_refresh_token: Boolean(saved?.refresh_token),
  };
  if (check) {
    // Ask the server: a working token answers, a dead one is refreshed or refused.
    try {
      const status = await ctx.client.auth.get2faStatus();
      info.token_valid = true;
      info.is_2fa_enabled = status.is_2fa_enabled ?? null;
    } catch (err) {
      info.token_valid = false;
      info.error = (err as Error).message;
    }
  }
  if (ctx.out.json) return ctx.out.data(info);
  const seconds = expires === undefined ? null : Math.round((expires - Date.now()) / 1000);
  console.log(
    info.logged_in
      ? `Logged in${
        info.username ? ` as ${info.username}` : ""
      } at ${ctx.apiUrl} (profile ${ctx.profile})`
      : `Not logged in at ${ctx.apiUrl} (profile ${ctx.profile}): run cirtusai login`,
  );
  console.log(`API URL from: ${ctx.apiUrlSource}`);
  if (info.token_source) console.log(`Tokens: ${info.token_source}`);
  if (seconds !== null) {
    console.log(
      seconds > 0
        ? `Access token expires ${info.access_token_expires_at} (in ${seconds} s)`
        : `Access token expired ${info.access_token_expires_at}${
          saved?.refresh_token ? "; it is refreshed on the next command" : ""
        }`,
    );
  }
  if (check) {
    console.log(
      info.token_valid ? "The server accepts the token." : `The server refused: ${info.error}`,
    );
  }
  if (check && !info.token_valid) sys.exitCode = 1;
}

const whoami: CommandSpec = {
  name: "whoami",
  help: "show the profile, API URL, account and token expiry",
  options: [{ flags: "--check", help: "also ask the server whether the token still works" }],
  run: action(async (ctx, _args, opts) => await who(ctx, Boolean(opts.check))),
};

const status: CommandSpec = {
  name: "status",
  help: "whoami --check: is this profile logged in, and does the server accept its token",
  run: action(async (ctx) => await who(ctx, true)),
};

async function writeQrPng(file: string, image: string | null | undefined, uri: string) {
  const png = image
    ? Uint8Array.from(atob(image), (c) => c.charCodeAt(0))
    : await (await import("../../qr/qr.ts")).qrPng(uri);
  // The image holds the TOTP secret: owner-only, like the credentials file.
  await sys.writeFile(file, png, 0o600);
}

const twoFactor: CommandSpec = {
  name: "2fa",
  help: "two-factor authentication settings",
  commands: [
    {
      name: "status",
      help: "is 2FA enabled, and how",
      run: action(async (ctx) => ctx.out.data(await ctx.client.auth.get2faStatus())),
    },
    {
      name: "setup",
      help: "start enrolling a new TOTP secret (before 2FA is confirmed)",
      run: action(async (ctx) => {
        const setup = await ctx.client.auth.setup2fa();
        if (ctx.out.json) return ctx.out.data(setup);
        console.log(
          (await import("../../qr/qr.ts")).qrTerminal(setup.qr_code_uri, {
            colours: colour(sys.stdout),
          }),
        );
        console.log(`Secret: ${setup.secret}`);
        console.log("New backup codes (active once confirmed):");
        for (const code of setup.backup_codes) console.log(`  ${code}`);
        console.log("Confirm with: cirtusai auth 2fa confirm CODE");
      }),
    },
    {
      name: "confirm",
      help: "confirm the pending secret with a current code",
      args: [["<code>", "TOTP code"]],
      run: action(async (ctx, [code]) => {
        ctx.out.done((await ctx.client.auth.confirm2fa(code!)).message ?? "2FA enabled");
      }),
    },
    {
      name: "disable",
      help: "turn 2FA off (needs a code and the password)",
      options: [
        { flags: "--code <code>", help: "TOTP or backup code (asked when omitted)" },
        PASSWORD_STDIN,
      ],
      run: action(async (ctx, _args, opts) => {
        const pw = await password(opts);
        const code = opts.code ? String(opts.code) : await prompt("2FA code: ", { hidden: true });
        ctx.out.done((await ctx.client.auth.disable2fa(code, pw)).message ?? "2FA disabled");
      }),
    },
    {
      name: "qr",
      help: "the QR code of the account's TOTP secret, as PNG",
      options: [{
        flags: "--out <file>",
        help: "write the PNG to this file, owner-only (default: standard output, when redirected)",
      }],
      run: action(async (ctx, _args, opts) => {
        const png = await ctx.client.auth.getQrCode();
        if (opts.out) {
          const file = String(opts.out);
          await sys.writeFile(file, png, 0o600);
          return ctx.out.done(`Wrote the QR code (${png.length} bytes of PNG) to ${file}`);
        }
        if (sys.stdout.isTerminal()) {
          throw new CliUsageError(
            "refusing to write a PNG to the terminal: use --out FILE or redirect the output",
          );
        }
        await sys.stdout.write(png);
      }),
    },
    {
      name: "sms",
      help: "send a code by SMS",
      run: action(async (ctx) => {
        const sent = await ctx.client.auth.requestSmsCode();
        ctx.out.done(
          `${sent.message ?? "SMS code sent"}; it expires in ${sent.expires_in ?? "?"} s`,
        );
      }),
    },
    {
      name: "debug",
      help: "the server's view of your TOTP (codes valid now, server time)",
      run: action(async (ctx) => ctx.out.data(await ctx.client.auth.debug2fa())),
    },
  ],
};

/** `cirtusai auth ...` */
export const authCommand: CommandSpec = {
  name: "auth",
  help: "register, log in, and manage two-factor authentication",
  commands: [
    {
      name: "register",
      help: "create an account (TOTP 2FA is set up at once)",
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
      run: action(async (ctx, [username, email], opts) => {
        const pw = await password(opts, "Choose a password: ");
        const setup = await ctx.client.auth.register({
          username: username!,
          email: email!,
          password: pw,
          preferred_2fa_method: opts["2faMethod"] as "totp" | "sms",
        });
        if (opts.qrPng) {
          await writeQrPng(String(opts.qrPng), setup.qr_code_image, setup.qr_code_uri);
        }
        if (ctx.out.json) return ctx.out.data(setup);
        console.log(`Registered ${username}. Two-factor authentication is mandatory:`);
        console.log(
          "scan this QR code with an authenticator app (Google Authenticator, Authy, 1Password...):\n",
        );
        console.log(
          (await import("../../qr/qr.ts")).qrTerminal(setup.qr_code_uri, {
            colours: colour(sys.stdout),
          }),
        );
        console.log(`or enter this secret by hand: ${setup.secret}`);
        if (opts.qrPng) console.log(`QR code written to ${opts.qrPng}`);
        console.log(
          "\nBackup codes (each works once). Store them somewhere safe NOW; they are not shown again:",
        );
        for (const code of setup.backup_codes) console.log(`  ${code}`);
        console.log(`\nNext: cirtusai login ${username}, then cirtusai auth 2fa confirm CODE`);
      }),
    },
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
            token.expires_in ?? "an unknown number of"
          } s`,
        );
      }),
    },
    logout,
    whoami,
    status,
    twoFactor,
  ],
};

/** The top-level forms, as gh and stripe have them: `cirtusai login`, `logout`, `whoami`. */
export const topLevelAuth: CommandSpec[] = [login, logout, whoami];
