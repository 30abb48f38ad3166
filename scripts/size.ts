// `deno task size`: the SDK bundle (mod.ts with `deno bundle --minify`), minified and gzipped,
// against its 10 KB budget.
import { bundle, gzipSize } from "./build.ts";
import { fail, main } from "./run.ts";

const BUDGET_GZIP = 10 * 1024;
const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;

await main(async () => {
  await Deno.mkdir("dist", { recursive: true });
  const sdk = await bundle("mod.ts", "dist/cirtusai.min.js", { minify: true });
  const gz = await gzipSize(sdk);
  console.log("| bundle | minified | min+gzip | budget |");
  console.log("|---|---|---|---|");
  console.log(`| mod.ts | ${kb(sdk.length)} | ${kb(gz)} | ${kb(BUDGET_GZIP)} |`);
  if (gz > BUDGET_GZIP) {
    fail(`the SDK bundle is ${kb(gz)} gzipped, over its ${kb(BUDGET_GZIP)} budget`);
  }
});
