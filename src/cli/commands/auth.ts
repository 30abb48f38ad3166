import { Command, Option } from "commander";
import { qrPng, qrTerminal } from "../../qr.ts";
import { action } from "../action.ts";
import { CliUsageError } from "../errors.ts";
import { prompt, readStdinLine } from "../io.ts";

interface SecretOptions {
  passwordStdin?: boolean;
}

/** The password: from stdin with --password-stdin, from CIRTUSAI_PASSWORD, or a hidden prompt. Never argv. */
async function password(opts: SecretOptions, question = "Password: "): Promise<string> {
  if (opts.passwordStdin) return await readStdinLine("the password");
  const fromEnv = Deno.env.get("CIRTUSAI_PASSWORD");
  if (fromEnv) return fromEnv;
  const answer = await prompt(question, { hidden: true });
  if (!answer) throw new CliUsageError("the password must not be empty");
  return answer;
}

function expiry(expiresAt: number | undefined): string {
  if (expiresAt === undefined) return "unknown";
  const seconds = Math.round((expiresAt - Date.now()) / 1000);
  return seconds > 0
    ? `${new Date(expiresAt).toISOString()} (in ${seconds} s)`
    : `expired at ${new Date(expiresAt).toISOString()}`;
}

/** `cirtusai auth ...` */
export function authCommand(): Command {
  const auth = new Command("auth").description(
    "register, log in, and manage two-factor authentication",
  );

  auth.command("register")
    .description("create an account (TOTP 2FA is set up at once)")
    .argument("<username>", "user name")
    .argument("<email>", "e-mail address")
    .addOption(
      new Option("--2fa-method <method>", "preferred second factor").choices(["totp", "sms"])
        .default("totp"),
    )
    .option("--qr-png <file>", "also write the QR code as a PNG file")
    .option("--password-stdin", "read the password from standard input")
    .action(action<[string, string]>(async (ctx, username, email, opts) => {
      const pw = await password(opts as SecretOptions, "Choose a password: ");
      const setup = await ctx.client.auth.register({
        username,
        email,
        password: pw,
        preferred_2fa_method: opts["2faMethod"] as "totp" | "sms",
      });
      if (opts.qrPng) {
        // The image holds the TOTP secret: owner-only, like the credentials file.
        const png = setup.qr_code_image
          ? Uint8Array.from(atob(setup.qr_code_image), (c) => c.charCodeAt(0))
          : await qrPng(setup.qr_code_uri);
        const file = String(opts.qrPng);
        await Deno.writeFile(file, png, { mode: 0o600 });
        await Deno.chmod(file, 0o600); // mode applies only when the file is created
      }
      if (ctx.out.json) return ctx.out.data(setup);
      console.log(`Registered ${username}. Two-factor authentication is mandatory:`);
      console.log(
        "scan this QR code with an authenticator app (Google Authenticator, Authy, 1Password...):\n",
      );
      console.log(qrTerminal(setup.qr_code_uri));
      console.log(`or enter this secret by hand: ${setup.secret}`);
      if (opts.qrPng) console.log(`QR code written to ${opts.qrPng}`);
      console.log(
        "\nBackup codes (each works once). Store them somewhere safe NOW; they are not shown again:",
      );
      for (const code of setup.backup_codes) console.log(`  ${code}`);
      console.log(`\nNext: cirtusai auth login ${username}, then cirtusai auth 2fa confirm CODE`);
    }));

  auth.command("login")
    .description("log in; asks for the password (hidden) and, when required, the 2FA code")
    .argument("[username]", "user name or e-mail (asked when omitted)")
    .option("--code <code>", "2FA code (TOTP, backup or SMS)")
    .addOption(
      new Option("--totp-secret <secret>", "compute the TOTP code from this secret").env(
        "CIRTUSAI_TOTP_SECRET",
      ),
    )
    .option("--password-stdin", "read the password from standard input")
    .action(action<[string | undefined]>(async (ctx, given, opts) => {
      const username = given ?? (await prompt("Username: "));
      if (!username) throw new CliUsageError("a username is needed");
      const pw = await password(opts as SecretOptions);
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
    }));

  auth.command("verify-2fa")
    .description("finish a login with the temporary token and a code")
    .argument("<temp-token>", "temporary token from login")
    .argument("<code>", "2FA code")
    .action(action<[string, string]>(async (ctx, temp, code) => {
      await ctx.client.auth.verify2fa(temp, code);
      ctx.out.done("Verified; logged in");
    }));

  auth.command("refresh")
    .description("exchange the refresh token for new tokens")
    .argument("[refresh-token]", "refresh token (default: the saved one)")
    .action(action<[string | undefined]>(async (ctx, refreshToken) => {
      const token = await ctx.client.auth.refresh(refreshToken);
      ctx.out.done(
        `Tokens refreshed; the access token expires in ${
          token.expires_in ?? "an unknown number of"
        } s`,
      );
    }));

  auth.command("logout")
    .description("forget the saved tokens of this profile and API URL")
    .action(action(async (ctx) => {
      await ctx.credentials.save(null);
      ctx.out.done(`Logged out of ${ctx.apiUrl} (profile ${ctx.profile})`);
    }));

  auth.command("whoami")
    .description("show the profile, API URL and token expiry")
    .action(action(async (ctx) => {
      const saved = await ctx.credentials.get();
      const info = {
        profile: ctx.profile,
        api_url: ctx.apiUrl,
        username: saved?.username ?? null,
        logged_in: Boolean(saved || ctx.explicitToken),
        token_source: ctx.explicitToken
          ? "flag or environment"
          : saved
          ? ctx.credentials.path
          : null,
        access_token_expires: expiry(saved?.expires_at),
        has_refresh_token: Boolean(saved?.refresh_token),
      };
      ctx.out.data(info);
    }));

  auth.addCommand(twoFactorCommand());
  return auth;
}

function twoFactorCommand(): Command {
  const tfa = new Command("2fa").description("two-factor authentication settings");

  tfa.command("status").description("is 2FA enabled, and how").action(action(async (ctx) => {
    ctx.out.data(await ctx.client.auth.get2faStatus());
  }));

  tfa.command("setup").description("start enrolling a new TOTP secret (pending until confirmed)")
    .action(
      action(async (ctx) => {
        const setup = await ctx.client.auth.setup2fa();
        if (ctx.out.json) return ctx.out.data(setup);
        console.log(qrTerminal(setup.qr_code_uri));
        console.log(`Secret: ${setup.secret}`);
        console.log("New backup codes (active once confirmed):");
        for (const code of setup.backup_codes) console.log(`  ${code}`);
        console.log("Confirm with: cirtusai auth 2fa confirm CODE");
      }),
    );

  tfa.command("confirm").description("confirm the pending secret with a current code").argument(
    "<code>",
    "TOTP code",
  )
    .action(action<[string]>(async (ctx, code) => {
      ctx.out.done((await ctx.client.auth.confirm2fa(code)).message ?? "2FA enabled");
    }));

  tfa.command("disable").description("turn 2FA off (needs a code and the password)")
    .option("--code <code>", "TOTP or backup code (asked when omitted)")
    .option("--password-stdin", "read the password from standard input")
    .action(action(async (ctx, opts) => {
      const pw = await password(opts as SecretOptions);
      const code = opts.code ? String(opts.code) : await prompt("2FA code: ", { hidden: true });
      ctx.out.done((await ctx.client.auth.disable2fa(code, pw)).message ?? "2FA disabled");
    }));

  tfa.command("qr").description("the QR code of the account's TOTP secret, as PNG")
    .option(
      "--out <file>",
      "write the PNG to this file (default: standard output, when redirected)",
    )
    .action(action(async (ctx, opts) => {
      const png = await ctx.client.auth.getQrCode();
      if (opts.out) {
        await Deno.writeFile(String(opts.out), png);
        return ctx.out.done(`Wrote the QR code (${png.length} bytes of PNG) to ${opts.out}`);
      }
      if (Deno.stdout.isTerminal()) {
        throw new CliUsageError(
          "refusing to write a PNG to the terminal: use --out FILE or redirect the output",
        );
      }
      await Deno.stdout.write(png);
    }));

  tfa.command("sms").description("send a code by SMS").action(action(async (ctx) => {
    const sent = await ctx.client.auth.requestSmsCode();
    ctx.out.done(`${sent.message}; it expires in ${sent.expires_in} s`);
  }));

  tfa.command("debug").description("the server's view of your TOTP (codes valid now, server time)")
    .action(
      action(async (ctx) => {
        ctx.out.data(await ctx.client.auth.debug2fa());
      }),
    );
  return tfa;
}
