/**
 * {@linkcode serve} on `node:http`, on Node and on Deno alike: each request turned into a
 * `Request` (its body streamed) and each `Response` written back, in one write with its head when
 * its body is one piece, else as it streams.
 *
 * Node's server parses HTTP/1.1 itself (llhttp: smuggling shapes such as `Content-Length` with
 * `Transfer-Encoding` are a 400, a head over `maxHeaderSize` a 431) and keeps the time limits on
 * clients (`headersTimeout`, `requestTimeout`, `keepAliveTimeout`). What it leaves open is closed
 * here:
 *
 * - Bytes that begin no request (`\r`, `\n`) between requests reset its idle timer for good: once
 *   anything arrives after an answer, the next head must be whole within the head limit.
 * - A valid request followed by a malformed one: Node drops the first one's answer when it is not
 *   written yet; here it is answered, then the 400 sent and the connection closed.
 * - A client that shuts its side after a request still gets the answer (`httpAllowHalfOpen`).
 * - The client's address is read once, when the connection is accepted: a connection already
 *   reset has none, and is closed before any request of it reaches the handler.
 * - `request.url` comes from the path-only target and a checked `Host` ({@linkcode requestUrl}).
 * - A connection that never sent a byte is closed without a 408 (a browser's spare connection).
 * - An answer whose `Content-Length` is not its body's length: Node writes what it is given, and
 *   the connection is out of step; here it is a 500, or (past 1 MiB, whose head is sent before
 *   the body has all come) the connection is closed.
 * - On Deno, the listener stops accepting for good once it has run out of file descriptors
 *   (nothing is reported): it is told to listen again every quarter second, which has it accept
 *   again once some are free. (What the process itself needs a descriptor for on first use is
 *   set up before the server starts: `process_warm_up.ts`.)
 *
 * @module
 */
import {
  createServer,
  type IncomingMessage,
  type ServerOptions,
  type ServerResponse,
} from "node:http";
import type { Socket } from "node:net";
import { setInterval } from "node:timers";
import type { ClientDeadlines, Served, ServeHandler, ServeInfo, ServeOptions } from "./serve.ts";
import { requestUrl } from "./request_url.ts";

/** What is known of one connection. */
interface Connection {
  /** What the handler is told of the client: its address, read when it was accepted. */
  info: ServeInfo;
  /** Requests whose answer is not done yet. */
  inFlight: number;
  /** `bytesRead` when the last answer was done: more since then begin a request. */
  idleBytes: number;
  /** When such bytes were first seen (epoch ms). */
  headSince?: number;
  /** A refusal that waits for the answers in flight. */
  refusal?: string;
  /** The last request and its answer. */
  last?: { req: IncomingMessage; res: ServerResponse };
}

const CHECK_EVERY_MS = 250;
const refusal = (status: number, reason: string) =>
  `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`;
const BAD_REQUEST = refusal(400, "Bad Request");
const TOO_LARGE = refusal(431, "Request Header Fields Too Large");
const TIMEOUT = refusal(408, "Request Timeout");

/** {@linkcode ClientDeadlines} as Node's own server options; `false`: Node's defaults. */
function nodeLimits(deadlines: ClientDeadlines | false = {}): ServerOptions {
  if (deadlines === false) return {};
  // Node's "none" is 0, where ours is Infinity; its timers take at most 2^31 - 1 ms.
  const ms = (value: number) => (Number.isFinite(value) ? Math.min(value, 2 ** 31 - 1) : 0);
  const requestTimeout = ms(deadlines.requestTimeoutMs ?? 30_000);
  const headersTimeout = ms(deadlines.headersTimeoutMs ?? 10_000) || 2 ** 31 - 1;
  const idle = ms(deadlines.idleTimeoutMs ?? 60_000);
  return {
    // Checked every 250 ms rather than every 30 s, so a limit is kept to within a quarter second.
    connectionsCheckingInterval: CHECK_EVERY_MS,
    headersTimeout: requestTimeout ? Math.min(headersTimeout, requestTimeout) : headersTimeout,
    requestTimeout,
    // Node closes an idle connection a second after its keepAliveTimeout.
    keepAliveTimeout: idle && Math.max(1, idle - 1_000),
    maxHeaderSize: deadlines.maxHeadBytes ?? 64 * 1024,
  };
}

/** The request as a `Request`; undefined when its target or `Host` is refused. */
function toRequest(req: IncomingMessage, fallbackHost: string): Request | undefined {
  const raw = req.rawHeaders;
  const hosts: string[] = [];
  let chunked = false;
  let length = "0";
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i];
    if (name.length === 4 && name.toLowerCase() === "host") hosts.push(raw[i + 1]);
    // Node has refused a second or a malformed one (`req.headers` is not read: made on demand).
    else if (name.length === 14 && name.toLowerCase() === "content-length") length = raw[i + 1];
    else if (name.length === 17 && name.toLowerCase() === "transfer-encoding") {
      // Node takes any list that ends in chunked; only chunked itself frames a request here.
      if (chunked || raw[i + 1].trim().toLowerCase() !== "chunked") return undefined;
      chunked = true;
    }
  }
  const url = requestUrl(req.url ?? "", hosts, fallbackHost);
  if (url === undefined) return undefined;
  const method = req.method ?? "GET";
  const hasBody = chunked || length.trim() !== "0";
  // A Request without an init object costs a third of one with it (Deno).
  const request = method === "GET" && !hasBody ? new Request(url) : new Request(url, {
    method,
    body: hasBody && method !== "GET" && method !== "HEAD" ? bodyOf(req) : undefined,
    duplex: "half",
  } as RequestInit);
  const headers = request.headers;
  for (let i = 0; i < raw.length; i += 2) headers.append(raw[i], raw[i + 1]);
  return request;
}

/** The request's body as a stream, read as the handler reads it; an error when it is cut off. */
function bodyOf(req: IncomingMessage): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    start(controller) {
      req.on("data", (chunk: Uint8Array) => {
        controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        if ((controller.desiredSize ?? 1) <= 0) req.pause();
      });
      req.on("end", () => controller.close());
      req.on("close", () => {
        if (!req.complete) controller.error(new Error("the request body was cut off"));
      });
    },
    pull() {
      req.resume();
    },
    cancel() {
      req.resume(); // the rest is read and dropped, so the connection can go on
    },
  }, { highWaterMark: 4 });
}

const NO_BODY = new Set([204, 205, 304]);
/** Larger answers of a known length are streamed rather than read whole first. */
const WHOLE_UP_TO = 1024 * 1024;

/**
 * Writes `response` to `res`: its head and body in one write when the body is one piece (a body
 * made of a string or bytes, or one of a known length up to 1 MiB), else chunk by chunk as it
 * comes.
 */
async function write(res: ServerResponse, response: Response): Promise<void> {
  // Flat name, value pairs, as `writeHead` takes them; `forEach` gives each Set-Cookie apart.
  const head: string[] = [];
  let length: string | undefined;
  let framed = false;
  response.headers.forEach((value, name) => {
    head.push(name, value);
    if (name === "content-length") length = value;
    else if (name === "transfer-encoding") framed = true;
  });
  const status = response.status;
  if (!response.body) {
    res.writeHead(status, head);
    return void res.end();
  }
  if (length !== undefined && Number(length) <= WHOLE_UP_TO) {
    const body = await response.bytes();
    // A length that is not the body's would leave the connection out of step: a 500 instead.
    if (body.byteLength !== Number(length) && !NO_BODY.has(status)) {
      throw new RangeError("the answer's Content-Length is not its body's length");
    }
    res.writeHead(status, head);
    return void res.end(body);
  }
  const reader = response.body.getReader();
  res.once("close", () => reader.cancel().catch(() => {}));
  // A body made of a string or bytes is one chunk, and the stream ends with it.
  const first = await reader.read();
  const second = first.done ? first : await reader.read();
  if (second.done) {
    const body = first.value;
    if (body && !NO_BODY.has(status) && length === undefined && !framed) {
      head.push("content-length", String(body.byteLength));
    }
    res.writeHead(status, head);
    return void res.end(body);
  }
  // Node then refuses a chunk past the stated length, and an end short of it (the connection is
  // closed rather than left out of step).
  if (length !== undefined) res.strictContentLength = true;
  res.writeHead(status, head);
  const send = async (chunk: Uint8Array) => {
    if (res.write(chunk)) return;
    await new Promise((resolve) => {
      res.once("drain", resolve);
      res.once("close", resolve);
    });
  };
  await send(first.value!);
  await send(second.value);
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
    if (res.destroyed) return;
    await send(chunk.value);
  }
  res.end();
}

/** Answers 500 for a handler that threw (or a body that failed before its head was sent). */
function failed(res: ServerResponse): void {
  if (res.headersSent) return void res.destroy();
  res.writeHead(500, { "content-type": "application/json" });
  res.end('{"detail":"Internal Server Error"}');
}

/** The server's listening handle (Node's `_handle`, not in its types), if it has one as known. */
function listening(server: object): { listen(backlog: number): number } | undefined {
  const handle = (server as { _handle?: { listen?: unknown } })._handle;
  return typeof handle?.listen === "function"
    ? handle as { listen(backlog: number): number }
    : undefined;
}

/** On Deno, a listen error as the `Deno.errors` class `Deno.serve` would throw. */
function listenError(err: Error & { code?: string }): Error {
  if (!("Deno" in globalThis)) return err;
  const errors: Record<string, new (message: string) => Error> = {
    EADDRINUSE: Deno.errors.AddrInUse,
    EADDRNOTAVAIL: Deno.errors.AddrNotAvailable,
    EACCES: Deno.errors.PermissionDenied,
  };
  const type = errors[err.code ?? ""];
  return type ? new type(err.message) : err;
}

/** Serves `handler` with `node:http`. */
export function serveNode(
  handler: ServeHandler,
  options: ServeOptions,
  urlOf: (hostname: string, port: number) => string,
): Promise<Served> {
  const limits = nodeLimits(options.deadlines);
  // With deadlines: false, Node's defaults apply and bytes between requests are not watched.
  const headTimeout = limits.headersTimeout ?? Infinity;
  const connections = new Map<Socket, Connection>();
  let fallbackHost = "localhost";
  let stopping = false;

  const server = createServer(limits, (req, res) => {
    const socket = req.socket;
    const conn = connections.get(socket);
    if (!conn) return void socket.destroy();
    conn.inFlight++;
    conn.headSince = undefined;
    conn.last = { req, res };
    res.once("close", () => {
      if (--conn.inFlight > 0) return;
      conn.idleBytes = socket.bytesRead;
      if (conn.refusal) socket.end(conn.refusal, () => socket.destroy());
      else if (stopping) socket.destroy();
    });
    const request = toRequest(req, fallbackHost);
    if (!request) {
      res.writeHead(400, { "content-type": "application/json", connection: "close" });
      return void res.end('{"detail":"Bad request: its target or Host is not allowed"}');
    }
    Promise.resolve()
      .then(() => handler(request, conn.info))
      .then((response) => write(res, response))
      .catch(() => failed(res));
  });
  // Not in Node's types, but its own server reads it (and its tests set it): a client that shuts
  // its side after a request is answered, then the connection ends.
  (server as unknown as { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true;

  server.on("connection", (socket: Socket) => {
    const address = socket.remoteAddress;
    if (address === undefined) return void socket.destroy(); // reset before it was accepted
    connections.set(socket, {
      info: { remoteAddr: { hostname: address } },
      inFlight: 0,
      idleBytes: 0,
    });
    socket.once("close", () => connections.delete(socket));
  });

  server.on("clientError", (err: Error & { code?: string }, socket: Socket) => {
    const conn = connections.get(socket);
    if (err.code === "ERR_HTTP_REQUEST_TIMEOUT" || err.code === "ECONNRESET" || !conn) {
      // A connection that sent nothing is closed without an answer; so is one whose answer is
      // under way (it cannot be told apart from the next one).
      const answer = socket.bytesRead > 0 && !conn?.inFlight && socket.writable;
      if (answer && err.code === "ERR_HTTP_REQUEST_TIMEOUT") socket.write(TIMEOUT);
      return void socket.destroy();
    }
    const refused = err.code === "HPE_HEADER_OVERFLOW" ? TOO_LARGE : BAD_REQUEST;
    if (conn.last && !conn.last.req.complete) {
      // The body of the request in flight is malformed: that request gets the refusal, unless
      // its answer (or one before it) is already under way.
      if (conn.inFlight === 1 && !conn.last.res.headersSent) {
        socket.end(refused, () => socket.destroy());
      } else socket.destroy();
      return;
    }
    if (conn.inFlight > 0) {
      // The requests before it are answered first (in order, as Node queues them).
      conn.refusal = refused;
      socket.pause();
      return;
    }
    if (socket.writable) socket.end(refused, () => socket.destroy());
    else socket.destroy();
  });

  // Bytes after an answer that begin no request (a `\r` now and then) hold a connection for as
  // long as Node's idle timer, which each of them resets: the head limit applies from the first.
  const checker = setInterval(() => {
    // Deno's listener stops accepting for good after an accept fails for want of descriptors (it
    // reports nothing, and waits to be polled again); listening again on the same socket, a
    // no-op otherwise, has it polled, so it accepts again once some are free. Node's does not stop.
    if ("Deno" in globalThis) listening(server)?.listen(511);
    const now = Date.now();
    for (const [socket, conn] of connections) {
      if (conn.inFlight > 0 || socket.bytesRead === conn.idleBytes || socket.destroyed) continue;
      conn.headSince ??= now;
      if (now - conn.headSince < headTimeout) continue;
      // No answer is under way: a 408, as Node's own limit sends (whichever comes first).
      if (socket.writable) socket.write(TIMEOUT);
      socket.destroy();
    }
  }, CHECK_EVERY_MS);
  checker.unref();

  return new Promise((resolve, reject) => {
    let done: () => void;
    const finished = new Promise<void>((r) => (done = r));
    const failed = (err: Error) => {
      clearInterval(checker);
      reject(listenError(err));
    };
    server.once("error", failed);
    server.listen(options.port, options.hostname, () => {
      server.off("error", failed);
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : options.port;
      const url = urlOf(options.hostname, port);
      fallbackHost = new URL(url).host;
      resolve({
        url,
        port,
        finished,
        shutdown: () =>
          new Promise<void>((r) => {
            stopping = true;
            clearInterval(checker);
            server.close(() => {
              done();
              r();
            });
            for (const [socket, conn] of connections) if (conn.inFlight === 0) socket.destroy();
          }),
      });
    });
  });
}
