// Run by `deno task test` before the tests: installs what the cross-runtime tests drive when it
// is missing, so the README's test command works on a fresh machine.
//   - the pinned npm packages of tests/runtimes (playwright-core, miniflare): `npm ci`
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

if (!(await exists(`${root}tests/runtimes/node_modules`))) {
  console.error(
    "setup: installing the runtime tests' npm packages (npm ci --prefix tests/runtimes)",
  );
  if (!(await run("npm", ["ci", "--prefix", "tests/runtimes", "--no-audit", "--no-fund"]))) {
    console.error("setup: npm ci failed; the Chromium and workerd tests will say what is missing");
  }
}

if (!(await exists(`${root}scripts/tools/node_modules`))) {
  console.error("setup: installing the pinned build tools (npm ci --prefix scripts/tools)");
  const args = ["ci", "--prefix", "scripts/tools", "--ignore-scripts", "--no-audit", "--no-fund"];
  if (!(await run("npm", args))) {
    console.error("setup: npm ci failed; the binary and Bun tests will say what is missing");
  }
}

// The MCP tests' outside client, the MCP Inspector (pinned in tests/mcp/package-lock.json).
if (!(await exists(`${root}tests/mcp/node_modules`))) {
  console.error("setup: installing the MCP tests' npm packages (npm ci --prefix tests/mcp)");
  if (!(await run("npm", ["ci", "--prefix", "tests/mcp", "--no-audit", "--no-fund"]))) {
    console.error("setup: npm ci failed; the MCP Inspector test will say what is missing");
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
