// `deno task build [--out DIR]`: ESM bundles with `deno bundle` into dist/ (ignored by git), or
// DIR (a test that needs bundles of its own, while another test rebuilds dist/):
//   dist/cirtusai.js        the SDK (mod.ts), readable
//   dist/cirtusai.min.js    the SDK, minified
//   dist/cirtusai-did.js    did:key and VC-JWT tools (src/sdk/did.ts), readable
//   dist/cirtusai-proxy.js  the edge proxy as a Worker module (examples/edge/cloudflare_worker.ts)
import { fail, main, runJson } from "./run.ts";

/** Bundles `entry` into `out`; resolves to the bundle's bytes. */
export async function bundle(
  entry: string,
  out: string,
  options: { minify?: boolean } = {},
): Promise<Uint8Array<ArrayBuffer>> {
  if (ready) {
    await ready;
    await runBundle(entry, out, options);
  } else {
    ready = alone(() => runBundle(entry, out, options));
    await ready;
  }
  return await Deno.readFile(out);
}

async function runBundle(entry: string, out: string, options: { minify?: boolean }) {
  const args = ["bundle", "--quiet", "--platform", "browser", "--format", "esm", "-o", out, entry];
  if (options.minify) args.splice(2, 0, "--minify");
  const result = await new Deno.Command(Deno.execPath(), {
    args,
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (!result.success) fail(`deno bundle ${entry} failed (its error is above)`);
}

// `deno bundle` downloads esbuild into Deno's cache the first time, and several processes doing
// that at once fail ("failed to copy esbuild binary"). So each process's first bundle runs alone,
// under a lock on a file in that cache shared by every process of this repository's scripts and
// tests; once it has run, esbuild is there and the rest run in parallel.
let ready: Promise<void> | undefined;
async function alone(first: () => Promise<void>): Promise<void> {
  const cache = (await runJson<{ denoDir: string }>(Deno.execPath(), ["info", "--json"])).denoDir;
  await Deno.mkdir(cache, { recursive: true });
  using lock = await Deno.open(`${cache}/cirtusai-bundle.lock`, { create: true, write: true });
  await lock.lock(true);
  await first();
}

/** Gzipped size of `bytes`. */
export async function gzipSize(bytes: Uint8Array<ArrayBuffer>): Promise<number> {
  const stream = new Blob([bytes]).stream().pipeThrough(new CompressionStream("gzip"));
  return (await new Response(stream).arrayBuffer()).byteLength;
}

/** Builds every bundle into `outDir`; returns their paths and sizes. */
export async function build(
  outDir = "dist",
): Promise<{ path: string; bytes: number; gzip: number }[]> {
  await Deno.mkdir(outDir, { recursive: true });
  const outputs: [string, string, boolean][] = [
    ["mod.ts", `${outDir}/cirtusai.js`, false],
    ["mod.ts", `${outDir}/cirtusai.min.js`, true],
    ["src/sdk/did.ts", `${outDir}/cirtusai-did.js`, false],
    ["examples/edge/cloudflare_worker.ts", `${outDir}/cirtusai-proxy.js`, true],
  ];
  const built = await Promise.all(outputs.map(async ([entry, out, minify]) => {
    const bytes = await bundle(entry, out, { minify });
    return { path: out, bytes: bytes.length, gzip: await gzipSize(bytes) };
  }));
  await declarations(outDir);
  return built;
}

/**
 * Types for the browser bundles: the `.d.ts` files `deno pack` generates, in `outDir`/types/, and
 * a `.d.ts` beside each bundle that re-exports its entry's.
 */
export async function declarations(outDir = "dist"): Promise<void> {
  const work = await Deno.makeTempDir({ prefix: "cirtusai-types-" });
  try {
    const pack = await new Deno.Command(Deno.execPath(), {
      args: ["pack", "--allow-dirty", "--quiet", "-o", `${work}/p.tgz`],
      stdout: "null",
      stderr: "piped",
    }).output();
    if (!pack.success) fail(new TextDecoder().decode(pack.stderr).trim());
    const tar = await new Deno.Command("tar", { args: ["xzf", `${work}/p.tgz`, "-C", work] })
      .output();
    if (!tar.success) fail("tar could not unpack the package");
    await Deno.remove(`${outDir}/types`, { recursive: true }).catch(() => {});
    const copy = async (from: string, to: string) => {
      for await (const e of Deno.readDir(from)) {
        if (e.isDirectory) {
          await Deno.mkdir(`${to}/${e.name}`, { recursive: true });
          await copy(`${from}/${e.name}`, `${to}/${e.name}`);
        } else if (e.name.endsWith(".d.ts")) {
          await Deno.copyFile(`${from}/${e.name}`, `${to}/${e.name}`);
        }
      }
    };
    await Deno.mkdir(`${outDir}/types`, { recursive: true });
    await copy(`${work}/package`, `${outDir}/types`);
    for (
      const [bundle, entry] of [
        ["cirtusai", "mod"],
        ["cirtusai.min", "mod"],
        ["cirtusai-did", "src/sdk/did"],
      ]
    ) {
      await Deno.writeTextFile(
        `${outDir}/${bundle}.d.ts`,
        `export * from "./types/${entry}.js";\n`,
      );
    }
  } finally {
    await Deno.remove(work, { recursive: true });
  }
}

if (import.meta.main) {
  await main(async () => {
    const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
    const out = Deno.args[0] === "--out" && Deno.args[1] ? Deno.args[1] : "dist";
    const built = await build(out);
    console.log("| bundle | size | gzip |\n|---|---|---|");
    for (const b of built) console.log(`| ${b.path} | ${kb(b.bytes)} | ${kb(b.gzip)} |`);
  });
}
