// Start-up time of the CLI's offline commands against an empty `deno run`, in one run (goal:
// within 2.5x). Each command runs 15 times, interleaved with the others; the medians are printed.
const CLI = new URL("../cli.ts", import.meta.url).pathname;
const EMPTY = await Deno.makeTempFile({ suffix: ".ts" });
await Deno.writeTextFile(EMPTY, "\n");

const commands: [string, string[]][] = [
  ["empty deno run", [EMPTY]],
  ["cirtusai --help", [CLI, "--help"]],
  ["cirtusai --version", [CLI, "--version"]],
  ["cirtusai agents --help", [CLI, "agents", "--help"]],
  ["cirtusai totp code SECRET", [CLI, "totp", "code", "JBSWY3DPEHPK3PXP"]],
  ["cirtusai totp uri SECRET ada", [CLI, "totp", "uri", "JBSWY3DPEHPK3PXP", "ada"]],
  ["cirtusai completion bash", [CLI, "completion", "bash"]],
];

async function once(args: string[]): Promise<number> {
  const started = performance.now();
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", "-A", ...args],
    stdout: "null",
    stderr: "null",
  }).output();
  if (!out.success) throw new Error(`${args.join(" ")} failed`);
  return performance.now() - started;
}

const times = new Map<string, number[]>(commands.map(([name]) => [name, []]));
for (const [, args] of commands) await once(args); // warm the module cache
for (let round = 0; round < 15; round++) {
  for (const [name, args] of commands) times.get(name)!.push(await once(args));
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const base = median(times.get("empty deno run")!);
console.log("\nCLI start-up, median of 15 runs (goal: within 2.5x an empty deno run)\n");
console.log("| command | time | ratio |");
console.log("|---|---|---|");
for (const [name] of commands) {
  const t = median(times.get(name)!);
  console.log(`| ${name} | ${t.toFixed(0)} ms | ${(t / base).toFixed(2)}x |`);
}
await Deno.remove(EMPTY);

// Beside `deno run` (issue 25): the npm package's bin on Node, and the single binary of
// `deno task compile` (bun), against an empty `node` run. Same interleaving, 15 runs each.
{
  const { compile, installCli } = await import("../scripts/compile.ts");
  const project = await Deno.makeTempDir({ prefix: "cirtusai-bench-" });
  const bin = await installCli(project);
  const binary = `${project}/cirtusai`;
  await compile(binary);
  const others: [string, string, string[]][] = [
    ["empty node run", "node", ["-e", "0"]],
    ["node: cirtusai --help", "node", [bin, "--help"]],
    ["node: cirtusai --version", "node", [bin, "--version"]],
    ["node: cirtusai totp code SECRET", "node", [bin, "totp", "code", "JBSWY3DPEHPK3PXP"]],
    ["binary: cirtusai --help", binary, ["--help"]],
    ["binary: cirtusai --version", binary, ["--version"]],
    ["binary: cirtusai totp code SECRET", binary, ["totp", "code", "JBSWY3DPEHPK3PXP"]],
  ];
  const spawn = async (cmd: string, args: string[]) => {
    const started = performance.now();
    const out = await new Deno.Command(cmd, { args, stdout: "null", stderr: "null" }).output();
    if (!out.success) throw new Error(`${cmd} ${args.join(" ")} failed`);
    return performance.now() - started;
  };
  const runs = new Map<string, number[]>(others.map(([name]) => [name, []]));
  for (const [, cmd, args] of others) await spawn(cmd, args);
  for (let round = 0; round < 15; round++) {
    for (const [name, cmd, args] of others) runs.get(name)!.push(await spawn(cmd, args));
  }
  console.log(
    "\nThe same on Node (the npm package's bin) and as the single binary, median of 15\n",
  );
  console.log("| command | time | vs empty deno run |");
  console.log("|---|---|---|");
  for (const [name] of others) {
    const t = median(runs.get(name)!);
    console.log(`| ${name} | ${t.toFixed(0)} ms | ${(t / base).toFixed(2)}x |`);
  }
  await Deno.remove(project, { recursive: true });
}

// `cirtusai mcp`: the MCP SDK is loaded for this command only. Time to `--help`, and to the
// answer of an MCP client's `initialize` (the server started, the SDK loaded, one round trip),
// each against its own empty `deno run`, interleaved, median of 15.
{
  const empty = await Deno.makeTempFile({ suffix: ".ts" });
  const config = await Deno.makeTempDir();
  const rows: [string, () => Promise<number>][] = [
    ["empty deno run", () => once([empty])],
    ["cirtusai mcp --help", () => once([CLI, "mcp", "--help"])],
    ["cirtusai mcp, initialize answered", () => mcpInitialized(config)],
  ];
  const mcpTimes = new Map<string, number[]>(rows.map(([name]) => [name, []]));
  for (const [, run] of rows) await run(); // warm the module cache
  for (let round = 0; round < 15; round++) {
    for (const [name, run] of rows) mcpTimes.get(name)!.push(await run());
  }
  const emptyRun = median(mcpTimes.get("empty deno run")!);
  console.log("\ncirtusai mcp start-up, median of 15 runs\n");
  console.log("| command | time | ratio |");
  console.log("|---|---|---|");
  for (const [name] of rows) {
    const t = median(mcpTimes.get(name)!);
    console.log(`| ${name} | ${t.toFixed(0)} ms | ${(t / emptyRun).toFixed(2)}x |`);
  }
  await Deno.remove(empty);
  await Deno.remove(config, { recursive: true });
}

/** Milliseconds from starting `cirtusai mcp` to its answer to `initialize`. */
async function mcpInitialized(config: string): Promise<number> {
  const initialize = JSON.stringify({
    jsonrpc: "2.0",
    id: 1,
    method: "initialize",
    params: {
      protocolVersion: "2025-06-18",
      capabilities: {},
      clientInfo: { name: "bench", version: "1" },
    },
  });
  const started = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", "-A", CLI, "mcp"],
    env: { XDG_CONFIG_HOME: config },
    stdin: "piped",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(`${initialize}\n`));
  let seen = "";
  for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
    seen += chunk;
    if (seen.includes("\n")) break;
  }
  const took = performance.now() - started;
  if (!seen.includes('"serverInfo"')) throw new Error(`no answer to initialize: ${seen}`);
  await writer.close();
  await child.status;
  return took;
}
