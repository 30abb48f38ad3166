// Run by `deno task test` before the tests: installs what the cross-runtime tests drive when it
// is missing, so the README's test command works on a fresh machine.
//   - the pinned npm packages of tests/runtimes (playwright-core, miniflare), tests/mcp (the MCP
//     Inspector) and tests/contract (the contract tests' outside tools): `npm ci`
//   - the pinned build tools of scripts/tools (bun, for the single binary and the Bun tests):
//     `npm ci --ignore-scripts` (bun's own install script only links what is used directly)
//   - Debian's Chromium (no browser download), tmux, script and oathtool: `apt-get install -y`,
//     as root or via sudo
// Anything it cannot install is reported; the test that needs it then fails saying how to install it.

import { exists, repoRoot as root } from "./run.ts";

async function run(cmd: string, args: string[]): Promise<boolean> {
  try {
    const out = await new Deno.Command(cmd, { args, cwd: root, stdout: "null", stderr: "piped" })
      .output();
    if (!out.success) {
      console.error(new TextDecoder().decode(out.stderr).trim().split("\n").slice(-3).join("\n"));
    }
    return out.success;
  } catch {
    return false;
  }
}

// Pinned npm folders (each with its package-lock.json), installed when their node_modules is
// missing. Bun's install script only links what the build uses directly, so it need not run.
const npmFolders: [folder: string, what: string, users: string, ignoreScripts?: boolean][] = [
  ["tests/runtimes", "the runtime tests' packages", "the Chromium and workerd tests"],
  ["scripts/tools", "the pinned build tools", "the binary and Bun tests", true],
  ["tests/mcp", "the MCP tests' outside client (the MCP Inspector)", "the MCP Inspector test"],
  [
    "tests/contract",
    "the contract tests' outside tools (@redocly/cli, openapi-typescript, Ajv, did-jwt-vc and both did:key resolvers)",
    "the contract tests",
  ],
];
for (const [folder, what, users, ignoreScripts] of npmFolders) {
  if (await exists(`${root}${folder}/node_modules`)) continue;
  console.error(`setup: installing ${what} (npm ci --prefix ${folder})`);
  const args = ["ci", "--prefix", folder, "--no-audit", "--no-fund"];
  if (ignoreScripts) args.push("--ignore-scripts");
  if (!(await run("npm", args))) {
    console.error(`setup: npm ci failed; ${users} will say what is missing`);
  }
}

const chromium = Deno.env.get("CHROMIUM_PATH") ?? "/usr/bin/chromium";
// Debian packages the tests drive: Chromium (browser tests), tmux and script (the CLI at a
// terminal: script is util-linux's, tmux captures the screen), oathtool (TOTP codes to compare).
const debian: [path: string, pkg: string][] = [
  [chromium, "chromium"],
  ["/usr/bin/tmux", "tmux"],
  ["/usr/bin/script", "bsdutils"],
  ["/usr/bin/oathtool", "oathtool"],
];
const missing: string[] = [];
for (const [path, pkg] of debian) if (!(await exists(path))) missing.push(pkg);
if (missing.length) {
  const asRoot = Deno.uid?.() === 0;
  const prefix = asRoot ? [] : ["sudo", "-n"];
  console.error(`setup: installing Debian's ${missing.join(", ")} (apt-get install -y)`);
  const [cmd, ...rest] = [...prefix, "apt-get"];
  const ok = (await run(cmd, [...rest, "update", "-qq"])) &&
    (await run(cmd, [...rest, "install", "-y", "-qq", ...missing]));
  if (!ok) {
    console.error(
      `setup: could not install them; run: sudo apt-get install -y ${missing.join(" ")}`,
    );
  }
}
