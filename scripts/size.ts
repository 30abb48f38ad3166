// `deno task size`: bundles mod.ts (and the proxy, when present) with `deno bundle --minify`
// into dist/ and prints the raw and gzipped sizes against the SDK's 10 KB budget.
const BUDGET_GZIP = 10 * 1024;

async function bundle(entry: string, out: string): Promise<Uint8Array> {
  const result = await new Deno.Command(Deno.execPath(), {
    args: [
      "bundle",
      "--quiet",
      "--minify",
      "--platform",
      "browser",
      "--format",
      "esm",
      "-o",
      out,
      entry,
    ],
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (!result.success) throw new Error(`deno bundle ${entry} failed`);
  return await Deno.readFile(out);
}

async function gzipSize(bytes: Uint8Array<ArrayBuffer>): Promise<number> {
  const stream = new Blob([bytes]).stream().pipeThrough(new CompressionStream("gzip"));
  return (await new Response(stream).arrayBuffer()).byteLength;
}

await Deno.mkdir("dist", { recursive: true });
const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
const sdk = await bundle("mod.ts", "dist/cirtusai.min.js") as Uint8Array<ArrayBuffer>;
const gz = await gzipSize(sdk);
console.log("| bundle | minified | min+gzip | budget |");
console.log("|---|---|---|---|");
console.log(`| mod.ts | ${kb(sdk.length)} | ${kb(gz)} | ${kb(BUDGET_GZIP)} |`);
if (gz > BUDGET_GZIP) {
  console.error(`error: the SDK bundle is ${kb(gz)} gzipped, over its ${kb(BUDGET_GZIP)} budget`);
  Deno.exit(1);
}
