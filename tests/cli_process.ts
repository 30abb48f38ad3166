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

/**
 * Runs `command` in a pseudo-terminal (`script`), typing each answer once its prompt has appeared
 * (after `typeDelayMs`, by which time the prompt has put the terminal in raw mode), like a person.
 * Returns the exit code and everything the terminal showed.
 */
export async function runInTerminal(
  command: string[],
  options: {
    env: Record<string, string>;
    answers?: [prompt: string, typed: string][];
    cwd?: string;
    /** Only `env` (default), or `env` over this process's environment. */
    clearEnv?: boolean;
    typeDelayMs?: number;
  },
): Promise<{ code: number; screen: string }> {
  const child = new Deno.Command("script", {
    args: ["-qfec", command.map(quote).join(" "), "/dev/null"],
    cwd: options.cwd,
    env: options.env,
    clearEnv: options.clearEnv ?? true,
    stdin: "piped",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const writer = child.stdin.getWriter();
  let screen = "";
  const pending = [...(options.answers ?? [])];
  for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
    screen += chunk;
    while (pending.length && screen.includes(pending[0][0])) {
      const [, typed] = pending.shift()!;
      await new Promise((resolve) => setTimeout(resolve, options.typeDelayMs ?? 50));
      await writer.write(new TextEncoder().encode(typed));
    }
  }
  await writer.close().catch(() => {});
  const { code } = await child.status;
  return { code, screen };
}
