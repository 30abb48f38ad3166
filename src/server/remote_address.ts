/**
 * The peer's address as the server saw it, from what the runtime hands a `fetch` handler besides
 * the request (Hono passes it on as `env`). Never read from a request header, which the client
 * controls.
 *
 * | runtime                              | second argument of `fetch`        | the address               |
 * | ------------------------------------ | --------------------------------- | ------------------------- |
 * | `Deno.serve`, `serve()` (Deno, Node) | `{ remoteAddr: { hostname } }`    | `remoteAddr.hostname`     |
 * | `Bun.serve`                          | the server                        | `server.requestIP(req)`   |
 * | `@hono/node-server`                  | `{ incoming, outgoing }`          | `incoming.socket`'s       |
 *
 * The last two are also found under `env.server`, where bindings were passed along with them.
 *
 * @module
 */

interface RuntimeInfo {
  remoteAddr?: { hostname?: unknown };
  requestIP?: (request: Request) => { address?: unknown } | null | undefined;
  incoming?: { socket?: { remoteAddress?: unknown } };
}

/**
 * The connection's remote host, or undefined when the runtime gives none (a handler called by
 * hand, a wrapper that drops the second argument, Workers). `request` is needed for Bun's.
 */
export function remoteAddress(env: unknown, request?: Request): string | undefined {
  const outer = env as (RuntimeInfo & { server?: RuntimeInfo }) | undefined | null;
  if (!outer || typeof outer !== "object") return undefined;
  const info = outer.server && typeof outer.server === "object" ? outer.server : outer;
  let address: unknown = outer.remoteAddr?.hostname;
  if (address === undefined && request && typeof info.requestIP === "function") {
    try {
      address = info.requestIP(request)?.address;
    } catch {
      address = undefined; // not Bun's server after all
    }
  }
  if (address === undefined) address = info.incoming?.socket?.remoteAddress;
  return typeof address === "string" && address !== "" ? address : undefined;
}
