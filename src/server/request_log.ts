/**
 * One log line per request (method, path, status, duration) for the emulator and the proxy.
 * Never the query string, a header or a body, so no token or code reaches a log.
 *
 * @module
 */
import type { MiddlewareHandler } from "hono";

/** Logs each request through `log` once it is answered. */
export function requestLog(log: (line: string) => void): MiddlewareHandler {
  return async (c, next) => {
    const start = performance.now();
    await next();
    log(
      `${c.req.method} ${c.req.path} ${c.res.status} ${(performance.now() - start).toFixed(1)}ms`,
    );
  };
}

/** Lines written at most this long after they were logged. */
const FLUSH_MS = 25;
const MAX_BATCH = 512;

/**
 * A `log` for {@linkcode requestLog} that writes to stdout in batches: one write for the lines of
 * up to 25 ms (a write to a terminal per request costs more than the request itself). `flush()`
 * writes what is pending at once.
 */
export function batchedLines(
  write: (text: string) => void = (text) => console.log(text),
): { log: (line: string) => void; flush: () => void } {
  let pending: string[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  const flush = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    if (pending.length === 0) return;
    const lines = pending;
    pending = [];
    write(lines.join("\n"));
  };
  return {
    log: (line) => {
      pending.push(line);
      if (pending.length >= MAX_BATCH) flush();
      else timer ??= setTimeout(flush, FLUSH_MS);
    },
    flush,
  };
}

/** Whether stdout is a terminal, on Deno, Node and Bun (false where there is none). */
export function stdoutIsTerminal(): boolean {
  const g = globalThis as {
    Deno?: { stdout: { isTerminal(): boolean } };
    process?: { stdout?: { isTTY?: boolean } };
  };
  if (g.Deno) return g.Deno.stdout.isTerminal();
  return g.process?.stdout?.isTTY === true;
}
