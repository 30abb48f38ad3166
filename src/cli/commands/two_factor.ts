import { action } from "../action.ts";
import { sys } from "../runtime.ts";
import type { CommandSpec } from "../command.ts";
import { CliUsageError } from "../errors.ts";
import { colour, prompt } from "../io.ts";
import { askPassword, enterCode, PASSWORD_STDIN } from "../ask.ts";
import { inWords } from "../duration.ts";
import type { TwoFactorDebug, TwoFactorStatus } from "../../sdk/types.ts";

/** 2FA's state in words: on, pending (a secret waiting for a code), or off. */
function state(s: TwoFactorStatus | TwoFactorDebug): string {
  if (s.is_2fa_enabled) return `on (${s.preferred_2fa_method ?? "totp"})`;
  return s.preferred_2fa_method || (s as TwoFactorDebug).totp_secret_exists
    ? "pending (confirm with a code: cirtusai auth 2fa confirm)"
    : "off";
}

/** How far the server's clock is from this machine's, in words. */
function clockOffset(serverSeconds: number): string {
  const offset = Math.round(serverSeconds - Date.now() / 1000);
  if (Math.abs(offset) < 2) return "in step with this machine";
  return `${inWords(Math.abs(offset))} ${offset > 0 ? "ahead of" : "behind"} this machine`;
}

function serverSeconds(d: TwoFactorDebug): number | null {
  if (typeof d.current_server_time === "number") return d.current_server_time;
  const parsed = typeof d.server_time === "string" ? Date.parse(d.server_time) / 1000 : NaN;
  return Number.isNaN(parsed) ? null : parsed;
}

function validCodes(d: TwoFactorDebug): string | undefined {
  const codes = d.valid_codes;
  if (!codes) return undefined;
  if (Array.isArray(codes)) return codes.join(", ");
  const names: Record<string, string> = {
    "time_step_-1": "previous",
    "time_step_+0": "now",
    "time_step_+1": "next",
  };
  return Object.entries(codes).map(([k, v]) => `${v} (${names[k] ?? k})`).join(", ");
}

/** `cirtusai auth 2fa ...` */
export const twoFactorCommand: CommandSpec = {
  name: "2fa",
  help: "two-factor authentication settings",
  commands: [
    {
      name: "status",
      help: "is 2FA on, pending or off, and how",
      run: action(async (ctx) => {
        const s = await ctx.client.auth.get2faStatus();
        ctx.out.summary(s, [
          ["Two-factor authentication", state(s)],
          ["SMS codes", s.is_sms_enabled == null ? undefined : s.is_sms_enabled ? "on" : "off"],
          ["Backup codes left", s.backup_codes_remaining ?? undefined],
        ]);
      }),
    },
    {
      name: "setup",
      help: "start enrolling a new TOTP secret (while 2FA is off or pending)",
      run: action(async (ctx) => {
        const qr = ctx.out.json ? null : await import("../../qr/qr.ts");
        const setup = await ctx.client.auth.setup2fa();
        if (!qr) return ctx.out.data(setup);
        // The drawing is ours (block characters and colours); the secret is only encoded in it.
        console.log(qr.qrTerminal(setup.qr_code_uri, { colours: colour(sys.stdout) }));
        ctx.out.text(`Secret: ${setup.secret}`);
        ctx.out.text("New backup codes (active once confirmed):");
        for (const code of setup.backup_codes) ctx.out.text(`  ${code}`);
        ctx.out.text("Confirm with: cirtusai auth 2fa confirm");
      }),
    },
    {
      name: "confirm",
      help: "confirm the pending secret with a current code",
      args: [["[code]", "TOTP code (asked when omitted; asked again when wrong)"]],
      run: action(async (ctx, [given]) => {
        let message: string | undefined;
        const submit = async (code: string) => {
          message = (await ctx.client.auth.confirm2fa(code)).message ?? undefined;
        };
        if (given) await submit(given);
        else await enterCode(ctx, "Code from your authenticator app: ", submit);
        ctx.out.done(message ?? "2FA enabled");
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
        const pw = await askPassword(opts);
        const code = opts.code ? String(opts.code) : await prompt("2FA code: ");
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
        if (!opts.out && sys.stdout.isTerminal()) {
          throw new CliUsageError(
            "refusing to write a PNG to the terminal: use --out FILE or redirect the output",
          );
        }
        const png = await ctx.client.auth.getQrCode();
        if (!opts.out) return await sys.stdout.write(png);
        const file = String(opts.out);
        await (await import("../private_file.ts")).writePrivateFile(file, png);
        ctx.out.done(`Wrote the QR code (${png.length} bytes of PNG) to ${file}`);
      }),
    },
    {
      name: "sms",
      help: "send a code by SMS",
      run: action(async (ctx) => {
        const sent = await ctx.client.auth.requestSmsCode();
        ctx.out.done(
          `${sent.message ?? "SMS code sent"}; it expires in ${
            sent.expires_in == null ? "an unknown time" : inWords(sent.expires_in)
          }`,
        );
      }),
    },
    {
      name: "debug",
      help: "the server's view of your TOTP: its clock, and the codes valid now",
      run: action(async (ctx) => {
        const d = await ctx.client.auth.debug2fa();
        const seconds = serverSeconds(d);
        ctx.out.summary(d, [
          ["Account", d.user_email ?? undefined],
          ["Two-factor authentication", state(d)],
          [
            "TOTP secret",
            d.totp_secret_exists == null ? undefined : d.totp_secret_exists ? "on record" : "none",
          ],
          [
            "Server time",
            seconds === null
              ? undefined
              : `${new Date(seconds * 1000).toISOString()} (${clockOffset(seconds)})`,
          ],
          ["Codes valid now", validCodes(d)],
          [
            "Accepted",
            d.time_window == null
              ? undefined
              : `${d.time_window} step${d.time_window === 1 ? "" : "s"} either side of now` +
                (typeof d.period === "number" ? `, ${d.period} s a step` : ""),
          ],
        ]);
      }),
    },
  ],
};
