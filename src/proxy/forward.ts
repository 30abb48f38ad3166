/**
 * Forwarding to the upstream API: a fixed base URL, a header allowlist both ways, a timeout, and
 * no incoming `signal` (Deno.serve aborts it when the response completes, which would cut a
 * streamed answer short).
 *
 * @module
 */
import { TimeoutWindows } from "./timeout_windows.ts";
import { CirtusAIError } from "../sdk/errors.ts";

// Request headers worth passing on; everything else (Authorization, Cookie, hop-by-hop,
// Host, Origin, X-Forwarded-*) stays behind.
const REQUEST_HEADERS = ["accept", "accept-language", "content-type", "user-agent"];
// Response headers that pass to the browser: an allowlist. Anything else an upstream sends (an
// Authorization, x-* headers, CORS headers of its own, cookies, hop-by-hop headers, the body's
// encoding, which fetch has already undone) stays behind. Location is handled apart.
const PASS_RESPONSE = new Set([
  "cache-control",
  "content-language",
  "content-length",
  "content-type",
  "date",
  "etag",
  "expires",
  "last-modified",
  "retry-after",
  "www-authenticate",
]);

/** What went wrong reaching the upstream; its message is what the browser is told. */
export class UpstreamError extends CirtusAIError {
  /** 502 (unreachable, or a bad answer) or 504 (timed out). */
  readonly status: 502 | 504;
  constructor(status: 502 | 504, message?: string) {
    super(message ?? (status === 504 ? "Upstream timed out" : "Upstream unreachable"));
    this.status = status;
  }
}

/**
 * The request headers to send upstream, as a record: fetch reads it once, where a Headers object
 * would be checked and copied again.
 */
export function upstreamHeaders(
  incoming: Headers,
  token?: string,
  client?: string,
): Record<string, string> {
  const out: Record<string, string> = {};
  // The browser's address, for the upstream's per-client limits (trusted from this proxy only).
  if (client) out["x-forwarded-for"] = client;
  for (const name of REQUEST_HEADERS) {
    const value = incoming.get(name);
    if (value !== null) out[name] = value;
  }
  if (token) out.authorization = `Bearer ${token}`;
  return out;
}

/**
 * The browser's copy of an upstream answer: allowlisted headers only, a same-origin `Location`
 * turned into the proxy's own path (`upstreamOrigin` given), any other `Location` dropped, and
 * `setCookie` when the session changed. An answer whose headers need no change passes as it is.
 */
export function relay(res: Response, setCookie?: string, upstreamOrigin?: string): Response {
  if (setCookie === undefined && passesAsIs(res.headers)) return res;
  const headers = downstreamHeaders(res.headers, upstreamOrigin);
  if (setCookie !== undefined) headers["set-cookie"] = setCookie;
  return new Response(res.body, { status: res.status, headers });
}

function passesAsIs(headers: Headers): boolean {
  let clean = true;
  headers.forEach((_, name) => {
    if (!PASS_RESPONSE.has(name)) clean = false;
  });
  return clean; // content-encoding is not on the allowlist
}

/** The allowlisted headers of an upstream answer, as a record. */
export function downstreamHeaders(
  upstream: Headers,
  upstreamOrigin?: string,
): Record<string, string> {
  const out: Record<string, string> = {};
  const encoding = upstream.get("content-encoding");
  const encoded = encoding !== null && encoding.trim().toLowerCase() !== "identity";
  // forEach rather than for-of: the same pairs, without the iterator's cost.
  upstream.forEach((value, name) => {
    if (PASS_RESPONSE.has(name) && !(encoded && name === "content-length")) out[name] = value;
  });
  const location = upstream.get("location");
  if (location !== null && upstreamOrigin) {
    // Only a redirect within the upstream is relayed, as the proxy's path; never to elsewhere.
    try {
      const target = new URL(location, `${upstreamOrigin}/`);
      if (target.origin === upstreamOrigin) out.location = `/api${target.pathname}${target.search}`;
    } catch {
      // not a URL: dropped
    }
  }
  return out;
}

/** One request to the upstream: a path (with its query) under the fixed base URL. */
export interface UpstreamRequest {
  method: string;
  headers: Record<string, string>;
  body?: Uint8Array<ArrayBuffer> | string;
}

/**
 * The fixed upstream: calls under its base URL, 502/504 as {@linkcode UpstreamError}. A call without
 * an answer within the timeout is a 504. Calls share their timeout signal by the window (see
 * {@linkcode TimeoutWindows}), so a body still streaming once its window's time is up may be cut.
 */
export class Upstream {
  readonly #base: string;
  readonly #fetch: (input: string, init: RequestInit) => Promise<Response>;
  readonly #windows: TimeoutWindows;

  /** `base`: the upstream's URL without a trailing slash. */
  constructor(
    base: string,
    options: {
      fetch: (input: string, init: RequestInit) => Promise<Response>;
      timeout: number;
    },
  ) {
    this.#base = base;
    this.#fetch = options.fetch;
    this.#windows = new TimeoutWindows(options.timeout);
  }

  /** Calls `pathAndQuery` (raw, starting with `/`) on the upstream. */
  call(pathAndQuery: string, request: UpstreamRequest): Promise<Response> {
    const window = this.#windows.current();
    const failed = () => {
      throw new UpstreamError(window.expired ? 504 : 502);
    };
    try {
      return this.#fetch(`${this.#base}${pathAndQuery}`, {
        method: request.method,
        headers: request.headers,
        body: request.body,
        signal: window.signal,
        redirect: "manual",
      }).catch(failed);
    } catch {
      // A fetch that throws instead of rejecting.
      return Promise.resolve().then(failed);
    }
  }
}
