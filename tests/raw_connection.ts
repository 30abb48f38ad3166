// A raw TCP connection for tests of what a server does with slow or odd clients.

/** A connection to `hostname:port`: what it reads until the server closes, and when that was. */
export async function rawConnection(port: number, hostname = "127.0.0.1") {
  const conn = await Deno.connect({ hostname, port });
  const started = performance.now();
  let text = "";
  const closed = (async () => {
    const buffer = new Uint8Array(4096);
    for (;;) {
      const n = await conn.read(buffer).catch(() => null);
      if (n === null) break;
      text += new TextDecoder().decode(buffer.subarray(0, n));
    }
    return performance.now() - started;
  })();
  return {
    /** Sends `s`; a write to a closed connection is ignored. */
    write: (s: string) => conn.write(new TextEncoder().encode(s)).catch(() => 0),
    /** Shuts this side for writing (the server sees the end of the request stream). */
    closeWrite: () => conn.closeWrite().catch(() => {}),
    /** Resolves with the ms from connecting to the server's close. */
    closed,
    /** Everything read so far. */
    text: () => text,
    close: () => {
      try {
        conn.close();
      } catch {
        // closed already
      }
    },
  };
}

/**
 * A client that sends `head`, then `drip` every `everyMs` ms, until the server closes the
 * connection: the server's answer and how long it took.
 */
export async function slowClient(
  port: number,
  options: { head: string; drip: string; everyMs?: number; hostname?: string },
): Promise<{ answer: string; ms: number }> {
  const client = await rawConnection(port, options.hostname);
  await client.write(options.head);
  const trickle = setInterval(() => client.write(options.drip), options.everyMs ?? 50);
  const ms = await client.closed;
  clearInterval(trickle);
  client.close();
  return { answer: client.text(), ms };
}
