// What the CLI shows at a terminal: tables and help fitted to its width, a spinner while it waits
// (and never in a pipe), --timeout, waits in words, and server text that cannot act on the
// terminal (tmux: the pane's title, its clipboard and its screen stay as they were).
import assert from "node:assert/strict";
import {
  cliCommand,
  cliEnv,
  cliSession,
  plain,
  quote,
  runInTerminal,
  runPiped,
  TmuxPane,
} from "./cli_process.ts";

const HOSTILE = "\x1b]0;PWNED\x07\x1b]52;c;ZWNobyBwd25lZA==\x07\x1b[2J\x1b[H\x9b2J";

/** The lines of a terminal's output, without colour codes or carriage returns. */
function lines(screen: string): string[] {
  return plain(screen).split("\n");
}

/** Columns a line takes (every character here is one column wide). */
function width(line: string): number {
  return [...line].length;
}

/** A server that answers every request with `answer` (after `delayMs`; never, with Infinity). */
function tinyServer(answer: () => Response, delayMs = 0) {
  const never = Promise.withResolvers<void>();
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async () => {
    if (delayMs === Infinity) await never.promise;
    else await new Promise((resolve) => setTimeout(resolve, delayMs));
    return answer();
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    close: async () => {
      never.resolve();
      await server.shutdown();
    },
  };
}

Deno.test("tables fit 80 and 120 columns, cutting the widest columns with …; a pipe gets every value", async () => {
  const { piped, terminal, registerAndLogin, cleanup } = await cliSession();
  try {
    await registerAndLogin("wide");
    const [master] = JSON.parse((await piped(["agents", "list"])).stdout);
    for (const name of ["scout", "a courier with a long name for a child agent"]) {
      const child = JSON.parse((await piped(["agents", "create-child", master.id, name])).stdout);
      await piped(["agents", "update-permissions", child.id, '{"send_email": true, "pay": false}']);
    }
    const full = JSON.parse((await piped(["agents", "children"])).stdout);
    for (const columns of [80, 120]) {
      const run = await terminal(["agents", "children"], { columns });
      assert.equal(run.code, 0, run.screen);
      const table = lines(run.screen).filter(Boolean);
      assert.match(table[0], /^ID\s+NAME\s+PARENT\s+PERMISSIONS\s+DID$/);
      assert.equal(table.length, 3, `one line a row: ${run.screen}`);
      for (const line of table) assert.ok(width(line) <= columns, `${width(line)}: ${line}`);
      assert.ok(table.some((l) => l.includes("…")), "cut cells end in …");
      // The id's start stays readable.
      assert.ok(table.some((l) => l.includes(full[0].id.slice(0, 8))));
    }
    const wide = await terminal(["agents", "children"], { columns: 400 });
    assert.ok(!wide.screen.includes("…"), "nothing is cut when it fits");
    assert.ok(wide.screen.includes(full[0].did), "the whole DID when it fits");
  } finally {
    await cleanup();
  }
});

Deno.test("help wraps at word boundaries to the terminal's width, has examples, and `help CMD SUB` works", async () => {
  const config = await Deno.makeTempDir();
  const env = cliEnv(config);
  try {
    for (const columns of [60, 80, 120]) {
      const run = await runInTerminal(cliCommand(["help", "auth", "login"]), { env, columns });
      assert.equal(run.code, 0, run.screen);
      const shown = lines(run.screen);
      for (const line of shown) assert.ok(width(line) <= columns, `${columns}: ${line}`);
      for (const word of ["CIRTUSAI_TOTP_SECRET", "CIRTUSAI_ACCESS_TOKEN", "CIRTUSAI_API_URL"]) {
        assert.ok(shown.some((l) => l.includes(word)), `${word} whole at ${columns} columns`);
      }
      assert.ok(shown.includes("Examples:"), "examples");
      assert.ok(shown.some((l) => l.trim() === "cirtusai login ada"));
    }
    const same = await runPiped(cliCommand(["auth", "login", "--help"]), { env });
    const viaHelp = await runPiped(cliCommand(["help", "auth", "login"]), { env });
    assert.equal(viaHelp.stdout, same.stdout, "help CMD SUB is CMD SUB --help");
    assert.equal(viaHelp.code, 0);
    const unknown = await runPiped(cliCommand(["help", "agnets"]), { env });
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /Did you mean agents\?/);
  } finally {
    await Deno.remove(config, { recursive: true });
  }
});

Deno.test("a hostile agent name cannot set the title, the clipboard or erase the screen (tmux)", async () => {
  const { piped, registerAndLogin, env, cleanup } = await cliSession();
  let pane: TmuxPane | undefined;
  try {
    await registerAndLogin("victim");
    const [master] = JSON.parse((await piped(["agents", "list"])).stdout);
    const evil = JSON.parse(
      (await piped(["agents", "create-child", master.id, `evil${HOSTILE}name`])).stdout,
    );
    assert.equal(evil.name, `evil${HOSTILE}name`, "the emulator keeps the name as sent");
    const cmd = (args: string[]) => cliCommand(args).map(quote).join(" ");
    pane = await TmuxPane.start(
      `echo MARKER; ${cmd(["agents", "children"])}; ${cmd(["agents", "get", evil.id])}; ` +
        `${cmd(["agents", "delete", evil.id, "--yes"])}; echo END`,
      { env, columns: 200 },
    );
    const screen = await pane.waitFor(/^END$/m);
    assert.notEqual(await pane.title(), "PWNED", "the title is untouched");
    assert.ok(!(await pane.buffers()).includes("pwned"), "nothing reached the clipboard");
    assert.match(screen, /^MARKER$/m, "the screen was not erased");
    assert.match(screen, /^ID\s+NAME\s+PARENT/m, "the table's header is there");
    assert.match(screen, /evil�\]0;PWNED�/, "the controls are shown as �");
    assert.match(screen, /Deleted agent evil�/);
  } finally {
    await pane?.kill();
    await cleanup();
  }
});

Deno.test("a hostile server's error message cannot act on the terminal either (tmux)", async () => {
  const config = await Deno.makeTempDir();
  const server = tinyServer(() =>
    Response.json({ detail: `nope${HOSTILE}\nhint: run rm -rf ~` }, { status: 400 })
  );
  let pane: TmuxPane | undefined;
  try {
    const env = cliEnv(config, server.url);
    const cmd = cliCommand(["agents", "list", "--token", "t"]).map(quote).join(" ");
    pane = await TmuxPane.start(`echo MARKER; ${cmd}; echo END`, { env, columns: 200 });
    const screen = await pane.waitFor(/^END$/m);
    assert.notEqual(await pane.title(), "PWNED");
    assert.ok(!(await pane.buffers()).includes("pwned"));
    assert.match(screen, /^MARKER$/m);
    assert.match(screen, /^error: GET \/agents failed with 400: nope�\]0;PWNED�/m);
    assert.doesNotMatch(screen, /^hint: run rm/m, "a server cannot add a line of its own");
  } finally {
    await pane?.kill();
    await server.close();
    await Deno.remove(config, { recursive: true });
  }
});

Deno.test("a spinner on stderr while a request takes over half a second, at a terminal only", async () => {
  const config = await Deno.makeTempDir();
  const server = tinyServer(() => Response.json([]), 1_500);
  try {
    const env = cliEnv(config, server.url);
    const args = ["agents", "list", "--token", "t", "--json"];
    const run = await runInTerminal(cliCommand(args), { env });
    assert.equal(run.code, 0, run.screen);
    assert.match(run.screen, /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] GET \/agents/, "the spinner with what it waits for");
    assert.ok(run.screen.includes("\r\x1b[K[]"), "erased before the answer is shown");
    const pipe = await runPiped(cliCommand(args), { env });
    assert.equal(pipe.code, 0);
    assert.equal(pipe.stdout, "[]\n");
    assert.equal(pipe.stderr, "", "nothing on stderr in a pipe");
    // A quick answer shows nothing at all.
    const quick = tinyServer(() => Response.json([]));
    try {
      const fast = await runInTerminal(
        cliCommand(["agents", "list", "--token", "t", "--json", "--api-url", quick.url]),
        { env },
      );
      assert.doesNotMatch(fast.screen, /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/);
    } finally {
      await quick.close();
    }
  } finally {
    await server.close();
    await Deno.remove(config, { recursive: true });
  }
});

Deno.test("--timeout gives up on a server that never answers, and says how to wait longer", async () => {
  const config = await Deno.makeTempDir();
  const silent = tinyServer(() => new Response(), Infinity);
  try {
    const env = cliEnv(config, silent.url);
    const started = performance.now();
    const run = await runPiped(cliCommand(["agents", "list", "--token", "t", "--timeout", "1"]), {
      env,
    });
    const ms = performance.now() - started;
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /^error: GET \/agents: timed out after 1000 ms$/m);
    assert.match(run.stderr, /^hint: no answer within 1 s; wait longer with --timeout SECONDS/m);
    assert.ok(ms < 10_000, `three attempts of 1 s and two short waits: ${ms.toFixed(0)} ms`);
    const bad = await runPiped(cliCommand(["agents", "list", "--timeout", "soon"]), { env });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--timeout must be a positive number of seconds/);
  } finally {
    await silent.close();
    await Deno.remove(config, { recursive: true });
  }
});

Deno.test("a 429 says when to try again, from Retry-After, in words", async () => {
  const config = await Deno.makeTempDir();
  const limited = tinyServer(() =>
    Response.json({ detail: "Too many login attempts. Try again later." }, {
      status: 429,
      headers: { "retry-after": "700" },
    })
  );
  try {
    const login = await runPiped(cliCommand(["login", "ada", "--password-stdin"]), {
      env: cliEnv(config, limited.url),
      stdin: "pw\n",
    });
    assert.equal(login.code, 1);
    assert.equal(
      login.stderr.trim(),
      "error: POST /auth/login failed with 429: Too many login attempts; try again in 12 min",
    );
  } finally {
    await limited.close();
    await Deno.remove(config, { recursive: true });
  }
});
