// `deno task compile [--out PATH]`: the CLI as one executable for this machine, dist/cirtusai (or
// PATH), which needs neither Deno nor Node. It is the npm package's own Node entry (the
// `cirtusai` bin) compiled by `bun build --compile`: the three packages are packed from the tree,
// installed with npm into a scratch project (no install scripts; the npm dependencies at the
// versions deno.lock holds), and bun, pinned in scripts/tools/, bundles them with its runtime.
// This works offline once npm's cache holds the dependencies. Where Deno can download its own
// runtime for `deno compile`, `deno compile -A --output dist/cirtusai cli.ts` is the other way.
import { pack } from "./pack.ts";
import { fail, main, repoRoot, run } from "./run.ts";
import { bunPath } from "./tools.ts";

/**
 * Packs the three packages and installs them with npm into `dir` (a scratch project; no install
 * scripts; npm packages at deno.lock's versions). Resolves to the `cirtusai` bin's Node entry.
 */
export async function installCli(dir: string): Promise<string> {
  const packed = await pack({ outDir: `${dir}/tarballs`, allowDirty: true });
  // deno.lock's versions of the npm packages, so that the binary runs what the tests ran.
  const lock = JSON.parse(await Deno.readTextFile(`${repoRoot}deno.lock`));
  const locked: Record<string, string> = {};
  for (const key of Object.keys(lock.npm ?? {})) {
    const at = key.lastIndexOf("@");
    locked[key.slice(0, at)] = key.slice(at + 1).split("_")[0];
  }
  const wanted = new Set(packed.flatMap((p) => Object.keys(p.dependencies)));
  await Deno.writeTextFile(
    `${dir}/package.json`,
    JSON.stringify({
      name: "cirtusai-compile",
      private: true,
      type: "module",
      dependencies: Object.fromEntries(packed.map((p) => [p.name, `file:${p.tarball}`])),
      overrides: Object.fromEntries(Object.entries(locked).filter(([name]) => wanted.has(name))),
    }),
  );
  await run(
    "npm",
    ["install", "--ignore-scripts", "--no-audit", "--no-fund", "--prefer-offline"],
    dir,
  );
  return `${dir}/node_modules/cirtusai/bin/cirtusai.js`;
}

/** Compiles the CLI into `out`; resolves to the executable's size in bytes. */
export async function compile(out = `${repoRoot}dist/cirtusai`): Promise<number> {
  const bun = await bunPath({ install: true });
  const work = await Deno.makeTempDir({ prefix: "cirtusai-compile-" });
  try {
    const entry = await installCli(work);
    await Deno.mkdir(out.split("/").slice(0, -1).join("/") || ".", { recursive: true });
    await run(bun, ["build", "--compile", "--minify", "--outfile", out, entry], work);
    const size = (await Deno.stat(out)).size;
    if (!size) fail(`bun wrote an empty ${out}`);
    return size;
  } finally {
    await Deno.remove(work, { recursive: true });
  }
}

if (import.meta.main) {
  await main(async () => {
    const i = Deno.args.indexOf("--out");
    const out = i >= 0 ? Deno.args[i + 1] : `${repoRoot}dist/cirtusai`;
    const size = await compile(out);
    console.log(`${out} (${(size / 1024 / 1024).toFixed(1)} MB): run it with --help`);
  });
}
