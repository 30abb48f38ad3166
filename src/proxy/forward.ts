/**
 * Forwarding to the upstream API: a fixed base URL, a header allowlist both ways, a timeout, and
 * no incoming `signal` (Deno.serve aborts it when the response completes, which would cut a
 * streamed answer short).
 *
 * @module
 */
import { TimeoutWindows } from "./timeout_windows.ts";
import { CirtusAIError } from "../errors.ts";

// Request headers worth passing on; everything else (Authorization, Cookie, hop-by-hop,
// Host, Origin, X-Forwarded-*) stays behind.
const REQUEST_HEADERS = ["accept", "accept-language", "content-type", "user-agent"];
// Response headers that must not pass: hop-by-hop, upstream cookies, and the body's encoding
// (fetch hands over the body decoded; see downstreamHeaders for its length).
const DROP_RESPONSE = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "set-cookie",
  "content-encoding",
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
export function upstreamHeaders(incoming: Headers, token?: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of REQUEST_HEADERS) {
    const value = incoming.get(name);
    if (value !== null) out[name] = value;
  }
  if (token) out.authorization = `Bearer ${token}`;
  return out;
}

/**
 * The upstream's answer as the browser gets it: the answer itself when none of its headers needs
 * to go (the common case, which spares a copy), otherwise a copy with the headers filtered by
 * {@linkcode downstreamHeaders}; `setCookie` adds the session cookie. The body streams through.
 */
export function relay(res: Response, setCookie?: string): Response {
  if (setCookie === undefined && passesAsIs(res.headers)) return res;
  const headers = downstreamHeaders(res.headers);
  if (setCookie !== undefined) headers["set-cookie"] = setCookie;
  return new Response(res.body, { status: res.status, headers });
}

function passesAsIs(headers: Headers): boolean {
  let clean = true;
  headers.forEach((_, name) => {
    if (DROP_RESPONSE.has(name)) clean = false;
  });
  return clean;
}

/**
 * The upstream response's headers, filtered for the browser, as a record (the fastest to build a
 * Response from; the upstream's own cookies never pass, so no name repeats). `Content-Length`
 * passes only for a body that was not content-encoded: fetch decodes a gzip or br body but keeps
 * the encoded length, which would then be wrong. Kept, it spares the browser a chunked answer.
 */
export function downstreamHeaders(upstream: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  const encoding = upstream.get("content-encoding");
  const encoded = encoding !== null && encoding.trim().toLowerCase() !== "identity";
  // forEach rather than for-of: the same pairs, without the iterator's cost.
  upstream.forEach((value, name) => {
    if (!DROP_RESPONSE.has(name) && !(encoded && name === "content-length")) out[name] = value;
  });
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
