/**
 * Which names and which clients the emulator answers. A page on any web site can make a browser
 * resolve its own name to 127.0.0.1 (DNS rebinding) and then talk to a local server as its own
 * origin, so an `Origin` check alone lets it in: the `Host` it sends names the attacker's site,
 * and only loopback names (and those the developer configured) are answered. The development
 * routes (every account's current code, reset, accounts without 2FA) are for the developer's own
 * machine: they answer loopback clients only, by the connection's address, unless exposed.
 *
 * @module
 */
import type { MiddlewareHandler } from "hono";
import { remoteAddress } from "../server/remote_address.ts";
import { Problem } from "./problem.ts";

const IPV4_LOOPBACK =
  /^127\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){2}$/;

/** Whether `hostname` (no port; IPv6 with or without brackets) always means this machine. */
export function isLoopbackName(hostname: string): boolean {
  const name = hostname.toLowerCase();
  // RFC 6761 §6.3: localhost and its subdomains resolve to loopback, browsers make sure of it.
  return name === "localhost" || name.endsWith(".localhost") || IPV4_LOOPBACK.test(name) ||
    name === "[::1]" || name === "::1";
}

/** Whether `hostname` means every interface (`0.0.0.0`, `::`). */
export function isWildcard(hostname: string): boolean {
  return hostname === "0.0.0.0" || hostname === "::" || hostname === "[::]";
}

/** Whether a connection's remote address is this machine's (IPv4, IPv6, IPv4-mapped IPv6). */
export function isLoopbackAddress(address: string): boolean {
  const a = address.toLowerCase();
  return IPV4_LOOPBACK.test(a) || a === "::1" ||
    (a.startsWith("::ffff:") && IPV4_LOOPBACK.test(a.slice(7)));
}

/** The host name of a `Host` header value (`name:port`, `[v6]:port`), lower-cased, unbracketed. */
export function hostnameOf(host: string): string {
  const value = host.trim().toLowerCase();
  if (value.startsWith("[")) return value.slice(1, Math.max(1, value.indexOf("]")));
  const colon = value.lastIndexOf(":");
  return colon === -1 ? value : value.slice(0, colon);
}

/**
 * Refuses (403) a request whose `Host` names neither a loopback name nor one of `allowed`: exact
 * names, `.example.test` for a name and its subdomains, `"*"` for any. A request without `Host`
 * (in process, or HTTP/1.0) is not a browser's, and passes.
 */
export function hostCheck(allowed: readonly string[] = []): MiddlewareHandler {
  const any = allowed.includes("*");
  const names = new Set(allowed.map((n) => n.toLowerCase().replace(/^\[(.*)\]$/, "$1")));
  const suffixes = [...names].filter((n) => n.startsWith("."));
  const ok = (name: string) =>
    isLoopbackName(name) || names.has(name) ||
    suffixes.some((s) => name.endsWith(s) || name === s.slice(1));
  return async (c, next) => {
    const host = c.req.header("host");
    if (!any && host !== undefined && !ok(hostnameOf(host))) {
      const shown = JSON.stringify(hostnameOf(host).slice(0, 100));
      throw new Problem(
        403,
        `Host ${shown} is not allowed: the emulator answers loopback names (localhost, ` +
          "127.0.0.1, [::1]) and those given with --allowed-host (allowedHosts), so that a web " +
          "page on another name (DNS rebinding) cannot reach it. If you meant to use this name, " +
          `start the emulator with --allowed-host ${hostnameOf(host).slice(0, 100) || "NAME"}.`,
      );
    }
    await next();
  };
}

/**
 * Refuses (403) a client whose connection is not from this machine. A request called in process
 * (no server's connection info at all) is the caller's own; a served one whose address the
 * server does not know (a platform that gives none) is not known to be local, and is refused.
 */
export function loopbackOnly(what: string, flag: string): MiddlewareHandler {
  return async (c, next) => {
    const served = c.env !== undefined && c.env !== null;
    const address = remoteAddress(c.env);
    if (served && (address === undefined || !isLoopbackAddress(address))) {
      throw new Problem(
        403,
        `${what} answer clients on this machine only; start the emulator with ${flag} to serve ` +
          "them to the network",
      );
    }
    await next();
  };
}
