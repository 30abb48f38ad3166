import { Command } from "commander";
import { buildOtpauthUri, parseOtpauthUri, Totp } from "../../totp.ts";
import { action } from "../action.ts";

/** `cirtusai totp ...`: a local authenticator, like oathtool. */
export function totpCommand(): Command {
  const totp = new Command("totp").description("compute TOTP codes locally (like oathtool)");

  totp.command("code").description("the current code and the seconds it stays valid")
    .argument("<secret-or-uri>", "base32 secret or otpauth:// URI")
    .action(action<[string]>(async (ctx, value) => {
      const key = value.startsWith("otpauth:") ? parseOtpauthUri(value) : null;
      const generator = await Totp.fromSecret(key?.secret ?? value, key ?? {});
      const now = Date.now();
      const code = await generator.generate(now);
      const seconds = generator.secondsRemaining(now);
      if (ctx.out.json) ctx.out.data({ code, seconds_remaining: seconds });
      else console.log(`${code} (valid for ${seconds} s)`);
    }));

  totp.command("uri").description("build an otpauth:// URI for an authenticator app")
    .argument("<secret>", "base32 secret").argument("<account>", "account name (e-mail)")
    .option("--issuer <issuer>", "service name", "CirtusAI")
    .option("--digits <n>", "6, 7 or 8", "6")
    .option("--period <seconds>", "time step", "30")
    .action(action<[string, string]>((ctx, secret, account, opts) => {
      const uri = buildOtpauthUri({
        secret,
        account,
        issuer: String(opts.issuer),
        digits: Number(opts.digits),
        period: Number(opts.period),
      });
      if (ctx.out.json) ctx.out.data({ uri });
      else console.log(uri);
      return Promise.resolve();
    }));

  return totp;
}
