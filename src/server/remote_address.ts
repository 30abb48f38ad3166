/**
 * The peer's address as the server saw it: `Deno.serve` passes its connection info as the
 * second argument of `fetch`, which Hono hands on as `env`. Never read from a request header,
 * which the client controls.
 *
 * @module
 */

/** The connection's remote host, or undefined when the runtime gives none (tests, Workers). */
export function remoteAddress(env: unknown): string | undefined {
  return (env as { remoteAddr?: { hostname?: string } } | undefined)?.remoteAddr?.hostname;
}
