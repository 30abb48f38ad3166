// Issues 27, 29, 25 and 30: `deno task emulator` and `cirtusai emulator` (one command) say where
// everything is and where data is kept; the request log is on at a terminal, off when piped
// unless asked, off with --quiet; a busy port is one line and exit 2; listening on every
// interface warns.
import assert from "node:assert/strict";
import { quote } from "./cli_process.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const CLI = `${ROOT}cli.ts`;

interface Running {
  /** Everything it printed so far (stdout and stderr, or the terminal). */
  output: () => string;
  /** Waits until the output matches `pattern`. */
  until: (pattern: RegExp) => Promise<string>;
  url: () => string;
  stop: () => Promise<Deno.CommandStatus>;
}

/** Starts a command, piped or in a pseudo-terminal (`script`), reading all it prints. */
function start(cmd: string[], options: { terminal?: boolean } = {}): Running {
  const command = options.terminal
    ? new Deno.Command("script", {
      args: ["-qfec", cmd.map(quote).join(" "), "/dev/null"],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1", TERM: "xterm" },
    })
    : new Deno.Command(cmd[0], {
      args: cmd.slice(1),
      cwd: ROOT,
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    });
  const child = command.spawn();
  let text = "";
  let wake = () => {};
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      text += chunk;
      wake();
    }
  };
  const pumps = Promise.all([pump(child.stdout), pump(child.stderr)]);
  const until = async (pattern: RegExp) => {
    const deadline = Date.now() + 20_000;
    while (!pattern.test(text)) {
      if (Date.now() > deadline) throw new Error(`no ${pattern} in:\n${text}`);
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, 100);
      });
    }
    return text;
  };
  return {
    output: () => text,
    until,
    url: () => /listening on (http:\/\/\S+)/.exec(text)![1],
    stop: async () => {
      try {
        child.kill("SIGINT");
      } catch {
        // gone already
      }
      const status = await child.status;
      await pumps;
      return status;
    },
  };
}

const emulator = (
  ...args: string[]
) => [Deno.execPath(), "run", "--quiet", "-A", CLI, "emulator", ...args];

Deno.test("piped: the banner lists the URLs and the store; requests are not logged unless --log", async () => {
  const quiet = start(emulator("--port", "0", "--pbkdf2-iterations", "1000"));
  try {
    await quiet.until(/Log\s+off/);
    const url = quiet.url();
    assert.match(url, /^http:\/\/localhost:\d+$/);
    const out = quiet.output();
    for (
      const [label, path] of [["API", ""], ["UI", "/_emulator/ui"], ["Docs", "/docs"], [
        "OpenAPI",
        "/openapi.json",
      ]]
    ) {
      assert.match(out, new RegExp(`\\n  ${label}\\s+${url}${path}\\n`), label);
    }
    assert.match(out, /Store\s+in memory: data is lost at exit/);
    // GET / gives the same links.
    const home = await (await fetch(`${url}/`)).json();
    assert.equal(home.links.ui, `${url}/_emulator/ui`);
    await (await fetch(`${url}/agents`)).body?.cancel();
    await new Promise((r) => setTimeout(r, 200));
    assert.doesNotMatch(quiet.output(), /GET \/agents/);
  } finally {
    await quiet.stop();
  }
  const logged = start(emulator("--port", "0", "--log"));
  try {
    await logged.until(/Log\s+one line per request/);
    await (await fetch(`${logged.url()}/agents`)).body?.cancel();
    await logged.until(/GET \/agents 401 [\d.]+ms/);
  } finally {
    await logged.stop();
  }
});

Deno.test("at a terminal: one log line per request, none with --quiet", async () => {
  const loud = start(emulator("--port", "0"), { terminal: true });
  try {
    await loud.until(/Log\s+one line per request \(--quiet turns it off\)/);
    await (await fetch(`${loud.url().replace(/\r/g, "")}/agents`)).body?.cancel();
    await loud.until(/GET \/agents 401 [\d.]+ms/);
  } finally {
    await loud.stop();
  }
  const quiet = start(emulator("--port", "0", "--quiet"), { terminal: true });
  try {
    await quiet.until(/Log\s+off/);
    await (await fetch(`${quiet.url().replace(/\r/g, "")}/agents`)).body?.cancel();
    await new Promise((r) => setTimeout(r, 300));
    assert.doesNotMatch(quiet.output(), /GET \/agents/);
  } finally {
    await quiet.stop();
  }
});

Deno.test("deno task emulator on a busy port: one line with another port, exit 2, no stack trace", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["task", "--quiet", "emulator", "--port", String(port)],
      cwd: ROOT,
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 2, stderr);
    assert.equal(
      stderr.trim(),
      `error: port ${port} is in use (another emulator?); choose another with --port, e.g. --port ${
        port + 1
      }`,
    );
  } finally {
    listener.close();
  }
});

Deno.test("--host 0.0.0.0 warns; --quiet with --log is a usage error", async () => {
  const open = start(emulator("--port", "0", "--host", "0.0.0.0"));
  try {
    await open.until(/Log\s+off/);
    assert.match(
      open.output(),
      /warning: listening on 0\.0\.0\.0: the API is open to other machines\. Requests must name localhost, 127\.0\.0\.1 or a name given with --allowed-host/,
    );
    assert.match(open.output(), /\/_emulator and its UI answer this machine only/);
    // From this machine the UI is served.
    const ui = await fetch(`${open.url()}/_emulator/ui`);
    assert.equal(ui.status, 200);
    await ui.body?.cancel();
  } finally {
    await open.stop();
  }
  const both = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", "-A", CLI, "emulator", "--quiet", "--log"],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  assert.equal(both.code, 2);
  assert.match(new TextDecoder().decode(both.stderr), /--quiet and --log contradict each other/);
});

Deno.test("--allowed-host adds names to the Host check; --db says where data is kept", async () => {
  const dir = await Deno.makeTempDir();
  const running = start(
    emulator("--port", "0", "--allowed-host", "dev.example, .tunnel.test", "--db", `${dir}/e.kv`),
  );
  try {
    await running.until(/Log\s+off/);
    assert.match(running.output(), /Store\s+Deno KV file .*e\.kv: data is kept across restarts/);
    const port = Number(new URL(running.url()).port);
    for (
      const [host, status] of [["dev.example", 200], ["x.tunnel.test", 200], [
        "evil.example",
        403,
      ]] as const
    ) {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      await conn.write(
        new TextEncoder().encode(`GET / HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`),
      );
      const answer = await new Response(conn.readable).text();
      assert.match(answer, new RegExp(`^HTTP/1\\.1 ${status} `), host);
    }
  } finally {
    await running.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
