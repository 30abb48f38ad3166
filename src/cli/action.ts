/**
 * Adapts a command's work to the framework: builds the {@linkcode Context} from the global
 * options, then runs it with the positional arguments and the command's options. The context
 * (and with it the SDK client) is loaded only when a command runs: `--help`, `totp` and
 * `completion` start without it.
 *
 * @module
 */
import type { Parsed } from "./command.ts";
import type { Context, GlobalOptions } from "./context.ts";

/** Options as parsed: strings, or true for flags. */
export type Opts = Parsed["opts"];

/** A handler that needs the API: it gets the context. */
export function action(
  fn: (ctx: Context, args: (string | undefined)[], opts: Opts) => Promise<void>,
): (input: Parsed) => Promise<void> {
  return async ({ args, opts, globals }) => {
    const { createContext } = await import("./context.ts");
    await fn(await createContext(globals as GlobalOptions), args, opts);
  };
}
