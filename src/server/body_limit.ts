/**
 * A request body size limit for the emulator and the edge proxy: 413 `{"detail": "Request body
 * too large"}`. Unlike Hono's `bodyLimit`, a streamed body is re-wrapped without
 * the served request's `signal` (reading that signal makes Deno.serve warn, and it aborts once
 * the response is sent).
 *
 * @module
 */
import type { MiddlewareHandler } from "hono";

/**
 * Reads a request's whole body, or null as soon as it is known to exceed `maxBytes` (a declared
 * Content-Length over it, or more bytes than that streamed in).
 */
export async function readBody(
  request: Request,
  maxBytes: number,
): Promise<Uint8Array<ArrayBuffer> | null> {
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > maxBytes) return null;
  if (!request.body) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > maxBytes) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.length;
  }
  return body;
}

/** Refuses bodies over `maxBytes` with 413 `Request body too large`. */
export function limitBody(maxBytes: number): MiddlewareHandler {
  return async (c, next) => {
    const raw = c.req.raw;
    if (!raw.body) return await next();
    const tooLarge = () => c.json({ detail: "Request body too large" }, 413);
    const declared = raw.headers.get("content-length");
    if (declared !== null && !raw.headers.has("transfer-encoding")) {
      // The server holds the body to its declared length: no need to read it here.
      return Number(declared) > maxBytes ? tooLarge() : await next();
    }
    const body = await readBody(raw, maxBytes);
    if (!body) return tooLarge();
    c.req.raw = new Request(raw.url, { method: raw.method, headers: raw.headers, body });
    await next();
  };
}
