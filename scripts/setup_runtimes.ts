// Run by `deno task test` before the tests: installs what the cross-runtime tests drive when it
// is missing, so the README's test command works on a fresh machine.
//   - the pinned npm packages of tests/runtimes (playwright-core, miniflare) and of tests/contract
//     (the contract tests' outside tools): `npm ci`
//   - Debian's Chromium (no browser download), tmux and script: `apt-get install -y`, as root or
//     via sudo
// Anything it cannot install is reported; the test that needs it then fails saying how to install it.

const root = new URL("..", import.meta.url).pathname;

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

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

// The MCP tests' outside client, the MCP Inspector (pinned in tests/mcp/package-lock.json).
if (!(await exists(`${root}tests/mcp/node_modules`))) {
  console.error("setup: installing the MCP tests' npm packages (npm ci --prefix tests/mcp)");
  if (!(await run("npm", ["ci", "--prefix", "tests/mcp", "--no-audit", "--no-fund"]))) {
    console.error("setup: npm ci failed; the MCP Inspector test will say what is missing");
  }
}

// The outside tools of the contract tests (@redocly/cli, openapi-typescript, Ajv, did-jwt-vc and
// both did:key resolvers), pinned in tests/contract/package-lock.json.
if (!(await exists(`${root}tests/contract/node_modules`))) {
  console.error(
    "setup: installing the contract tests' npm packages (npm ci --prefix tests/contract)",
  );
  if (!(await run("npm", ["ci", "--prefix", "tests/contract", "--no-audit", "--no-fund"]))) {
    console.error("setup: npm ci failed; the contract tests will say what is missing");
  }
}

const chromium = Deno.env.get("CHROMIUM_PATH") ?? "/usr/bin/chromium";
// Debian packages the tests drive: Chromium (browser tests), tmux and script (the CLI at a
// terminal: script is util-linux's, tmux captures the screen).
const debian: [path: string, pkg: string][] = [
  [chromium, "chromium"],
  ["/usr/bin/tmux", "tmux"],
  ["/usr/bin/script", "bsdutils"],
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
