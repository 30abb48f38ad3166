/**
 * {@linkcode serve} on Node: `node:http`, with each request turned into a `Request` (its body
 * streamed) and each `Response` written back as it streams. Loaded only on Node.
 *
 * @module
 */
import {
  createServer,
  type IncomingMessage,
  type ServerOptions,
  type ServerResponse,
} from "node:http";
import { Readable } from "node:stream";
import type { ClientDeadlines, Served, ServeHandler, ServeOptions } from "./serve.ts";

function toRequest(req: IncomingMessage, base: string): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (Array.isArray(value)) { for (const v of value) headers.append(name, v); }
    else if (value !== undefined) headers.set(name, value);
  }
  const method = req.method ?? "GET";
  const body = method === "GET" || method === "HEAD"
    ? undefined
    : Readable.toWeb(req) as unknown as ReadableStream<Uint8Array>;
  return new Request(new URL(req.url ?? "/", base), {
    method,
    headers,
    body,
    // Required by Node's fetch for a streamed body.
    ...(body ? { duplex: "half" } : {}),
  } as RequestInit);
}

async function write(res: ServerResponse, response: Response): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    if (name === "set-cookie") return;
    headers[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length) headers["set-cookie"] = cookies;
  res.writeHead(response.status, headers);
  if (!response.body) return void res.end();
  const reader = response.body.getReader();
  for (let r = await reader.read(); !r.done; r = await reader.read()) res.write(r.value);
  res.end();
}

/** {@linkcode ClientDeadlines} as Node's own server options; `false`: Node's defaults. */
function nodeLimits(deadlines: ClientDeadlines | false = {}): ServerOptions {
  if (deadlines === false) return {};
  // Node's "none" is 0, where ours is Infinity; its timers take at most 2^31 - 1 ms.
  const ms = (value: number) => (Number.isFinite(value) ? Math.min(value, 2 ** 31 - 1) : 0);
  const requestTimeout = ms(deadlines.requestTimeoutMs ?? 30_000);
  const headersTimeout = ms(deadlines.headersTimeoutMs ?? 10_000) || 2 ** 31 - 1;
  return {
    // Checked every 250 ms rather than every 30 s, so a limit is kept to within a quarter second.
    connectionsCheckingInterval: 250,
    headersTimeout: requestTimeout ? Math.min(headersTimeout, requestTimeout) : headersTimeout,
    requestTimeout,
    keepAliveTimeout: ms(deadlines.idleTimeoutMs ?? 60_000),
    maxHeaderSize: deadlines.maxHeadBytes ?? 64 * 1024,
  };
}

/** Serves `handler` with `node:http`. */
export function serveNode(
  handler: ServeHandler,
  options: ServeOptions,
  urlOf: (hostname: string, port: number) => string,
): Promise<Served> {
  return new Promise((resolve, reject) => {
    let base = "http://localhost";
    const server = createServer(nodeLimits(options.deadlines), (req, res) => {
      const info = { remoteAddr: { hostname: req.socket.remoteAddress ?? "" } };
      Promise.resolve()
        .then(() => handler(toRequest(req, base), info))
        .then((response) => write(res, response))
        .catch(() => {
          if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
          res.end('{"detail":"Internal Server Error"}');
        });
    });
    let done: () => void;
    const finished = new Promise<void>((r) => (done = r));
    server.on("close", () => done());
    server.once("error", reject);
    server.listen(options.port, options.hostname, () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : options.port;
      base = urlOf(options.hostname, port);
      resolve({
        url: base,
        port,
        finished,
        shutdown: () =>
          new Promise<void>((r) => {
            server.close(() => r());
            server.closeIdleConnections?.();
          }),
      });
    });
  });
}
