/**
 * The CLI's command framework: a declarative tree of commands, parsed by hand. It imports
 * nothing, so that `cirtusai --help` or `cirtusai totp code` start about as fast as an empty
 * program (a general-purpose parser from npm cost 40 ms of start-up alone); each command's work
 * is in its handler, which imports what it needs only when it runs.
 *
 * @module
 */
import { CliUsageError } from "./errors.ts";
import { displayWidth, pad, wrap } from "./text.ts";

/** An option: `--name`, `--name <value>`, or `-x, --name <value>`. */
export interface OptionSpec {
  /** The flags, commander style: `"--code <code>"`, `"--json"`, `"-V, --version"`. */
  flags: string;
  /** One line of help. */
  help: string;
  /** Allowed values. */
  choices?: string[];
  /** The value when the option is not given. */
  default?: string;
  /** An environment variable read when the option is not given. */
  env?: string;
}

/** The values a handler receives. */
export interface Parsed {
  /** Positional arguments, in order (optional ones may be undefined). */
  args: (string | undefined)[];
  /** Options by camel-cased name: strings, or true for flags. */
  opts: Record<string, string | true | undefined>;
  /** The global options (those of the root command). */
  globals: Record<string, string | true | undefined>;
}

/** A command: a group of subcommands, or one with a handler. */
export interface CommandSpec {
  /** Its name. */
  name: string;
  /** One line of help. */
  help: string;
  /** Positional arguments: `"<name>"` required, `"[name]"` optional, each with help. */
  args?: [spec: string, help: string][];
  /** Its options. */
  options?: OptionSpec[];
  /** Subcommands. */
  commands?: CommandSpec[];
  /** Runs the command. */
  run?: (input: Parsed) => Promise<void>;
  /** More help, shown after the options (notes). */
  epilog?: string;
  /** Examples for its help: what it does, then the command line. */
  examples?: [what: string, command: string][];
}

interface Flag {
  short?: string;
  long: string;
  key: string;
  takesValue: boolean;
  spec: OptionSpec;
}

function flagOf(spec: OptionSpec): Flag {
  const m = spec.flags.match(/^(?:-(\w), )?--([\w-]+)(?: <[\w-]+>)?$/);
  if (!m) throw new Error(`bad option spec ${spec.flags}`);
  const key = m[2].replace(/-(\w)/g, (_, c: string) => c.toUpperCase());
  return { short: m[1], long: m[2], key, takesValue: spec.flags.includes("<"), spec };
}

/** Edit distance, for "did you mean". */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const next = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = row[j];
      row[j] = next;
    }
  }
  return row[b.length];
}

function suggestion(word: string, candidates: string[]): string {
  const best = candidates
    .map((c) => [c, distance(word, c)] as const)
    .filter(([c, d]) => d <= Math.max(1, Math.floor(c.length / 3)))
    .sort((a, b) => a[1] - b[1])[0];
  return best ? `\n(Did you mean ${best[0]}?)` : "";
}

/** The result of parsing: a command to run, or help to print. */
export type Resolution =
  | { kind: "run"; path: CommandSpec[]; parsed: Parsed }
  | { kind: "help"; path: CommandSpec[] }
  | { kind: "version" };

/**
 * Parses `argv` against `root`: global options (the root's) are recognised anywhere; `--opt=v`
 * and `--opt v` both work; `--` ends the options.
 */
export function resolve(root: CommandSpec, argv: string[]): Resolution {
  const path: CommandSpec[] = [root];
  const globals = (root.options ?? []).map(flagOf);
  const values: Record<string, string | true | undefined> = {};
  const positional: string[] = [];
  let help = false;
  let ended = false;
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i];
    const current = path[path.length - 1];
    if (!ended && word === "--") {
      ended = true;
      continue;
    }
    if (!ended && word.startsWith("-") && word !== "-") {
      if (word === "-h" || word === "--help") {
        help = true;
        continue;
      }
      const [name, inline] = word.split(/=(.*)/s, 2) as [string, string | undefined];
      const flags = [...globals, ...path.slice(1).flatMap((c) => (c.options ?? []).map(flagOf))];
      const flag = flags.find((f) =>
        (name.startsWith("--") ? `--${f.long}` : `-${f.short}`) === name
      );
      // A value such as a token may start with "-" (base64url): no option is spelt "-xy…" (short
      // options are one letter), so a word of that shape goes to an argument the command expects.
      if (!flag && /^-[^-]./.test(word) && positional.length < (current.args?.length ?? 0)) {
        positional.push(word);
        continue;
      }
      if (!flag) {
        throw new CliUsageError(
          `unknown option '${name}'${suggestion(name, flags.map((f) => `--${f.long}`))}`,
        );
      }
      if (flag.key === "version" && path.length === 1) return { kind: "version" };
      if (!flag.takesValue) {
        if (inline !== undefined) throw new CliUsageError(`option '${name}' takes no value`);
        values[flag.key] = true;
        continue;
      }
      const value = inline ?? argv[++i];
      if (value === undefined) throw new CliUsageError(`option '${name}' needs a value`);
      if (flag.spec.choices && !flag.spec.choices.includes(value)) {
        throw new CliUsageError(
          `option '${name}' must be one of ${flag.spec.choices.join(", ")} (got '${value}')`,
        );
      }
      values[flag.key] = value;
      continue;
    }
    if (path.length === 1 && positional.length === 0 && word === "help") {
      // `cirtusai help agents delete`: the help of the command the other words name.
      return { kind: "help", path: commandPath(root, argv.slice(i + 1)) };
    }
    if (current.commands && positional.length === 0) {
      const next = current.commands.find((c) => c.name === word);
      if (!next) {
        throw new CliUsageError(
          `unknown command '${word}'${suggestion(word, current.commands.map((c) => c.name))}`,
        );
      }
      path.push(next);
      continue;
    }
    positional.push(word);
  }
  const command = path[path.length - 1];
  if (help || !command.run) return { kind: "help", path };
  const specs = command.args ?? [];
  const required = specs.filter(([s]) => s.startsWith("<")).length;
  if (positional.length < required) {
    const missing = specs[positional.length][0].replace(/[<>]/g, "");
    throw new CliUsageError(`missing argument '${missing}' (add --help for usage)`);
  }
  if (positional.length > specs.length) {
    throw new CliUsageError(
      `too many arguments: '${positional.slice(specs.length).join(" ")}' (add --help for usage)`,
    );
  }
  const opts: Parsed["opts"] = {};
  const globalValues: Parsed["globals"] = {};
  for (const flag of path.slice(1).flatMap((c) => (c.options ?? []).map(flagOf))) {
    opts[flag.key] = values[flag.key] ?? envOrDefault(flag.spec);
  }
  for (const flag of globals) globalValues[flag.key] = values[flag.key] ?? envOrDefault(flag.spec);
  return {
    kind: "run",
    path,
    parsed: { args: specs.map((_, i) => positional[i]), opts, globals: globalValues },
  };
}

/** The commands `words` name (options are skipped), from `root`. */
function commandPath(root: CommandSpec, words: string[]): CommandSpec[] {
  const path = [root];
  for (const word of words.filter((w) => !w.startsWith("-"))) {
    const commands = path[path.length - 1].commands ?? [];
    const next = commands.find((c) => c.name === word);
    if (!next) {
      throw new CliUsageError(
        `no help for '${word}': unknown command${suggestion(word, commands.map((c) => c.name))}`,
      );
    }
    path.push(next);
  }
  return path;
}

function envOrDefault(spec: OptionSpec): string | undefined {
  return (spec.env ? readEnv(spec.env) : undefined) ?? spec.default;
}

function readEnv(name: string): string | undefined {
  return (globalThis as { Deno?: { env: { get(n: string): string | undefined } } }).Deno?.env
    .get(name) || undefined;
}

/**
 * The help text of the command at the end of `path`, wrapped at word boundaries to `width`
 * columns (the terminal's; 80 elsewhere).
 */
export function helpText(path: CommandSpec[], width = 80): string {
  const command = path[path.length - 1];
  const name = path.map((c) => c.name).join(" ");
  const args = (command.args ?? []).map(([s]) => ` ${s}`).join("");
  const lines: string[] = [];
  const para = (text: string) => lines.push(...wrap(text, width));
  para(
    `Usage: ${name}${command.commands ? " <command>" : ""}${
      command.options?.length ? " [options]" : ""
    }${args}`,
  );
  lines.push("");
  para(command.help);
  const table = (title: string, rows: [string, string][]) => {
    if (!rows.length) return;
    lines.push("", `${title}:`);
    const left = Math.max(...rows.map(([a]) => displayWidth(a)));
    // A narrow terminal: each description on its own lines under its name.
    const below = left + 4 > width / 2;
    const indent = below ? 6 : left + 4;
    for (const [a, b] of rows) {
      const text = wrap(b, Math.max(20, width - indent));
      if (below) {
        lines.push(`  ${a}`, ...text.map((t) => " ".repeat(indent) + t));
      } else {
        lines.push(
          `  ${pad(a, left)}  ${text[0]}`,
          ...text.slice(1).map((t) => " ".repeat(indent) + t),
        );
      }
    }
  };
  table("Arguments", (command.args ?? []).map(([s, h]) => [s.replace(/[<>[\]]/g, ""), h]));
  const describe = (o: OptionSpec) =>
    `${o.help}${o.choices ? ` (${o.choices.join(", ")})` : ""}${
      o.default !== undefined ? ` (default: ${o.default})` : ""
    }${o.env ? ` (env ${o.env})` : ""}`;
  table("Options", [
    ...(command.options ?? []).map((o): [string, string] => [o.flags, describe(o)]),
    ["-h, --help", "show this help"],
  ]);
  if (path.length > 1) {
    table("Global options", (path[0].options ?? []).map((o) => [o.flags, describe(o)]));
  }
  table("Commands", (command.commands ?? []).map((c) => [c.name, c.help]));
  if (command.examples?.length) {
    lines.push("", "Examples:");
    for (const [what, line] of command.examples) {
      // A long command line goes on with a shell continuation: it still runs as pasted.
      const parts = wrap(line, width - 6);
      lines.push(
        ...wrap(what, width - 4).map((w) => `  # ${w}`),
        ...parts.map((p, i) => `${i ? "    " : "  "}${p}${i < parts.length - 1 ? " \\" : ""}`),
      );
    }
  }
  if (command.epilog) {
    lines.push("");
    para(command.epilog);
  }
  if (command.commands) {
    lines.push("");
    para(
      `Run '${path[0].name} help ${
        path.slice(1).map((c) => `${c.name} `).join("")
      }COMMAND' for a command's options and examples.`,
    );
  }
  return lines.join("\n");
}

/**
 * Completion candidates for the words typed so far (the last one may be partial): subcommands,
 * then options, of the command the words lead to.
 */
export function completions(root: CommandSpec, words: string[]): string[] {
  const path: CommandSpec[] = [root];
  const partial = words.at(-1) ?? "";
  for (const word of words.slice(0, -1)) {
    const next = path[path.length - 1].commands?.find((c) => c.name === word);
    if (next) path.push(next);
  }
  const command = path[path.length - 1];
  const options = [...path.flatMap((c) => c.options ?? []), { flags: "--help", help: "" }]
    .map((o) => `--${flagOf(o).long}`);
  const candidates = partial.startsWith("-")
    ? options
    : (command.commands ?? []).map((c) => c.name);
  return candidates.filter((c) => c.startsWith(partial));
}

/** A completion script for `shell` that asks `cirtusai __complete` for candidates. */
export function completionScript(shell: string, program: string): string {
  switch (shell) {
    case "bash":
      return `# ${program} completion for bash: add to ~/.bashrc
#   source <(${program} completion bash)
_${program}_complete() {
  local IFS=$'\\n'
  COMPREPLY=($(${program} __complete "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null))
}
complete -o default -F _${program}_complete ${program}
`;
    case "zsh":
      return `#compdef ${program}
# ${program} completion for zsh: add to ~/.zshrc
#   source <(${program} completion zsh)
_${program}() {
  local -a candidates
  candidates=("\${(@f)$(${program} __complete "\${(@)words[2,CURRENT]}" 2>/dev/null)}")
  compadd -a candidates
}
compdef _${program} ${program}
`;
    case "fish":
      return `# ${program} completion for fish: save as ~/.config/fish/completions/${program}.fish
#   ${program} completion fish > ~/.config/fish/completions/${program}.fish
complete -c ${program} -f -a '(${program} __complete (commandline -opc)[2..-1] (commandline -ct) 2>/dev/null)'
`;
    default:
      throw new CliUsageError(`no completion for '${shell}': choose bash, zsh or fish`);
  }
}
