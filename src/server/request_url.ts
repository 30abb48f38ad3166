/**
 * The URL {@linkcode serve} hands the app, from the request's target and its `Host` header: the
 * app compares origins with it (the proxy's CSRF check and CORS), so the client must not be able
 * to choose another host through the target. Only a path-only target (`/path?query`, RFC 9112
 * §3.2.1 origin-form) is taken; an absolute-form target (`http://evil.example/`) or one that
 * begins `//` (which a URL parser reads as a host) is refused, and so is a `Host` that is not a
 * plain `host[:port]`, or a second `Host` line (RFC 9112 §3.2).
 *
 * @module
 */

// A DNS name or IPv4 address, or an IPv6 address in brackets; then an optional port.
const HOST =
  /^(?:[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,252})|\[[0-9A-Fa-f:.]{2,45}\])(?::([0-9]{1,5}))?$/;
// A path from "/" on (not "//"), then an optional query: visible ASCII only.
const TARGET = /^\/(?!\/)[!-~]*$/;

/**
 * `http://host/target` for a request line's `target` and its `Host` lines (`hosts`, as sent);
 * `fallbackHost` (the listen address) when it has none or an empty one (HTTP/1.0). Undefined
 * when either is refused: answer 400.
 */
export function requestUrl(
  target: string,
  hosts: string[],
  fallbackHost: string,
): string | undefined {
  if (!TARGET.test(target) || hosts.length > 1) return undefined;
  const host = hosts[0] ?? "";
  if (host === "") return `http://${fallbackHost}${target}`;
  const match = HOST.exec(host);
  if (!match || (match[1] !== undefined && Number(match[1]) > 65_535)) return undefined;
  return `http://${host}${target}`;
}

/**
 * The same rules for a request `Deno.serve` has parsed (which shows no raw target): the request
 * itself when its URL is what {@linkcode requestUrl} would make, a copy with that URL (a request
 * without `Host`, which `Deno.serve` puts on `localhost`), or undefined: answer 400.
 */
export function checkedRequest(request: Request, fallbackHost: string): Request | undefined {
  const host = request.headers.get("host") ?? "";
  let url: URL;
  try {
    url = new URL(request.url); // Deno.serve makes "http://a b/" of "Host: a b"
  } catch {
    return undefined;
  }
  const target = url.pathname + url.search;
  const expected = requestUrl(target, host === "" ? [] : [host], fallbackHost);
  if (expected === undefined) return undefined;
  // An absolute-form target names a host of its own, which Deno.serve takes over Host.
  if (host !== "" && url.host !== new URL(expected).host) return undefined;
  const href = new URL(expected).href;
  return href === request.url ? request : new Request(href, request);
}
