/**
 * Serves a `fetch` handler over HTTP on Deno (`Deno.serve`) or Node 20+ (`node:http`, each
 * request turned into a `Request` and the `Response` streamed back). The handler's second
 * argument carries the client's address as `{ remoteAddr: { hostname } }` on both.
 *
 * @module
 */

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
}

type Handler = (request: Request, info: ServeInfo) => Response | Promise<Response>;

function urlOf(hostname: string, port: number): string {
  return `http://${hostname.includes(":") ? `[${hostname}]` : hostname}:${port}`;
}

/** Serves `handler`; resolves once it listens. */
export async function serve(handler: Handler, options: ServeOptions): Promise<Served> {
  if ("Deno" in globalThis) {
    const server = Deno.serve(
      { port: options.port, hostname: options.hostname, onListen: () => {} },
      (request, info) =>
        handler(request, { remoteAddr: { hostname: (info.remoteAddr as Deno.NetAddr).hostname } }),
    );
    const { hostname, port } = server.addr;
    return {
      url: urlOf(hostname, port),
      port,
      finished: server.finished,
      shutdown: () => server.shutdown(),
    };
  }
  return await (await import("./serve_node.ts")).serveNode(handler, options, urlOf);
}
