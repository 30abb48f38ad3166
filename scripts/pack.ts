// `deno task pack`: the npm package, dist/cirtusai-sdk-<version>.tgz. `deno pack` writes the ESM
// and the .d.ts of every export; this adds what an npm user also expects: the `cirtusai` bin (on
// Node 20+), `engines`, and no files that only Deno's own tooling reads.
const root = new URL("..", import.meta.url).pathname;
const work = await Deno.makeTempDir({ prefix: "cirtusai-pack-" });

async function run(cmd: string, args: string[], cwd = root): Promise<string> {
  const out = await new Deno.Command(cmd, { args, cwd, stdout: "piped", stderr: "piped" }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  if (!out.success) throw new Error(`${cmd} ${args.join(" ")} failed:\n${text(out.stderr)}`);
  return text(out.stdout);
}

try {
  await run(Deno.execPath(), ["pack", "--allow-dirty", "--quiet", "-o", `${work}/deno.tgz`]);
  await run("tar", ["xzf", `${work}/deno.tgz`, "-C", work]);
  const dir = `${work}/package`;
  const pkg = JSON.parse(await Deno.readTextFile(`${dir}/package.json`));
  pkg.description = "The CirtusAI SDK for TypeScript: 2FA accounts, agents, wallets and " +
    "verifiable credentials; with a local emulator of the API, an edge proxy and a CLI.";
  pkg.bin = { cirtusai: "./bin/cirtusai.js" };
  pkg.engines = { node: ">=20" };
  pkg.sideEffects = false;
  await Deno.writeTextFile(`${dir}/package.json`, JSON.stringify(pkg, null, 2) + "\n");
  await Deno.mkdir(`${dir}/bin`);
  await Deno.writeTextFile(
    `${dir}/bin/cirtusai.js`,
    `#!/usr/bin/env node
// The cirtusai command on Node: the same CLI as \`deno run -A cli.ts\`.
import process from "node:process";
import { main } from "../cli.js";

process.on("SIGINT", () => process.exit(130));
process.exitCode = await main(process.argv.slice(2));
`,
    { mode: 0o755 },
  );
  await Deno.remove(`${dir}/deno.lock`).catch(() => {});
  await Deno.mkdir(`${root}dist`, { recursive: true });
  const name = (await run("npm", ["pack", "--silent", "--pack-destination", `${root}dist`], dir))
    .trim().split("\n").at(-1)!;
  console.log(`dist/${name}`);
} finally {
  await Deno.remove(work, { recursive: true });
}
