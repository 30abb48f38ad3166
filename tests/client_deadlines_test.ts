// Time limits on clients and what serve() makes of the wire (node:http on Deno and on Node).
// Deno.serve alone has none: each timing test below fails against it (deadlines: false).
import assert from "node:assert/strict";
import { serve } from "../src/server/serve.ts";
import { rawConnection as raw, slowClient } from "./raw_connection.ts";
import { echo } from "./serve_echo.ts";

const PIPELINE = "\r\nGET /a HTTP/1.1\r\nHost: x\r\n\r\n" +
  "POST /b HTTP/1.1\r\nhost: x\r\nCONTENT-LENGTH: 5\r\n\r\nhello" +
  "POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" +
  "5;ext=1\r\nhello\r\n1A\r\n" + "z".repeat(26) + "\r\n0\r\nTrailer: t\r\n\r\n" +
  "GET /d HTTP/1.0\r\nHost: x\r\n\r\n";

/** Sends `text` on a fresh connection `step` bytes a write; what the server answered. */
async function sendInSteps(port: number, text: string, step: number): Promise<string> {
  const client = await raw(port);
  for (let i = 0; i < text.length; i += step) await client.write(text.slice(i, i + step));
  await client.closed;
  return client.text();
}

Deno.test("framing: pipelined requests end where they end, however the bytes are split", async () => {
  const server = await serve(echo, { port: 0, hostname: "127.0.0.1", deadlines: SHORT });
  try {
    for (const step of [1, 7, 64, 4096]) {
      const text = await sendInSteps(server.port, PIPELINE, step);
      const answers = text.match(/(GET|POST) \/\w [^\r]*? from/g);
      assert.deepEqual(
        answers,
        [
          "GET /a  from",
          "POST /b hello from",
          `POST /c hello${"z".repeat(26)} from`,
          "GET /d  from",
        ],
        `step ${step}: ${text}`,
      );
    }
  } finally {
    await server.shutdown();
  }
});

/** serve() with the echo handler, counting the requests that reach it. */
async function countingServer() {
  let seen = 0;
  const server = await serve((request, info) => {
    seen++;
    return echo(request, info);
  }, { port: 0, hostname: "127.0.0.1", deadlines: SHORT });
  return { server, seen: () => seen };
}

Deno.test("framing: smuggling shapes and over-long heads are refused", async () => {
  const { server, seen } = await countingServer();
  try {
    const refused = async (text: string, status = 400) => {
      const answer = await sendInSteps(server.port, text, 4096);
      assert.match(answer, new RegExp(`^HTTP/1\\.1 ${status} `), JSON.stringify(text.slice(0, 80)));
    };
    await refused(
      "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
    );
    await refused(
      "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n",
    );
    await refused("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n");
    await refused("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3, 4\r\n\r\n");
    await refused("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n");
    await refused("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0x10\r\n\r\n");
    await refused("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n");
    await refused("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n");
    await refused(
      "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
    );
    await refused(
      "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    );
    await refused("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
    await refused(`GET / HTTP/1.1\r\nHost: x\r\nX: ${"a".repeat(70_000)}\r\n\r\n`, 431);
    assert.equal(seen(), 0, "no refused request reached the handler");
    // A malformed body: its head reached the handler, whose read of the body fails.
    await refused("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n");
    await refused("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX");
    // A long line that does not frame the request is passed on.
    const cookie = await sendInSteps(
      server.port,
      `GET /c HTTP/1.1\r\nHost: x\r\nCookie: ${"c".repeat(20_000)}\r\nConnection: close\r\n\r\n`,
      999,
    );
    assert.match(cookie, /^HTTP\/1\.1 200 /);
    // A list of equal lengths is refused too (RFC 9110 §8.6 lets a server take it as one).
    await refused("POST /e HTTP/1.1\r\nHost: x\r\nContent-Length: 2, 2\r\n\r\nok");
  } finally {
    await server.shutdown();
  }
});

const SHORT = { headersTimeoutMs: 400, requestTimeoutMs: 900, idleTimeoutMs: 600 };
Deno.test("deadlines: a head sent a header at a time is cut off with a 408", async () => {
  const server = await serve(echo, { port: 0, hostname: "127.0.0.1", deadlines: SHORT });
  try {
    const { answer, ms } = await slowClient(server.port, {
      head: "GET / HTTP/1.1\r\nHost: x\r\n",
      drip: "X-Slow: 1\r\n",
    });
    assert.match(answer, /^HTTP\/1\.1 408 /);
    assert.ok(ms >= 350 && ms < 2_000, `closed after ${ms} ms`);
  } finally {
    await server.shutdown();
  }
});

Deno.test("deadlines: a body that trickles in, and a connection that sends nothing, are closed", async () => {
  const server = await serve(echo, { port: 0, hostname: "127.0.0.1", deadlines: SHORT });
  try {
    const silent = await raw(server.port);
    const [{ ms: bodyMs }, silentMs] = await Promise.all([
      slowClient(server.port, {
        head: "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n",
        drip: "a",
      }),
      silent.closed,
    ]);
    assert.ok(bodyMs >= 850 && bodyMs < 2_500, `slow body closed after ${bodyMs} ms`);
    assert.ok(silentMs >= 350 && silentMs < 2_000, `silent connection closed after ${silentMs} ms`);
    assert.equal(silent.text(), "");
  } finally {
    await server.shutdown();
  }
});

Deno.test("deadlines: keep-alive and pipelined requests are served; idle connections are closed", async () => {
  const server = await serve(echo, { port: 0, hostname: "127.0.0.1", deadlines: SHORT });
  try {
    const client = await raw(server.port);
    // Two requests at once, then a third after a pause shorter than the idle limit.
    await client.write(
      "POST /one HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n" +
        "GET /two HTTP/1.1\r\nHost: x\r\n\r\n",
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    await client.write("POST /three HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nok");
    const ms = await client.closed;
    const answers = client.text().split("HTTP/1.1 200 OK").length - 1;
    assert.equal(answers, 3, client.text());
    assert.match(client.text(), /POST \/one abc from 127\.0\.0\.1/);
    assert.match(client.text(), /POST \/three ok/);
    assert.ok(ms >= 850, `closed after ${ms} ms: before the idle limit`);
    // Ordinary fetch traffic is unaffected, in parallel and with bodies.
    const bodies = await Promise.all(
      Array.from(
        { length: 20 },
        (_, i) =>
          fetch(`${server.url}/p${i}`, { method: "POST", body: "x".repeat(i * 1000) }).then((r) =>
            r.text()
          ),
      ),
    );
    bodies.forEach((text, i) =>
      assert.equal(text, `POST /p${i} ${"x".repeat(i * 1000)} from 127.0.0.1`)
    );
  } finally {
    await server.shutdown();
  }
});

Deno.test("deadlines: the handler sees the client's address", async () => {
  // Public on IPv6 loopback (the relay that served Deno before reached its server over IPv4).
  const server = await serve(echo, { port: 0, hostname: "::1", deadlines: SHORT });
  try {
    assert.equal(server.url, `http://[::1]:${server.port}`);
    assert.equal(await (await fetch(`${server.url}/a`)).text(), "GET /a  from ::1");
  } finally {
    await server.shutdown();
  }
});

Deno.test("deadlines: a smuggling shape is refused with a 400 before the server sees it", async () => {
  const { server, seen } = await countingServer();
  try {
    const client = await raw(server.port);
    await client.write(
      "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    );
    await client.closed;
    assert.match(client.text(), /^HTTP\/1\.1 400 /);
    assert.equal(seen(), 0);
  } finally {
    await server.shutdown();
  }
});

Deno.test("deadlines: Deno.serve alone keeps a trickling client (what the limits are for)", async () => {
  const server = await serve(echo, { port: 0, hostname: "127.0.0.1", deadlines: false });
  try {
    const client = await raw(server.port);
    await client.write("GET / HTTP/1.1\r\nHost: x\r\n");
    const outcome = await Promise.race([
      client.closed.then(() => "closed"),
      new Promise((resolve) => setTimeout(() => resolve("still open"), 1_500)),
    ]);
    assert.equal(outcome, "still open");
    client.close();
  } finally {
    await server.shutdown();
  }
});

Deno.test("deadlines: out of file descriptors for a while, the server goes on serving (Deno.serve alone stops)", async () => {
  // A server limited to 64 descriptors; 80 clients at once take them all for over a second (past
  // the half second after start when `deno run` adds its own first signal listener, which
  // panicked without a descriptor), then leave.
  const dir = await Deno.makeTempDir({ prefix: "cirtusai-emfile-" });
  // Empty: what is seen is whether it could be read when the TLS roots were loaded.
  const extraCerts = `${dir}/extra_ca.pem`;
  await Deno.writeTextFile(extraCerts, "");
  await Deno.writeTextFile(
    `${dir}/server.ts`,
    `import { serve } from ${
      JSON.stringify(new URL("../src/server/serve.ts", import.meta.url).href)
    };
const server = await serve(async (request) => {
  // The process's first fetch loads the TLS roots (nothing listens there: it fails at once).
  if (request.url.endsWith("/fetch")) await fetch("https://127.0.0.1:1/").catch(() => {});
  return new Response("ok");
}, { port: 0, hostname: "127.0.0.1" });
console.log(server.port);`,
  );
  const child = new Deno.Command("bash", {
    args: ["-c", `ulimit -n 64 && exec "${Deno.execPath()}" run -A "${dir}/server.ts"`],
    env: { NODE_EXTRA_CA_CERTS: extraCerts },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const stderr = new Response(child.stderr).text();
  const exited = child.status.then(() => "exited");
  /** Waits for `done`, or fails with the child's stderr once it has exited or 5 s have passed. */
  const until = async (what: string, done: () => boolean | Promise<boolean>) => {
    const deadline = performance.now() + 5_000;
    while (!(await done())) {
      const gone = await Promise.race([exited, new Promise((r) => setTimeout(r, 20))]);
      if (gone || performance.now() > deadline) {
        const why = gone ? await stderr : "(still running)";
        throw new Error(`${what}: the server did not answer\n${why}`);
      }
    }
  };
  const crowd: Deno.Conn[] = [];
  try {
    const port = Number((await lines.read()).value);
    // A connection accepted before the crowd, to make a request while descriptors are out.
    const early = await raw(port);
    const answers = () => early.text().split("\r\n\r\nok").length - 1;
    await early.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    await until("before the crowd", () => answers() === 1);
    const crowded = performance.now();
    crowd.push(
      ...await Promise.all(
        Array.from({ length: 80 }, () => Deno.connect({ hostname: "127.0.0.1", port })),
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    await early.write("GET /fetch HTTP/1.1\r\nHost: x\r\n\r\n");
    await until("with no descriptor left", () => answers() === 2);
    await new Promise((resolve) => setTimeout(resolve, 1_200 - (performance.now() - crowded)));
    for (const conn of crowd.splice(0)) conn.close();
    early.close();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const res = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(3_000) })
      .catch(async (err) => {
        const gone = await Promise.race([exited, new Promise((r) => setTimeout(r, 200))]);
        throw new Error(`after the crowd left: ${err}\n${gone ? await stderr : "(still running)"}`);
      });
    assert.equal(await res.text(), "ok");
    child.kill("SIGTERM");
    // No panic; and the extra certificates were read (a warning when they could not be).
    assert.doesNotMatch(await stderr, /panicked|Ignoring extra certs/);
  } finally {
    for (const conn of crowd) conn.close();
    try {
      child.kill("SIGKILL");
    } catch {
      // it stopped already
    }
    await child.status;
    await lines.cancel().catch(() => {});
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deadlines: a port already taken is an error, and nothing is left running", async () => {
  const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  // This process's listening TCP sockets: a server started again behind the caller's back would
  // add one. (Counting every descriptor is not enough: other tests' pipes come and go meanwhile.)
  const listening = () => {
    const listeners = new Set(
      ["/proc/self/net/tcp", "/proc/self/net/tcp6"].flatMap((table) =>
        Deno.readTextFileSync(table).split("\n").slice(1).map((line) => line.trim().split(/\s+/))
          .filter((f) => f[3] === "0A").map((f) => f[9])
      ),
    );
    const link = (fd: string) => {
      try {
        return Deno.readLinkSync(`/proc/self/fd/${fd}`);
      } catch {
        return ""; // gone meanwhile (the directory's own descriptor, say)
      }
    };
    return [...Deno.readDirSync("/proc/self/fd")]
      .map((e) => link(e.name).match(/^socket:\[(\d+)\]$/)?.[1])
      .filter((inode) => inode !== undefined && listeners.has(inode)).length;
  };
  try {
    const before = listening();
    await assert.rejects(
      serve(echo, { port: taken.addr.port, hostname: "127.0.0.1" }),
      Deno.errors.AddrInUse,
    );
    // The inner server is not started again behind the caller's back.
    await new Promise((resolve) => setTimeout(resolve, 400));
    assert.equal(listening(), before);
  } finally {
    taken.close();
  }
});
