/**
 * A request body size limit for the emulator and the edge proxy: 413 `{"detail": "Request body
 * too large"}`. Unlike Hono's `bodyLimit`, a streamed body is re-wrapped without
 * the served request's `signal` (reading that signal makes Deno.serve warn, and it aborts once
 * the response is sent).
 *
 * @module
 */
import type { MiddlewareHandler } from "hono";

/** Refuses bodies over `maxBytes` with 413 `Request body too large`. */
export function limitBody(maxBytes: number): MiddlewareHandler {
  return async (c, next) => {
    const raw = c.req.raw;
    if (!raw.body) {
      await next();
      return;
    }
    const tooLarge = () => c.json({ detail: "Request body too large" }, 413);
    const declared = raw.headers.get("content-length");
    if (declared !== null && !raw.headers.has("transfer-encoding")) {
      if (Number(declared) > maxBytes) return tooLarge();
      await next();
      return;
    }
    const chunks: Uint8Array[] = [];
    let size = 0;
    const reader = raw.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.length;
      if (size > maxBytes) {
        await reader.cancel();
        return tooLarge();
      }
      chunks.push(value);
    }
    const body = new Uint8Array(size);
    let offset = 0;
    for (const chunk of chunks) {
      body.set(chunk, offset);
      offset += chunk.length;
    }
    c.req.raw = new Request(raw.url, { method: raw.method, headers: raw.headers, body });
    await next();
  };
}
