import type { CommandSpec, Parsed } from "../command.ts";
import { sys } from "../runtime.ts";
import { output } from "../io.ts";

/** `cirtusai totp ...`: offline, so it builds no client. */
export const totpCommand: CommandSpec = {
  name: "totp",
  help: "compute TOTP codes locally (like oathtool)",
  commands: [
    {
      name: "code",
      help: "the current code (only the code when piped, as oathtool prints it)",
      args: [["<secret-or-uri>", "base32 secret or otpauth:// URI"]],
      run: async ({ args: [value], globals }: Parsed) => {
        const { parseOtpauthUri, Totp } = await import("../../sdk/totp.ts");
        const key = value!.startsWith("otpauth:") ? parseOtpauthUri(value!) : null;
        const generator = await Totp.fromSecret(key?.secret ?? value!, key ?? {});
        const now = Date.now();
        const code = await generator.generate(now);
        const seconds = generator.secondsRemaining(now);
        if (globals.json) return output(true).data({ code, seconds_remaining: seconds });
        console.log(code);
        // The seconds left are for people: on the terminal, never in a pipe's data.
        if (sys.stdout.isTerminal() || sys.stderr.isTerminal()) {
          console.error(`(valid for ${seconds} s)`);
        }
      },
    },
    {
      name: "uri",
      help: "build an otpauth:// URI for an authenticator app",
      args: [["<secret>", "base32 secret"], ["<account>", "account name (e-mail)"]],
      options: [
        { flags: "--issuer <issuer>", help: "service name", default: "CirtusAI" },
        { flags: "--digits <n>", help: "code length", choices: ["6", "7", "8"], default: "6" },
        { flags: "--period <seconds>", help: "time step", default: "30" },
      ],
      run: async ({ args: [secret, account], opts, globals }: Parsed) => {
        const { buildOtpauthUri } = await import("../../sdk/totp.ts");
        const uri = buildOtpauthUri({
          secret: secret!,
          account: account!,
          issuer: String(opts.issuer),
          digits: Number(opts.digits),
          period: Number(opts.period),
        });
        if (globals.json) output(true).data({ uri });
        else console.log(uri);
      },
    },
  ],
};
