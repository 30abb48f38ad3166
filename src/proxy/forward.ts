/**
 * Forwarding to the upstream API: a fixed base URL, a header allowlist both ways, a timeout, and
 * no incoming `signal` (Deno.serve aborts it when the response completes, which would cut a
 * streamed answer short).
 *
 * @module
 */
import { CirtusAIError } from "../errors.ts";

// Request headers worth passing on; everything else (Authorization, Cookie, hop-by-hop,
// Host, Origin, X-Forwarded-*) stays behind.
const REQUEST_HEADERS = ["accept", "accept-language", "content-type", "user-agent"];
// Response headers that must not pass: hop-by-hop, upstream cookies, and those the runtime rewrites.
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
  "content-length",
  "content-encoding",
]);

/** What went wrong reaching the upstream. */
export class UpstreamError extends CirtusAIError {
  /** 502 (unreachable) or 504 (timed out). */
  readonly status: 502 | 504;
  constructor(status: 502 | 504) {
    super(status === 504 ? "Upstream timed out" : "Upstream unreachable");
    this.status = status;
  }
}

/** The request headers to send upstream. */
export function upstreamHeaders(incoming: Headers, token?: string): Headers {
  const out = new Headers();
  for (const name of REQUEST_HEADERS) {
    const value = incoming.get(name);
    if (value !== null) out.set(name, value);
  }
  if (token) out.set("authorization", `Bearer ${token}`);
  return out;
}

/** The upstream response's headers, filtered for the browser. */
export function downstreamHeaders(upstream: Headers): Headers {
  const out = new Headers();
  for (const [name, value] of upstream) if (!DROP_RESPONSE.has(name)) out.set(name, value);
  return out;
}

/**
 * Calls the upstream; 502/504 as {@linkcode UpstreamError}. The timeout covers the wait for the
 * upstream's answer; its body then streams through.
 */
export async function callUpstream(
  fetchImpl: (input: string, init: RequestInit) => Promise<Response>,
  url: string,
  init: { method: string; headers: Headers; body?: Uint8Array<ArrayBuffer> | string | null },
  timeoutMs: number,
): Promise<Response> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    return await fetchImpl(url, {
      method: init.method,
      headers: init.headers,
      body: init.body ?? undefined,
      signal: controller.signal,
      redirect: "manual",
    });
  } catch {
    throw new UpstreamError(controller.signal.aborted ? 504 : 502);
  } finally {
    clearTimeout(timer);
  }
}
