// What the scripts share: the repository's root, running a program, and failing with one line.

/** The repository's root, with a trailing slash. */
export const repoRoot: string = new URL("..", import.meta.url).pathname;

/** A failure a script reports as one `error:` line, with no stack trace. */
export class ScriptError extends Error {
  override name = "ScriptError";
}

/** Stops the script with `message` (see {@linkcode main}). */
export function fail(message: string): never {
  throw new ScriptError(message);
}

/** Runs `cmd`; resolves to its standard output, or fails with its last lines of errors. */
export async function run(cmd: string, args: string[], cwd = repoRoot): Promise<string> {
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command(cmd, { args, cwd, stdout: "piped", stderr: "piped" }).output();
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) fail(`${cmd} is not installed (it is on no PATH)`);
    throw err;
  }
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  if (!out.success) {
    const tail = decode(out.stderr).trim().split("\n").slice(-8).join("\n");
    fail(`${cmd} ${args.slice(0, 3).join(" ")} failed (exit ${out.code}):\n${tail}`);
  }
  return decode(out.stdout);
}

/** Runs `cmd` and parses its standard output as JSON. */
export async function runJson<T>(cmd: string, args: string[], cwd = repoRoot): Promise<T> {
  return JSON.parse(await run(cmd, args, cwd)) as T;
}

/** Runs a script's body: any failure is one `error:` line on stderr and exit code 1. */
export async function main(body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    console.error(`error: ${message}`);
    if (!(err instanceof ScriptError) && Deno.env.get("CIRTUSAI_DEBUG")) console.error(err);
    Deno.exit(1);
  }
}

/** Whether `path` exists. */
export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}
