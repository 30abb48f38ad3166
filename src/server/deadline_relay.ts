/**
 * Time limits on clients for a Deno HTTP server. `Deno.serve` has none (denoland/deno#3515): a
 * client that sends its headers a byte every few seconds, or never sends anything, holds a
 * connection for as long as it likes, and enough of them exhaust the server. So the public port is
 * a relay: each connection's bytes are framed as HTTP/1.1 requests ({@linkcode Http1Framing}) on
 * their way to a `Deno.serve` on a loopback port, and a connection that takes too long over a
 * request head, a whole request, or sits idle between requests is closed (with a 408 when no
 * answer can be under way on it yet). Answers flow back untouched. Requests the framing refuses
 * (smuggling shapes, an over-long head) are answered 400 or 431 and the connection closed.
 *
 * Deno only; Node's own `headersTimeout` and `requestTimeout` do this there. Serves HTTP/1.1 only
 * (no TLS, no HTTP/2, no protocol upgrades: the CirtusAI emulator and proxy need none of them).
 *
 * @module
 */
import { InvalidArgumentError } from "../sdk/errors.ts";
import { FramingError, Http1Framing } from "./http1_framing.ts";

/** How long a client may take; each in ms, `Infinity` for no limit. */
export interface ClientDeadlines {
  /** From a request's first byte to the end of its head; default 10 000. */
  headersTimeoutMs?: number;
  /** From a request's first byte to the end of its body; default 30 000. */
  requestTimeoutMs?: number;
  /**
   * A connection between requests with nothing sent either way (before its first request too);
   * default 60 000. An answer that sends nothing for this long is cut as well.
   */
  idleTimeoutMs?: number;
  /** The longest request head; default 64 KiB (431 beyond). */
  maxHeadBytes?: number;
}

/** The listening relay. */
export interface DeadlineRelay {
  /** The public address. */
  addr: Deno.NetAddr;
  /** The client address of a connection that reached the inner server through the relay. */
  clientOf(inner: Deno.NetAddr): string | undefined;
  /** Stops accepting, then closes every connection once `drained` resolves. */
  close(drained: Promise<unknown>): Promise<void>;
}

interface Relayed {
  client: Deno.Conn;
  inner: Deno.Conn;
  framing: Http1Framing;
  /** When the connection is closed unless something changes (epoch ms). */
  deadline: number;
  /** When the current request's first byte came. */
  requestStart: number;
  closed: boolean;
}

const CHECK_EVERY_MS = 250;
const REFUSAL = (status: number, reason: string) =>
  new TextEncoder().encode(
    `HTTP/1.1 ${status} ${reason}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`,
  );

/**
 * Listens on `hostname:port` and relays to `innerPort()` on 127.0.0.1 under the deadlines.
 */
export function listenWithDeadlines(
  options: {
    hostname: string;
    port: number;
    /** The inner server's port on 127.0.0.1; undefined while there is none. */
    innerPort: () => number | undefined;
  } & ClientDeadlines,
): DeadlineRelay {
  const headersTimeout = options.headersTimeoutMs ?? 10_000;
  const requestTimeout = options.requestTimeoutMs ?? 30_000;
  const idleTimeout = options.idleTimeoutMs ?? 60_000;
  for (const [field, value] of Object.entries({ headersTimeout, requestTimeout, idleTimeout })) {
    if (!(value > 0)) {
      throw new InvalidArgumentError(`${field}Ms`, `${field}Ms must be a positive number of ms`);
    }
  }
  const listener = Deno.listen({ hostname: options.hostname, port: options.port });
  const open = new Set<Relayed>();
  const clients = new Map<number, string>(); // the inner connection's local port -> the client

  const headTimeout = Math.min(headersTimeout, requestTimeout);
  const idleDeadline = () => Date.now() + idleTimeout;
  /** The deadline for where the framing now is. */
  const deadlineOf = (r: Relayed) =>
    r.framing.phase === "idle"
      ? idleDeadline()
      : r.requestStart + (r.framing.phase === "head" ? headTimeout : requestTimeout);

  function end(r: Relayed, refusal?: Uint8Array): void {
    if (r.closed) return;
    r.closed = true;
    open.delete(r);
    clients.delete((r.inner.localAddr as Deno.NetAddr).port);
    const closeAll = () => {
      for (const conn of [r.client, r.inner]) {
        try {
          conn.close();
        } catch {
          // already closed
        }
      }
    };
    if (refusal) r.client.write(refusal).catch(() => {}).finally(closeAll);
    else closeAll();
  }

  const timer = setInterval(() => {
    const now = Date.now();
    for (const r of open) {
      if (now < r.deadline) continue;
      // A 408 only where no answer can be under way: while the head of the connection's first
      // request is still arriving. Otherwise just the close, as between requests.
      const first = r.framing.phase === "head" && r.framing.heads === 0;
      end(r, first ? REFUSAL(408, "Request Timeout") : undefined);
    }
  }, CHECK_EVERY_MS);
  Deno.unrefTimer(timer);

  async function requests(r: Relayed): Promise<void> {
    const buffer = new Uint8Array(16 * 1024);
    for (;;) {
      const n = await r.client.read(buffer);
      if (n === null) break;
      const chunk = buffer.subarray(0, n);
      const starts = r.framing.starts;
      try {
        r.framing.push(chunk);
      } catch (err) {
        if (!(err instanceof FramingError)) throw err;
        const reason = err.status === 431 ? "Request Header Fields Too Large" : "Bad Request";
        // Nothing of this connection reached the server yet: the refusal is the only answer.
        return end(r, r.framing.heads === 0 ? REFUSAL(err.status, reason) : undefined);
      }
      // A request began in this chunk. The first is timed from the connection's start:
      // connecting and sending nothing holds a connection no longer than a trickled head does.
      if (r.framing.starts !== starts && r.framing.starts > 1) r.requestStart = Date.now();
      r.deadline = deadlineOf(r);
      await writeAll(r.inner, chunk);
    }
    await r.inner.closeWrite().catch(() => {});
  }

  async function answers(r: Relayed): Promise<void> {
    const buffer = new Uint8Array(16 * 1024);
    for (;;) {
      const n = await r.inner.read(buffer);
      if (n === null) break;
      // An answer flowing keeps an idle connection open; a request still arriving keeps its limit.
      if (r.framing.phase === "idle") r.deadline = idleDeadline();
      await writeAll(r.client, buffer.subarray(0, n));
    }
  }

  async function relay(client: Deno.Conn): Promise<void> {
    let inner: Deno.Conn;
    try {
      const port = options.innerPort();
      if (port === undefined) throw new Deno.errors.ConnectionRefused("no server");
      inner = await Deno.connect({ hostname: "127.0.0.1", port });
    } catch {
      client.close();
      return;
    }
    const r: Relayed = {
      client,
      inner,
      framing: new Http1Framing({ maxHeadBytes: options.maxHeadBytes }),
      deadline: Math.min(Date.now() + headTimeout, idleDeadline()),
      requestStart: Date.now(),
      closed: false,
    };
    open.add(r);
    clients.set(
      (inner.localAddr as Deno.NetAddr).port,
      (client.remoteAddr as Deno.NetAddr).hostname,
    );
    // The client's end of input is passed on; the server's end of answers ends the connection.
    await Promise.all([
      requests(r).catch(() => end(r)),
      answers(r).catch(() => {}).then(() => end(r)),
    ]);
  }

  let closing = false;
  const accepting = (async () => {
    while (!closing) {
      let conn: Deno.Conn;
      try {
        conn = await listener.accept();
      } catch {
        // Closed, or out of file descriptors for a moment (many clients at once): that must not
        // stop the server for good, so accepting goes on after a pause.
        if (!closing) await new Promise((resolve) => setTimeout(resolve, 50));
        continue;
      }
      relay(conn).catch(() => {});
    }
  })();

  return {
    addr: listener.addr as Deno.NetAddr,
    clientOf: (inner) => inner.hostname === "127.0.0.1" ? clients.get(inner.port) : undefined,
    async close(drained) {
      closing = true;
      try {
        listener.close();
      } catch {
        // already closed
      }
      await accepting;
      await drained;
      clearInterval(timer);
      for (const r of [...open]) end(r);
    },
  };
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  for (let written = 0; written < bytes.length;) {
    written += await conn.write(bytes.subarray(written));
  }
}
