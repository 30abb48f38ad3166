// `deno task build [--out DIR]`: ESM bundles with `deno bundle` into dist/ (ignored by git), or
// DIR (a test that needs bundles of its own, while another test rebuilds dist/):
//   dist/cirtusai.js        the SDK (mod.ts), readable
//   dist/cirtusai.min.js    the SDK, minified
//   dist/cirtusai-did.js    did:key and VC-JWT tools (src/sdk/did.ts), readable
//   dist/cirtusai-proxy.js  the edge proxy as a Worker module (examples/edge/cloudflare_worker.ts)

/** Bundles `entry` into `out`; resolves to the bundle's bytes. */
export async function bundle(
  entry: string,
  out: string,
  options: { minify?: boolean } = {},
): Promise<Uint8Array<ArrayBuffer>> {
  const args = ["bundle", "--quiet", "--platform", "browser", "--format", "esm", "-o", out, entry];
  if (options.minify) args.splice(2, 0, "--minify");
  const result = await new Deno.Command(Deno.execPath(), {
    args,
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (!result.success) throw new Error(`deno bundle ${entry} failed`);
  return await Deno.readFile(out);
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
    if (!pack.success) throw new Error(new TextDecoder().decode(pack.stderr));
    const tar = await new Deno.Command("tar", { args: ["xzf", `${work}/p.tgz`, "-C", work] })
      .output();
    if (!tar.success) throw new Error("tar could not unpack the package");
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
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
  const out = Deno.args[0] === "--out" && Deno.args[1] ? Deno.args[1] : "dist";
  console.log("| bundle | size | gzip |\n|---|---|---|");
  for (const b of await build(out)) console.log(`| ${b.path} | ${kb(b.bytes)} | ${kb(b.gzip)} |`);
}
