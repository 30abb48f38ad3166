// The tools the build runs from npm, pinned in scripts/tools/package.json (and its lock): bun,
// which `deno task compile` uses for one binary, and the runtime tests run the SDK on.
import { exists, fail, repoRoot, run } from "./run.ts";

const TOOLS = `${repoRoot}scripts/tools`;

/**
 * The path of the pinned bun's executable. `install`: run `npm ci` for it when it is missing
 * (scripts that run alone; the tests get it from `deno task test`'s setup).
 */
export async function bunPath(options: { install?: boolean } = {}): Promise<string> {
  let found = await find();
  if (!found && options.install) {
    // The bun package's install script only links its platform package's executable, which is
    // used here directly: no script needs to run.
    await run("npm", ["ci", "--prefix", TOOLS, "--ignore-scripts", "--no-audit", "--no-fund"]);
    found = await find();
  }
  if (!found) {
    fail(
      `bun is not installed in ${TOOLS}: run npm ci --prefix scripts/tools --ignore-scripts ` +
        "(deno task test does it)",
    );
  }
  return found!;
}

async function find(): Promise<string | undefined> {
  // bun's executable is in the optional package for this platform (@oven/bun-linux-x64, ...).
  try {
    for await (const e of Deno.readDir(`${TOOLS}/node_modules/@oven`)) {
      const path = `${TOOLS}/node_modules/@oven/${e.name}/bin/bun`;
      if (await exists(path)) return path;
    }
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  return undefined;
}
