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
 * The body of `request`, read to at most `maxBytes`: null when it is larger, `"timeout"` when it
 * has not arrived whole within `timeoutMs` (a body that trickles in must not hold the connection),
 * `"incomplete"` when it broke off (the client, or a time limit in front, closed the connection).
 */
export async function readBody(
  request: Request,
  maxBytes: number,
  options: { timeoutMs?: number } = {},
): Promise<Uint8Array<ArrayBuffer> | null | "timeout" | "incomplete"> {
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > maxBytes) return null;
  if (!request.body) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body.getReader();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = options.timeoutMs === undefined ? null : new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), options.timeoutMs);
  });
  try {
    for (;;) {
      const read = reader.read().catch(() => "incomplete" as const);
      const next = late ? await Promise.race([read, late]) : await read;
      if (next === "incomplete") return next;
      if (next === "timeout") {
        reader.cancel().catch(() => {});
        return "timeout";
      }
      if (next.done) break;
      size += next.value.length;
      if (size > maxBytes) {
        await reader.cancel();
        return null;
      }
      chunks.push(next.value);
    }
  } finally {
    clearTimeout(timer);
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.length;
  }
  return body;
}

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
    if (body === "incomplete") return c.json({ detail: "Request body incomplete" }, 400);
    if (!body || body === "timeout") return tooLarge();
    c.req.raw = new Request(raw.url, { method: raw.method, headers: raw.headers, body });
    await next();
  };
}
