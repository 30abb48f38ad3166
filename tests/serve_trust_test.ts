// What a client cannot do to serve(), and what it gets back, on the wire (raw sockets): on Deno (in
// this process) and on Node (serve() bundled for Node, in a child process), with the same echo
// handler.
import assert from "node:assert/strict";
import { serve } from "../src/server/serve.ts";
import { rawConnection as raw } from "./raw_connection.ts";
import { echo } from "./serve_echo.ts";
import { serveOnNode } from "./serve_on_node.ts";

const SHORT = { headersTimeoutMs: 400, requestTimeoutMs: 900, idleTimeoutMs: 600 };

/** Runs `check` against serve() on Deno and on Node. */
function onBoth(name: string, check: (port: number) => Promise<void>): void {
  Deno.test(`serve on Deno: ${name}`, async () => {
    const server = await serve(echo, { port: 0, hostname: "127.0.0.1", deadlines: SHORT });
    try {
      await check(server.port);
    } finally {
      await server.shutdown();
    }
  });
  Deno.test(`serve on Node: ${name}`, async () => {
    const server = await serveOnNode(SHORT);
    try {
      await check(server.port);
    } finally {
      await server.stop();
    }
  });
}

/** Whether the connection is still open after `ms` (closed: the ms it lasted). */
function within(closed: Promise<number>, ms: number): Promise<number | "open"> {
  return Promise.race([closed, new Promise<"open">((r) => setTimeout(() => r("open"), ms))]);
}

onBoth(
  "bytes that begin no request start the head limit, before a first request and after one",
  async (port) => {
    // One "\r" every 100 ms: never idle for the 600 ms limit, never a request line either.
    const trickle = async (first: string) => {
      const client = await raw(port);
      await client.write(first);
      const timer = setInterval(() => client.write("\r"), 100);
      const outcome = await within(client.closed, 2_500);
      clearInterval(timer);
      client.close();
      return { outcome, text: client.text() };
    };
    const [before, after] = await Promise.all([
      trickle("\r"),
      trickle("GET /one HTTP/1.1\r\nHost: x\r\n\r\n"),
    ]);
    assert.notEqual(before.outcome, "open", "a trickle of \\r from the start holds the connection");
    assert.ok((before.outcome as number) < 1_500, `closed after ${before.outcome} ms`);
    assert.notEqual(after.outcome, "open", "a trickle of \\r after an answer holds the connection");
    assert.match(after.text, /GET \/one {2}from/);
  },
);

onBoth(
  "a valid request, then a malformed one in a later packet: answered, then 400",
  async (port) => {
    const client = await raw(port);
    await client.write("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
    await new Promise((resolve) => setTimeout(resolve, 100));
    await client.write("NOT A REQUEST\r\n\r\n");
    await within(client.closed, 2_000);
    const text = client.text();
    assert.match(
      text,
      /^HTTP\/1\.1 200 OK\r\n[\s\S]*GET \/slow {2}from 127\.0\.0\.1HTTP\/1\.1 400 /,
      text,
    );
  },
);

onBoth("a client that shuts its side after a request still gets the answer", async (port) => {
  const client = await raw(port);
  await client.write("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
  await client.closeWrite();
  await within(client.closed, 2_000);
  assert.match(client.text(), /^HTTP\/1\.1 200 OK\r\n[\s\S]*GET \/slow {2}from/);
});

/** What the server answers to `head` (a request without a body) on a fresh connection. */
async function ask(port: number, head: string): Promise<{ status: number; url?: string }> {
  const client = await raw(port);
  await client.write(`${head.slice(0, -2)}Connection: close\r\n\r\n`);
  await within(client.closed, 2_000);
  client.close();
  const text = client.text();
  return {
    status: Number(text.match(/^HTTP\/1\.[01] (\d{3})/)?.[1]),
    url: text.match(/\r\nx-url: ([^\r]*)\r\n/i)?.[1],
  };
}

/** The origin checks: what `request.url` is made of, for a server listening on `port`. */
async function origins(port: number): Promise<void> {
  const refused = [
    "GET //evil.example/api/agents HTTP/1.1\r\nHost: good.example\r\n\r\n",
    "GET http://evil.example/api/agents HTTP/1.1\r\nHost: good.example\r\n\r\n",
    "GET /api/agents HTTP/1.1\r\nHost: evil.example/x?\r\n\r\n",
    "GET /api/agents HTTP/1.1\r\nHost: a b\r\n\r\n",
    "GET /api/agents HTTP/1.1\r\nHost: good.example:99999\r\n\r\n",
    "GET /api/agents HTTP/1.1\r\nHost: good.example\r\nHost: evil.example\r\n\r\n",
  ];
  for (const head of refused) {
    assert.deepEqual(await ask(port, head), { status: 400, url: undefined }, head);
  }
  assert.deepEqual(
    await ask(port, "GET /api/agents?x=1 HTTP/1.1\r\nHost: Good.example:8080\r\n\r\n"),
    { status: 200, url: "http://good.example:8080/api/agents?x=1" },
  );
  // HTTP/1.0 without Host: the address the server listens on.
  assert.deepEqual(await ask(port, "GET /x HTTP/1.0\r\n\r\n"), {
    status: 200,
    url: `http://127.0.0.1:${port}/x`,
  });
}

onBoth("request.url: the path-only target and a checked Host, or 400", origins);

onBoth(
  "answers: a whole body with its length, a stream chunked, Set-Cookie apart, a false length refused",
  async (port) => {
    /** The answer to `GET path` on a connection of its own, as it came. */
    const get = async (path: string) => {
      const client = await raw(port);
      await client.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      await within(client.closed, 2_000);
      client.close();
      const [head, ...body] = client.text().split("\r\n\r\n");
      return { head: head.toLowerCase(), body: body.join("\r\n\r\n") };
    };
    const text = await get("/answer/text");
    assert.match(text.head, /^http\/1\.1 200 /);
    assert.match(text.head, /\r\ncontent-length: 13(\r\n|$)/);
    assert.doesNotMatch(text.head, /transfer-encoding/);
    assert.equal(text.body, "a string body");
    const streamed = await get("/answer/streamed");
    assert.match(streamed.head, /\r\ntransfer-encoding: chunked(\r\n|$)/);
    assert.equal(streamed.body, "4\r\none \r\n4\r\ntwo \r\n5\r\nthree\r\n0\r\n\r\n");
    const sized = await get("/answer/sized");
    assert.match(sized.head, /\r\ncontent-length: 7(\r\n|$)/);
    assert.equal(sized.body, "one two");
    const lying = await get("/answer/lying");
    assert.match(
      lying.head,
      /^http\/1\.1 500 /,
      `a Content-Length that is not the body's: ${lying.head}`,
    );
    // Its head is sent before the body is short: the connection is closed, not kept out of step.
    const client = await raw(port);
    await client.write("GET /answer/lying-large HTTP/1.1\r\nHost: x\r\n\r\n");
    assert.notEqual(await within(client.closed, 300), "open", "kept open after a short body");
    client.close();
    const cookies = await get("/answer/cookies");
    assert.match(cookies.head, /^http\/1\.1 204 /);
    assert.deepEqual(cookies.head.match(/\r\nset-cookie: [^\r]*/g), [
      "\r\nset-cookie: a=1; path=/",
      "\r\nset-cookie: b=2; path=/",
    ]);
    assert.match(cookies.head, /\r\nx-list: 1, 2(\r\n|$)/);
  },
);

Deno.test("serve on Deno, deadlines: false (Deno.serve): the same origin checks", async () => {
  const server = await serve(echo, { port: 0, hostname: "127.0.0.1", deadlines: false });
  try {
    await origins(server.port);
  } finally {
    await server.shutdown();
  }
});

/** Runs `script` with Node: clients that reset their connections (Node can send a RST). */
async function resetClients(script: string, args: string[]): Promise<void> {
  const file = await Deno.makeTempFile({ suffix: ".mjs" });
  try {
    await Deno.writeTextFile(file, script);
    const out = await new Deno.Command("node", { args: [file, ...args], stderr: "piped" }).output();
    assert.ok(out.success, new TextDecoder().decode(out.stderr));
  } finally {
    await Deno.remove(file);
  }
}

const RESETTERS = `
import net from "node:net";
const [host, port, count, request] = process.argv.slice(2);
let started = 0, done = 0;
await new Promise((resolve) => {
  const next = () => {
    if (started >= Number(count)) return;
    started++;
    const socket = net.connect(Number(port), host);
    socket.on("connect", () => {
      if (request) socket.write(request);
      socket.resetAndDestroy();
    });
    socket.on("error", () => {});
    socket.on("close", () => (++done === Number(count) ? resolve() : next()));
  };
  for (let i = 0; i < 64; i++) next();
});
`;

Deno.test("serve on Deno: a client that resets is never taken for the loopback peer", async () => {
  // Public on IPv6 loopback: every client is ::1, and an address of 127.0.0.1 could only be made up.
  const seen = new Map<string, number>();
  const server = await serve((request, info) => {
    const address = info.remoteAddr.hostname;
    seen.set(address, (seen.get(address) ?? 0) + 1);
    return echo(request, info);
  }, { port: 0, hostname: "::1", deadlines: SHORT });
  try {
    await resetClients(RESETTERS, [
      "::1",
      String(server.port),
      "400",
      "GET / HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 203.0.113.9\r\n\r\n",
    ]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.deepEqual([...seen.keys()].filter((address) => address !== "::1"), [], `${[...seen]}`);
  } finally {
    await server.shutdown();
  }
});

Deno.test("serve on Deno: a flood of clients that reset before they are accepted, then a request is served", async () => {
  const server = await serve(echo, { port: 0, hostname: "127.0.0.1", deadlines: SHORT });
  try {
    await resetClients(RESETTERS, ["127.0.0.1", String(server.port), "3000"]);
    const res = await fetch(`${server.url}/after`, { signal: AbortSignal.timeout(3_000) });
    assert.equal(await res.text(), "GET /after  from 127.0.0.1");
  } finally {
    await server.shutdown();
  }
});
