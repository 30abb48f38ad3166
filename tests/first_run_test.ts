// Issue 25: on a fresh machine, the first `deno task build` and the tests that bundle, started at
// once, all pass. `deno bundle` downloads esbuild into Deno's cache the first time it runs, and
// several processes doing that at once failed ("failed to copy esbuild binary"). Each round here
// is a fresh machine's first run: an empty DENO_DIR, and every way the tests and tasks bundle
// (`deno task build`, `deno task size`, build.ts --out as the npm test runs it, build() as the
// runtime tests call it), started in parallel.
import assert from "node:assert/strict";

const ROOT = new URL("..", import.meta.url).pathname;
const ROUNDS = 2;

async function run(args: string[], env: Record<string, string>) {
  const out = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT,
    env: { ...env, NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const t = (b: Uint8Array) => new TextDecoder().decode(b);
  return { args: args.join(" "), code: out.code, output: t(out.stdout) + t(out.stderr) };
}

Deno.test("first run: with an empty Deno cache, everything that bundles can start at once", async () => {
  for (let round = 1; round <= ROUNDS; round++) {
    const denoDir = await Deno.makeTempDir({ prefix: "cirtusai-fresh-deno-" });
    const out = await Deno.makeTempDir({ prefix: "cirtusai-fresh-out-" });
    try {
      const env = { DENO_DIR: denoDir };
      const runtimeTests =
        `import { build } from "${ROOT}scripts/build.ts"; await build("${out}/c");`;
      const results = await Promise.all([
        run(["task", "--quiet", "build", "--out", `${out}/a`], env),
        run(["run", "-A", "scripts/build.ts", "--out", `${out}/b`], env),
        run(["eval", runtimeTests], env),
        run(["task", "--quiet", "size"], env),
      ]);
      for (const r of results) {
        assert.equal(r.code, 0, `round ${round}: ${r.args} failed:\n${r.output}`);
        assert.doesNotMatch(r.output, /failed to copy esbuild/);
      }
      for (const dir of ["a", "b", "c"]) {
        const bundle = await Deno.readTextFile(`${out}/${dir}/cirtusai.min.js`);
        assert.match(bundle, /CirtusAIClient/);
      }
    } finally {
      await Deno.remove(denoDir, { recursive: true });
      await Deno.remove(out, { recursive: true });
    }
  }
});
