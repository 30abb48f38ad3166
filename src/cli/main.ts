/**
 * The `cirtusai` command line: parses, dispatches, and turns failures into one `error:` line and
 * an exit code (1 for API and network errors, 2 for usage errors).
 *
 * @module
 */
import { Command, CommanderError } from "commander";
import meta from "../../deno.json" with { type: "json" };
import { CirtusAIError, InvalidArgumentError } from "../errors.ts";
import { agentsCommand } from "./commands/agents.ts";
import { authCommand } from "./commands/auth.ts";
import { emulatorCommand } from "./commands/emulator.ts";
import { identityCommand } from "./commands/identity.ts";
import { totpCommand } from "./commands/totp.ts";
import { walletsCommand } from "./commands/wallets.ts";
import { CliUsageError } from "./errors.ts";

/** Builds the program with every command. */
export function buildProgram(): Command {
  const program = new Command("cirtusai")
    .description("The CirtusAI command line: accounts with 2FA, agents, wallets and credentials.")
    .version(meta.version)
    .option("--api-url <url>", "API base URL (env CIRTUSAI_API_URL; default http://localhost:8000)")
    .option("--token <token>", "access token (env CIRTUSAI_TOKEN or CIRTUSAI_ACCESS_TOKEN)")
    .option("--agent-id <id>", "default child agent for provision commands (env CIRTUSAI_AGENT_ID)")
    .option("--profile <name>", 'credentials profile (env CIRTUSAI_PROFILE; default "default")')
    .option("--json", "compact JSON output for scripts")
    .option("--debug", "show stack traces on errors");
  for (
    const command of [
      authCommand(),
      agentsCommand(),
      walletsCommand(),
      identityCommand(),
      totpCommand(),
      emulatorCommand(),
    ]
  ) {
    program.addCommand(command);
  }
  configure(program);
  return program;
}

// Commands added with addCommand() inherit nothing: apply the settings to the whole tree.
function configure(command: Command): void {
  command.exitOverride().showSuggestionAfterError(true).showHelpAfterError(
    "(add --help for usage)",
  );
  for (const sub of command.commands) configure(sub);
}

/** Runs the CLI with `args` (without the program name); resolves to the exit code. */
export async function main(args: string[]): Promise<number> {
  const program = buildProgram();
  const debug = args.includes("--debug");
  try {
    await program.parseAsync(args, { from: "user" });
    return typeof Deno.exitCode === "number" ? Deno.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2; // commander printed it
    const usage = err instanceof CliUsageError || err instanceof InvalidArgumentError;
    const message = err instanceof Error ? err.message : String(err);
    console.error(`error: ${message}`);
    if (debug && err instanceof Error && err.stack) console.error(err.stack);
    if (usage) return 2;
    if (err instanceof CirtusAIError) return 1;
    if (err instanceof Deno.errors.NotFound || err instanceof Deno.errors.PermissionDenied) {
      return 1;
    }
    return 1;
  }
}
