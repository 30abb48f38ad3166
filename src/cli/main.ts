/**
 * The `cirtusai` program: the command tree, and what it says when something goes wrong (one
 * `error:` line with what to do next; exit 2 for usage, 1 for the rest).
 *
 * @module
 */
import { sys } from "./runtime.ts";
import { VERSION } from "../sdk/version.ts";
import { APIError, InvalidArgumentError, RateLimitError } from "../sdk/errors.ts";
import { agentsCommand } from "./commands/agents.ts";
import { authCommand, topLevelAuth } from "./commands/auth.ts";
import { emulatorCommand } from "./commands/emulator.ts";
import { identityCommand } from "./commands/identity.ts";
import { mcpCommand } from "./commands/mcp.ts";
import { totpCommand } from "./commands/totp.ts";
import { walletsCommand } from "./commands/wallets.ts";
import { type CommandSpec, completions, completionScript, helpText, resolve } from "./command.ts";
import { inWords } from "./duration.ts";
import { CliUsageError } from "./errors.ts";
import { colour, style } from "./io.ts";
import { spinner } from "./spinner.ts";
import { nextStep } from "./next_step.ts";
import { clean } from "./text.ts";

const help: CommandSpec = {
  name: "help",
  help: "the help of a command: cirtusai help agents delete",
  args: [["[command]", "a command, and its subcommand"]],
};

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
      {
        flags: "--timeout <seconds>",
        help: "give up on an attempt after this long (default 30; GETs are tried 3 times)",
      },
      { flags: "--json", help: "compact JSON output for scripts" },
      { flags: "--debug", help: "show stack traces on errors" },
      { flags: "-V, --version", help: "print the CLI's and the runtime's versions" },
    ],
    // One line per command: another module's command is one import and one line here.
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
      help,
    ],
    examples: [
      ["a local API to try everything on", "cirtusai emulator &"],
      [
        "an account: the QR code, then a code from the app",
        "cirtusai auth register ada ada@example.com",
      ],
      ["who am I, and does the server agree?", "cirtusai whoami --check"],
      ["lists are tables at a terminal, JSON in a pipe", "cirtusai agents list"],
    ],
  };
}

/**
 * An error's message as shown: a server's text on one line, its controls made harmless; a 429's
 * "Try again later." replaced by when, from `Retry-After`.
 */
function shownMessage(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  if (!(err instanceof APIError)) return clean(message, { lines: true });
  const wait = err instanceof RateLimitError ? err.retryAfter : null;
  const text = wait === null
    ? message
    : `${message.replace(/[.;,]?\s*(please )?try again later\.?\s*$/i, "")}; try again in ${
      inWords(wait, { up: true })
    }`;
  return clean(text);
}

/**
 * Runs the CLI with `argv` (without the program name); returns the exit code.
 *
 * @example
 * ```ts
 * import { main } from "@cirtusai/sdk/cli";
 * const code = await main(["totp", "code", "JBSWY3DPEHPK3PXP"]); // prints the current code
 * ```
 */
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
      const width = sys.stdout.isTerminal() ? sys.columns() ?? 80 : 80;
      console.log(helpText(resolution.path, Math.max(40, width)));
      return 0;
    }
    await resolution.path.at(-1)!.run!(resolution.parsed);
    return sys.exitCode ?? 0;
  } catch (err) {
    spinner.stop();
    const usage = err instanceof CliUsageError || err instanceof InvalidArgumentError;
    const [first, ...rest] = shownMessage(err).split("\n");
    console.error(`${red("error:")} ${first}`);
    for (const line of rest) console.error(line);
    const hint = nextStep(err, { apiUrl });
    if (hint) console.error(`hint: ${hint}`);
    if (debug && err instanceof Error && err.stack) {
      console.error(clean(err.stack, { lines: true }));
    }
    return usage ? 2 : 1;
  } finally {
    spinner.stop();
  }
}
