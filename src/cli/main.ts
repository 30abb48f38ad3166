/**
 * The `cirtusai` program: the command tree, and what it says when something goes wrong (one
 * `error:` line with what to do next; exit 2 for usage, 1 for the rest).
 *
 * @module
 */
import { sys } from "./runtime.ts";
import { VERSION } from "../sdk/version.ts";
import {
  APIConnectionError,
  AuthenticationError,
  CirtusAIError,
  InvalidArgumentError,
  TwoFactorAuthenticationError,
} from "../sdk/errors.ts";
import { agentsCommand } from "./commands/agents.ts";
import { authCommand, topLevelAuth } from "./commands/auth.ts";
import { emulatorCommand } from "./commands/emulator.ts";
import { identityCommand } from "./commands/identity.ts";
import { mcpCommand } from "./commands/mcp.ts";
import { totpCommand } from "./commands/totp.ts";
import { walletsCommand } from "./commands/wallets.ts";
import { type CommandSpec, completions, completionScript, helpText, resolve } from "./command.ts";
import { CliUsageError } from "./errors.ts";
import { colour, style } from "./io.ts";

const completion: CommandSpec = {
  name: "completion",
  help: "print a shell completion script (bash, zsh or fish)",
  args: [["<shell>", "bash, zsh or fish"]],
  epilog: "Examples:\n  source <(cirtusai completion bash)    # in ~/.bashrc\n" +
    "  source <(cirtusai completion zsh)     # in ~/.zshrc\n" +
    "  cirtusai completion fish > ~/.config/fish/completions/cirtusai.fish",
  run: ({ args: [shell] }) =>
    Promise.resolve(void console.log(completionScript(shell!, "cirtusai"))),
};

/** The whole command tree. */
export function commandTree(): CommandSpec {
  return {
    name: "cirtusai",
    help: "The CirtusAI command line: accounts with 2FA, agents, wallets and credentials.",
    options: [
      {
        flags: "--api-url <url>",
        help: "API base URL (env CIRTUSAI_API_URL; default: the profile's, else " +
          "http://localhost:8000)",
      },
      {
        flags: "--token <token>",
        help: "access token (env CIRTUSAI_TOKEN or CIRTUSAI_ACCESS_TOKEN)",
      },
      {
        flags: "--agent-id <id>",
        help: "default child agent for provision commands (env CIRTUSAI_AGENT_ID)",
      },
      {
        flags: "--profile <name>",
        help: 'credentials profile (env CIRTUSAI_PROFILE; default "default")',
      },
      { flags: "--json", help: "compact JSON output for scripts" },
      { flags: "--debug", help: "show stack traces on errors" },
      { flags: "-V, --version", help: "print the CLI's and the runtime's versions" },
    ],
    commands: [
      authCommand,
      ...topLevelAuth,
      agentsCommand,
      walletsCommand,
      identityCommand,
      totpCommand,
      emulatorCommand,
      mcpCommand,
      completion,
    ],
  };
}

/** The next step for an error, where there is an obvious one. */
function nextStep(err: unknown, apiUrl: string | undefined): string {
  if (err instanceof APIConnectionError && /connection failed/.test(err.message)) {
    const local = !apiUrl || /\/\/(localhost|127\.0\.0\.1|\[::1\])[:/]/.test(apiUrl);
    return local
      ? "is the emulator running? start it with: cirtusai emulator"
      : "is the server up, and is --api-url right?";
  }
  if (err instanceof TwoFactorAuthenticationError && /already been used/.test(err.message)) {
    const wait = 30 - Math.floor(Date.now() / 1000) % 30;
    return `each code works once: wait for the next code, ${wait} s`;
  }
  if (err instanceof AuthenticationError && err.path === "/auth/refresh") {
    return "the session ended; log in again: cirtusai login";
  }
  if (err instanceof AuthenticationError && err.detail === "Not authenticated") {
    return "not logged in for this API URL and profile; log in: cirtusai login " +
      "(cirtusai whoami shows which URL and profile a command uses)";
  }
  return "";
}

/** Runs the CLI with `argv` (without the program name); returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const debug = argv.includes("--debug");
  const red = style(colour(sys.stderr)).red;
  let apiUrl: string | undefined; // as the parser read it, for the hints
  try {
    const tree = commandTree();
    if (argv[0] === "__complete") {
      for (const c of completions(tree, argv.slice(1))) console.log(c);
      return 0;
    }
    const resolution = resolve(tree, argv);
    if (resolution.kind === "run") {
      const flag = resolution.parsed.globals.apiUrl;
      apiUrl = typeof flag === "string" ? flag : sys.env("CIRTUSAI_API_URL");
    }
    if (resolution.kind === "version") {
      console.log(`cirtusai ${VERSION} (${sys.version})`);
      return 0;
    }
    if (resolution.kind === "help") {
      console.log(helpText(resolution.path));
      return 0;
    }
    await resolution.path.at(-1)!.run!(resolution.parsed);
    return sys.exitCode ?? 0;
  } catch (err) {
    const usage = err instanceof CliUsageError || err instanceof InvalidArgumentError;
    const message = err instanceof Error ? err.message : String(err);
    const [first, ...rest] = message.split("\n");
    console.error(`${red("error:")} ${first}`);
    for (const line of rest) console.error(line);
    const hint = nextStep(err, apiUrl);
    if (hint) console.error(`hint: ${hint}`);
    if (debug && err instanceof Error && err.stack) console.error(err.stack);
    if (usage) return 2;
    if (err instanceof CirtusAIError) return 1;
    return 1;
  }
}
