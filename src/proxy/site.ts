/**
 * The proxy's own origin, as the browser that sent a request sees it, and what follows from it
 * for the session cookie. The origin comes from the configured one, or from the request's scheme
 * and its `Host` header, checked: never from the host of `request.url`, which on some runtimes an
 * absolute-form request target (`GET //evil.example/api/agents`) sets. Two exceptions: on
 * Cloudflare Workers, `request.url` is what Cloudflare built from the host it routed the request
 * by (a request for another host never reaches the Worker), while the `Host` a local workerd sees
 * is its own loopback address; and an HTTPS request without a `Host` header is HTTP/2, whose
 * `:authority` the runtime (Deno) put in `request.url`.
 *
 * @module
 */
import { InvalidArgumentError } from "../sdk/errors.ts";

/** A `Host` as browsers send it: a name, IPv4 or [IPv6], and an optional port. */
const HOST = /^(?:[a-z0-9_-]+(?:\.[a-z0-9_-]+)*\.?|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i;
/** Hosts a browser treats as secure over plain HTTP, so that it keeps a `Secure` cookie. */
const LOOPBACK = /^(?:localhost|[^:]+\.localhost|127(?:\.\d{1,3}){3}|\[::1\])\.?$/i;
/** Cookie names (RFC 6265 §4.1.1 tokens). */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Where a request was sent, as far as the session cookie is concerned. */
export interface Site {
  /** The proxy's own origin (`https://app.example`), or null when the request does not say. */
  origin: string | null;
  /** The session cookie's name here: `__Host-` + the base name over HTTPS. */
  cookieName: string;
  /** Whether the cookie goes with `Secure` (all but plain HTTP to a host that is not loopback). */
  secure: boolean;
}

/** Works out each request's {@linkcode Site}, for a proxy with these options. */
export class Sites {
  readonly #configured: Site | null;
  readonly #name: string;
  readonly #hostName: string;
  readonly #fromUrl: boolean;
  /** Sites by scheme and raw host: a browser sends the same Host on every call. */
  readonly #seen = new Map<string, Site>();

  /**
   * `cookieName`: the base name (`cirtusai_session`). `origin`: the proxy's public origin, when a
   * front end changes what the proxy sees (TLS ended before it); else each request's own.
   * `fromUrl`: take the host from `request.url` (Cloudflare Workers only; see the module).
   */
  constructor(cookieName: string, origin?: string, fromUrl = false) {
    this.#fromUrl = fromUrl;
    if (!TOKEN.test(cookieName) || /^__(?:host|secure)-/i.test(cookieName)) {
      throw new InvalidArgumentError(
        "cookieName",
        "cookieName must be a plain cookie name (letters, digits, _ or -); over HTTPS the proxy adds the __Host- prefix itself",
      );
    }
    this.#name = cookieName;
    this.#hostName = `__Host-${cookieName}`;
    this.#configured = null;
    if (origin !== undefined) {
      let url: URL | null = null;
      try {
        url = new URL(origin);
      } catch {
        url = null;
      }
      const web = url?.protocol === "http:" || url?.protocol === "https:";
      if (!url || !web || url.pathname !== "/" || url.search || url.hash || url.username) {
        throw new InvalidArgumentError(
          "origin",
          'origin must be a bare http(s) origin such as "https://app.example.com"',
        );
      }
      this.#configured = this.#site(url.protocol === "https:", url.host);
    }
  }

  /** The {@linkcode Site} of `request`. */
  of(request: Request): Site {
    if (this.#configured) return this.#configured;
    const url = request.url;
    const https = url.startsWith("https:");
    let host = this.#fromUrl ? null : request.headers.get("host");
    // Workers (see the module); and HTTP/2, which carries the host as `:authority`, which runtimes
    // put in request.url rather than in a Host header. Browsers speak HTTP/2 over TLS only, and
    // send Host over HTTP/1: a plain-HTTP request without one is none of theirs, and has no origin.
    if (host === null && (this.#fromUrl || https)) {
      const start = url.indexOf("//") + 2;
      const end = url.indexOf("/", start);
      host = url.slice(start, end < 0 ? undefined : end);
    }
    if (host !== null && host.length > 260) return this.#site(https, null); // no host name
    const key = `${https ? "s" : "p"}${host === null ? "" : ` ${host}`}`;
    let site = this.#seen.get(key);
    if (site === undefined) {
      if (this.#seen.size >= 256) this.#seen.clear(); // hosts that vary: a scan, not browsers
      site = this.#site(https, host !== null && HOST.test(host) ? host.toLowerCase() : null);
      this.#seen.set(key, site);
    }
    return site;
  }

  #site(https: boolean, host: string | null): Site {
    const defaultPort = https ? ":443" : ":80";
    const authority = host?.endsWith(defaultPort) ? host.slice(0, -defaultPort.length) : host;
    return {
      origin: authority === null ? null : `${https ? "https" : "http"}://${authority}`,
      cookieName: https ? this.#hostName : this.#name,
      secure: https || authority === null || LOOPBACK.test(authority.replace(/:\d+$/, "")),
    };
  }
}
