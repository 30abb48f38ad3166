// The address a server a test started prints when it is ready.

/**
 * Reads `stream` (a server's stdout) until it prints an http URL; resolves to its origin, on
 * 127.0.0.1 for `localhost`. Rejects with what it printed if it ends first.
 */
export async function servedUrl(reader: ReadableStreamDefaultReader<string>): Promise<string> {
  let seen = "";
  while (true) {
    const match = seen.match(/https?:\/\/[^\s/]+(?=[\s/])/);
    if (match) return new URL(match[0]).origin.replace("//localhost:", "//127.0.0.1:");
    const { value, done } = await reader.read();
    if (done) throw new Error(`the server did not start; it printed: ${seen}`);
    seen += value;
  }
}
