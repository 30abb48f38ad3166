/**
 * Asking a person for what proves who they are: a password (hidden; a new one twice), and 2FA
 * codes (echoed, and asked again when the server says the code was wrong or already used, while
 * the temporary token allows more tries).
 *
 * @module
 */
import { sys } from "./runtime.ts";
import type { Opts } from "./action.ts";
import type { OptionSpec } from "./command.ts";
import type { Context } from "./context.ts";
import { APIError } from "../sdk/errors.ts";
import { codeAlreadyUsed } from "../sdk/service_login.ts";
import { secondsToNextCode } from "./next_step.ts";
import { CliUsageError } from "./errors.ts";
import { interactive, prompt, readStdinLine } from "./io.ts";

/** The option every command that asks for a password has. */
export const PASSWORD_STDIN: OptionSpec = {
  flags: "--password-stdin",
  help: "read the password from standard input",
};

/** Wrong codes a temporary token allows (docs/API.md, "2FA semantics"). */
export const CODE_TRIES = 5;
/** Why a code was refused, when asking for another one can help. */
export function refusedCode(err: unknown): "used" | "wrong" | null {
  if (codeAlreadyUsed(err)) return "used";
  if (!(err instanceof APIError) || err.status >= 500 || err.status === 429) return null;
  const detail = typeof err.detail === "string" ? err.detail : "";
  if (/\binvalid\b.*\bcode\b/i.test(detail) && !/token/i.test(detail)) return "wrong";
  return null;
}

/**
 * The password: `--password-stdin`, `CIRTUSAI_PASSWORD`, or a hidden prompt. A new password
 * (`twice`) is asked twice at a terminal, until both match.
 */
export async function askPassword(
  opts: Opts,
  options: { question?: string; twice?: boolean } = {},
): Promise<string> {
  if (opts.passwordStdin) return await readStdinLine("the password");
  const fromEnv = sys.env("CIRTUSAI_PASSWORD");
  if (fromEnv) return fromEnv;
  for (let attempt = 1;; attempt++) {
    const answer = await prompt(options.question ?? "Password: ", { hidden: true });
    if (!answer) throw new CliUsageError("the password must not be empty");
    if (!options.twice || !interactive()) return answer;
    if (await prompt("Type it again: ", { hidden: true }) === answer) return answer;
    if (attempt === 3) throw new CliUsageError("the two passwords did not match, three times");
    console.error("The two passwords do not match; once more.");
  }
}

/**
 * Asks for a code and hands it to `submit`; at a terminal, a code the server refuses as wrong
 * or already used is asked for again, up to {@linkcode CODE_TRIES} times. With `optional`, an
 * empty answer skips (returns false).
 */
export async function enterCode(
  ctx: Context,
  question: string,
  submit: (code: string) => Promise<unknown>,
  options: { optional?: boolean } = {},
): Promise<boolean> {
  for (let tries = 1;;) {
    const code = (await prompt(question)).trim();
    if (!code) {
      if (options.optional) return false;
      if (!interactive()) throw new CliUsageError("no code given");
      continue;
    }
    try {
      await submit(code);
      return true;
    } catch (err) {
      const why = refusedCode(err);
      if (!why || !interactive() || tries >= CODE_TRIES) throw err;
      const left = CODE_TRIES - tries++;
      const tryLeft = `${left} ${left === 1 ? "try" : "tries"} left`;
      ctx.out.note(
        why === "used"
          ? `That code was used already: each code works once. Wait for the next code, in ${secondsToNextCode()} s (${tryLeft}).`
          : `That code is not right (${(err as APIError).detail}): check that it is this ` +
            `account's entry in the app, and the device's clock (${tryLeft}).`,
      );
    }
  }
}
