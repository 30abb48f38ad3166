/**
 * Serves a `fetch` handler over HTTP on Deno (`Deno.serve`) or Node 20+ (`node:http`, each
 * request turned into a `Request` and the `Response` streamed back). The handler's second
 * argument carries the client's address as `{ remoteAddr: { hostname } }` on both.
 *
 * Clients get time limits (see {@linkcode ClientDeadlines}): for a request's head, for the whole
 * request, and idle between requests. Node enforces them itself; on Deno, which has none, a relay
 * in front of `Deno.serve` does (`deadline_relay.ts`).
 *
 * @module
 */
import type { ClientDeadlines } from "./deadline_relay.ts";

export type { ClientDeadlines };

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

/**
 * Serves `handler` (a `fetch` handler such as a proxy's or the emulator's `app.fetch`) on Deno or
 * Node, with time limits on clients; resolves once it listens. For a self-hosted server: on Deno
 * Deploy and Cloudflare Workers the platform's own front end keeps slow clients away.
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
  if ("Deno" in globalThis) {
    if (options.deadlines === false) {
      const server = Deno.serve(
        { port: options.port, hostname: options.hostname, onListen: () => {} },
        (request, info) =>
          handler(request, {
            remoteAddr: { hostname: (info.remoteAddr as Deno.NetAddr).hostname },
          }),
      );
      const { hostname, port } = server.addr;
      return {
        url: urlOf(hostname, port),
        port,
        finished: server.finished,
        shutdown: () => server.shutdown(),
      };
    }
    const { listenWithDeadlines } = await import("./deadline_relay.ts");
    let clientOf = (_: Deno.NetAddr): string | undefined => undefined;
    let stopping: Promise<void> | undefined;
    // The server itself listens on loopback only; the public port is the relay's. Deno.serve
    // stops for good when it runs out of file descriptors (its `finished` rejects), so a server
    // that stops before shutdown() is started again, and the relay goes on with the new one.
    let inner: Deno.HttpServer<Deno.NetAddr> | undefined;
    const start = () => {
      const server = Deno.serve(
        { port: 0, hostname: "127.0.0.1", onListen: () => {} },
        (request, info) => {
          const peer = info.remoteAddr;
          return handler(request, { remoteAddr: { hostname: clientOf(peer) ?? peer.hostname } });
        },
      );
      inner = server;
      server.finished.catch(() => {}).then(() => {
        if (stopping || inner !== server) return;
        inner = undefined;
        setTimeout(restart, 100);
      });
    };
    const restart = () => {
      if (stopping) return;
      try {
        start();
      } catch {
        setTimeout(restart, 100); // still out of descriptors
      }
    };
    start();
    let relay;
    try {
      relay = listenWithDeadlines({
        ...options.deadlines,
        hostname: options.hostname,
        port: options.port,
        innerPort: () => inner?.addr.port,
      });
    } catch (err) {
      stopping = Promise.resolve(); // not started again
      await inner?.shutdown();
      throw err;
    }
    clientOf = relay.clientOf;
    const { hostname, port } = relay.addr;
    let stopped: () => void;
    const finished = new Promise<void>((resolve) => (stopped = resolve));
    const shutdown = () =>
      stopping ??= relay.close(inner?.shutdown().catch(() => {}) ?? Promise.resolve())
        .then(() => stopped());
    return { url: urlOf(hostname, port), port, finished, shutdown };
  }
  return await (await import("./serve_node.ts")).serveNode(handler, options, urlOf);
}
