// Running a command line program as its user would: with pipes, or at a pseudo-terminal.

/** What a piped run printed, and how it exited. */
export interface PipedRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `command` in a clean environment (`env` only), writes `stdin` and closes it. */
export async function runPiped(
  command: string[],
  options: { env: Record<string, string>; stdin?: string; cwd?: string },
): Promise<PipedRun> {
  const [program, ...args] = command;
  const child = new Deno.Command(program, {
    args,
    cwd: options.cwd,
    env: options.env,
    clearEnv: true,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  if (options.stdin) await writer.write(new TextEncoder().encode(options.stdin));
  await writer.close();
  const out = await child.output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}

/** `s` quoted for a POSIX shell. */
export function quote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

/** What to type at a prompt: text, or text computed from what the screen shows so far. */
export type Typed = string | ((screen: string) => string | Promise<string>);

/**
 * Runs `command` in a pseudo-terminal (`script`), typing each answer once its prompt has appeared
 * (after `typeDelayMs`, by which time the prompt has put the terminal in raw mode), like a person.
 * `columns` sets the terminal's width (`stty cols`). Returns the exit code and everything the
 * terminal showed.
 */
export async function runInTerminal(
  command: string[],
  options: {
    env: Record<string, string>;
    answers?: [prompt: string | RegExp, typed: Typed][];
    cwd?: string;
    /** Only `env` (default), or `env` over this process's environment. */
    clearEnv?: boolean;
    typeDelayMs?: number;
    columns?: number;
  },
): Promise<{ code: number; screen: string }> {
  const size = options.columns ? `stty cols ${options.columns} rows 50; ` : "";
  const child = new Deno.Command("script", {
    args: ["-qfec", `${size}exec ${command.map(quote).join(" ")}`, "/dev/null"],
    cwd: options.cwd,
    env: options.env,
    clearEnv: options.clearEnv ?? true,
    stdin: "piped",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const writer = child.stdin.getWriter();
  let screen = "";
  let seen = 0; // where the next prompt is looked for: each answer after the previous prompt
  const pending = [...(options.answers ?? [])];
  for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
    screen += chunk;
    for (;;) {
      if (!pending.length) break;
      const [wanted, typed] = pending[0];
      const rest = screen.slice(seen);
      const at = typeof wanted === "string" ? rest.indexOf(wanted) : rest.search(wanted);
      if (at < 0) break;
      pending.shift();
      seen += at + 1;
      const delay = options.typeDelayMs ?? 50;
      if (delay) await new Promise((resolve) => setTimeout(resolve, delay));
      const text = typeof typed === "string" ? typed : await typed(screen);
      await writer.write(new TextEncoder().encode(text));
    }
  }
  await writer.close().catch(() => {});
  const { code } = await child.status;
  return { code, screen };
}

/** The CLI's entry point. */
export const CLI: string = new URL("../cli.ts", import.meta.url).pathname;

/** The command that runs the CLI with `args`. */
export function cliCommand(args: string[]): string[] {
  return [Deno.execPath(), "run", "--quiet", "-A", CLI, ...args];
}

/**
 * A clean environment for the CLI: its own config directory, the API URL, and only what Deno
 * needs of this process's (its cache, found through HOME or DENO_DIR, and PATH).
 */
export function cliEnv(config: string, apiUrl?: string): Record<string, string> {
  const keep = Object.fromEntries(
    ["HOME", "DENO_DIR", "PATH"].flatMap((n) => {
      const v = Deno.env.get(n);
      return v === undefined ? [] : [[n, v]];
    }),
  );
  return {
    ...keep,
    XDG_CONFIG_HOME: config,
    TERM: "xterm-256color",
    ...(apiUrl ? { CIRTUSAI_API_URL: apiUrl } : {}),
  };
}

async function tmux(socket: string, args: string[]): Promise<string> {
  const out = await new Deno.Command("tmux", { args: ["-L", socket, "-f", "/dev/null", ...args] })
    .output();
  if (!out.success) {
    throw new Error(`tmux ${args[0]} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
  return new TextDecoder().decode(out.stdout);
}

/**
 * A program in a tmux pane of a tmux server of its own (its own socket, so that nothing of
 * another test's or a person's tmux is touched), with the clipboard open to programs (OSC 52),
 * as a terminal that lets them set it.
 */
export class TmuxPane {
  readonly #socket: string;
  private constructor(socket: string) {
    this.#socket = socket;
  }

  /** Starts `shell` (a command line for sh) in a pane `columns` wide, environment `env` only. */
  static async start(
    shell: string,
    options: { env: Record<string, string>; columns?: number; rows?: number },
  ): Promise<TmuxPane> {
    const socket = `cirtusai-test-${crypto.randomUUID().slice(0, 8)}`;
    const vars = Object.entries(options.env).map(([k, v]) => quote(`${k}=${v}`)).join(" ");
    await tmux(socket, [
      "start-server",
      ";",
      "set",
      "-g",
      "set-clipboard",
      "on",
      ";",
      "new-session",
      "-d",
      "-s",
      "main",
      "-x",
      String(options.columns ?? 100),
      "-y",
      String(options.rows ?? 40),
      // env -i: nothing of the tmux server's environment leaks in; the pane stays after exit.
      `env -i ${vars} sh -c ${quote(shell)}; sleep 600`,
    ]);
    return new TmuxPane(socket);
  }

  /** The screen's text (`escapes`: with its colour codes). */
  capture(options: { escapes?: boolean } = {}): Promise<string> {
    return tmux(this.#socket, [
      "capture-pane",
      "-p",
      "-J",
      ...(options.escapes ? ["-e"] : []),
      "-t",
      "main",
    ]);
  }

  /** The screen once `pattern` shows on it (within `timeoutMs`). */
  async waitFor(pattern: RegExp, timeoutMs = 20_000): Promise<string> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const screen = await this.capture();
      if (pattern.test(screen)) return screen;
      if (Date.now() > end) throw new Error(`${pattern} never showed; the screen:\n${screen}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Types `text` (literally), then Enter unless `enter` is false. */
  async type(text: string, options: { enter?: boolean } = {}): Promise<void> {
    await tmux(this.#socket, ["send-keys", "-t", "main", "-l", text]);
    if (options.enter ?? true) await tmux(this.#socket, ["send-keys", "-t", "main", "Enter"]);
  }

  /** The pane's title (what a program may set with OSC 0 or 2). */
  async title(): Promise<string> {
    return (await tmux(this.#socket, ["display", "-p", "-t", "main", "#{pane_title}"])).trim();
  }

  /** tmux's paste buffers (what a program put in the clipboard with OSC 52). */
  async buffers(): Promise<string> {
    return await tmux(this.#socket, ["list-buffers"]);
  }

  /** Ends the tmux server. */
  async kill(): Promise<void> {
    await tmux(this.#socket, ["kill-server"]).catch(() => {});
  }
}

/** The password the CLI tests register with. */
export const PASSWORD = "correct horse battery";

/** An emulator on a free loopback port, a config directory, and the CLI run against them. */
export async function cliSession() {
  const { serveEmulator } = await import("../src/emulator/mod.ts");
  const emulator = await serveEmulator({ port: 0, pbkdf2Iterations: 1_000 });
  const config = await Deno.makeTempDir();
  const env = cliEnv(config, emulator.url);
  const piped = (args: string[], options: { stdin?: string; env?: Record<string, string> } = {}) =>
    runPiped(cliCommand(args), { env: { ...env, ...options.env }, stdin: options.stdin });
  const terminal = (
    args: string[],
    options: {
      answers?: [string | RegExp, Typed][];
      env?: Record<string, string>;
      columns?: number;
      typeDelayMs?: number;
    } = {},
  ) =>
    runInTerminal(cliCommand(args), {
      env: { ...env, ...options.env },
      answers: options.answers,
      columns: options.columns,
      typeDelayMs: options.typeDelayMs,
    });
  /** Registers `username` (piped, so not enrolled) and logs in; returns the TOTP secret. */
  const registerAndLogin = async (username: string): Promise<string> => {
    const reg = await piped(
      ["auth", "register", username, `${username}@example.com`, "--password-stdin", "--json"],
      { stdin: `${PASSWORD}\n` },
    );
    if (reg.code !== 0) throw new Error(reg.stderr);
    const { secret } = JSON.parse(reg.stdout);
    const login = await piped(["login", username, "--password-stdin"], {
      stdin: `${PASSWORD}\n`,
      env: { CIRTUSAI_TOTP_SECRET: secret },
    });
    if (login.code !== 0) throw new Error(login.stderr);
    return secret;
  };
  return {
    emulator,
    config,
    env,
    piped,
    terminal,
    registerAndLogin,
    cleanup: async () => {
      await emulator.close();
      await Deno.remove(config, { recursive: true });
    },
  };
}

/** A terminal's output without its colour and cursor codes, nor carriage returns. */
export function plain(screen: string): string {
  // deno-lint-ignore no-control-regex
  return screen.replace(/\x1b\[[0-9;?]*[a-zA-Z]/g, "").replace(/\r/g, "");
}
