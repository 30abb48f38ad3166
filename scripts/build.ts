// `deno task build`: ESM bundles with `deno bundle` into dist/ (ignored by git):
//   dist/cirtusai.js        the SDK (mod.ts), readable
//   dist/cirtusai.min.js    the SDK, minified
//   dist/cirtusai-did.js    did:key and VC-JWT tools (src/did.ts), readable
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

/** Builds every bundle; returns their paths and sizes. */
export async function build(): Promise<{ path: string; bytes: number; gzip: number }[]> {
  await Deno.mkdir("dist", { recursive: true });
  const outputs: [string, string, boolean][] = [
    ["mod.ts", "dist/cirtusai.js", false],
    ["mod.ts", "dist/cirtusai.min.js", true],
    ["src/did.ts", "dist/cirtusai-did.js", false],
    ["examples/edge/cloudflare_worker.ts", "dist/cirtusai-proxy.js", true],
  ];
  return await Promise.all(outputs.map(async ([entry, out, minify]) => {
    const bytes = await bundle(entry, out, { minify });
    return { path: out, bytes: bytes.length, gzip: await gzipSize(bytes) };
  }));
}

if (import.meta.main) {
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
  console.log("| bundle | size | gzip |\n|---|---|---|");
  for (const b of await build()) console.log(`| ${b.path} | ${kb(b.bytes)} | ${kb(b.gzip)} |`);
}
