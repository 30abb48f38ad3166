/**
 * Serves a `fetch` handler over HTTP/1.1 on Deno or Node 20+, with `node:http` on both: each
 * request turned into a `Request` and the `Response` written back (`serve_node.ts`). The
 * handler's second argument carries the client's address as `{ remoteAddr: { hostname } }`.
 *
 * Clients get time limits (see {@linkcode ClientDeadlines}): for a request's head, for the whole
 * request, and idle between requests. `Deno.serve` has none (denoland/deno#3515), which is why
 * Deno is served by `node:http` too; `deadlines: false` serves with `Deno.serve` there.
 *
 * @module
 */
import { InvalidArgumentError } from "../sdk/errors.ts";
import { warmUpProcess } from "./process_warm_up.ts";
import { checkedRequest } from "./request_url.ts";

/** How long a client may take; each in ms, `Infinity` for no limit. */
export interface ClientDeadlines {
  /** From a request's first byte to the end of its head; default 10 000. */
  headersTimeoutMs?: number;
  /** From a request's first byte to the end of its body; default 30 000. */
  requestTimeoutMs?: number;
  /**
   * A connection between requests with nothing sent either way; default 60 000. A connection
   * that sends nothing at all is closed at the head limit.
   */
  idleTimeoutMs?: number;
  /** The longest request head; default 64 KiB (431 beyond). */
  maxHeadBytes?: number;
}

/** A running server. */
export interface Served {
  /** Its base URL, `http://host:port`. */
  url: string;
  /** The port it listens on. */
  port: number;
  /** Resolves once the server has stopped. */
  finished: Promise<void>;
  /** Stops the server (requests in flight finish first). */
  shutdown(): Promise<void>;
}

/** What the handler gets besides the request. */
export interface ServeInfo {
  /** The client's address. */
  remoteAddr: { hostname: string };
}

/** Where and how to listen. */
export interface ServeOptions {
  /** Port; 0 picks a free one. */
  port: number;
  /** Interface. */
  hostname: string;
  /** Time limits on clients; default on (see {@linkcode ClientDeadlines}); `false`: none. */
  deadlines?: ClientDeadlines | false;
}

/** What {@linkcode serve} serves: a `fetch` handler, given the client's address. */
export type ServeHandler = (request: Request, info: ServeInfo) => Response | Promise<Response>;

function urlOf(hostname: string, port: number): string {
  return `http://${hostname.includes(":") ? `[${hostname}]` : hostname}:${port}`;
}

const BAD_TARGET = () =>
  new Response('{"detail":"Bad request: its target or Host is not allowed"}', {
    status: 400,
    headers: { "content-type": "application/json", connection: "close" },
  });

/**
 * Serves `handler` (a `fetch` handler such as a proxy's or the emulator's `app.fetch`) on Deno or
 * Node, with time limits on clients; resolves once it listens. For a self-hosted server: on Deno
 * Deploy and Cloudflare Workers the platform's own front end keeps slow clients away.
 *
 * `request.url` is built from the request's path-only target and its checked `Host` (the listen
 * address without one): a target such as `//evil.example/` or `http://evil.example/`, or a `Host`
 * that is not `host[:port]`, is a 400 before the handler sees it.
 *
 * @example
 * ```ts
 * import { createProxy, serve } from "@cirtusai/sdk/proxy";
 * const app = createProxy({ upstream: "https://api.cirtus.ai", cookieSecret: Deno.env.get("COOKIE_SECRET")! });
 * const server = await serve(app.fetch, { port: 8080, hostname: "0.0.0.0" });
 * console.log(`proxy on ${server.url}`);
 * ```
 */
export async function serve(handler: ServeHandler, options: ServeOptions): Promise<Served> {
  if (options.deadlines) {
    for (const [field, value] of Object.entries(options.deadlines)) {
      if (value !== undefined && !(value > 0)) {
        throw new InvalidArgumentError(
          field,
          `${field} must be a positive number (ms, or bytes for maxHeadBytes)`,
        );
      }
    }
  }
  // Before any client can take the last file descriptor, which Deno would need for it.
  warmUpProcess();
  if ("Deno" in globalThis && options.deadlines === false) {
    let fallbackHost = "localhost";
    const server = Deno.serve(
      { port: options.port, hostname: options.hostname, onListen: () => {} },
      (request, info) => {
        const checked = checkedRequest(request, fallbackHost);
        if (!checked) return BAD_TARGET();
        return handler(checked, {
          remoteAddr: { hostname: (info.remoteAddr as Deno.NetAddr).hostname },
        });
      },
    );
    const { hostname, port } = server.addr;
    const url = urlOf(hostname, port);
    fallbackHost = new URL(url).host;
    return { url, port, finished: server.finished, shutdown: () => server.shutdown() };
  }
  return await (await import("./serve_node.ts")).serveNode(handler, options, urlOf);
}
