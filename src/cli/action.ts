import type { Command } from "commander";
import { type Context, createContext, type GlobalOptions } from "./context.ts";

/**
 * Wraps a command's action: builds the context from the global options, then runs `fn` with the
 * command's arguments and its own options.
 */
export function action<A extends unknown[] = []>(
  fn: (ctx: Context, ...args: [...A, Record<string, unknown>]) => Promise<void>,
): (...args: unknown[]) => Promise<void> {
  return async (...args: unknown[]) => {
    const command = args.at(-1) as Command;
    const opts = args.at(-2) as Record<string, unknown>;
    const ctx = createContext(command.optsWithGlobals() as GlobalOptions);
    await fn(ctx, ...(args.slice(0, -2) as A), opts);
  };
}
