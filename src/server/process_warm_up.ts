/**
 * What Deno sets up for the whole process on first use, and needs a file descriptor for, set up
 * before a server takes clients. Once clients have taken every descriptor (a flood of
 * connections under a low `ulimit -n`), these first uses fail:
 *
 * - Signals: the first listener on any signal makes the thread and the socket pair that all
 *   signals go through, and Deno panics if it cannot (`ext/signals/lib.rs`: `Signals::new(..)
 *   .unwrap()`). `deno run` adds its first listener itself (SIGUSR1, for the inspector) half a
 *   second after start, so a server flooded then died.
 * - TLS roots: the store `fetch` trusts is loaded once, by the first client made (the app's first
 *   `fetch`, or `deno run`'s update check half a second after start); when the file named by
 *   `NODE_EXTRA_CA_CERTS` cannot be opened then, its certificates are left out for good, with a
 *   warning (a proxy would then refuse an upstream signed by that CA).
 *
 * A listener on SIGWINCH (ignored by default, on Windows not needed) added and removed at once,
 * and an HTTP client made and closed, set both up; they cost about 2 ms.
 *
 * @module
 */

/** Sets up, on Deno, what the process would otherwise set up on first use (see the module). */
export function warmUpProcess(): void {
  if (!("Deno" in globalThis)) return;
  try {
    Deno.createHttpClient({}).close();
  } catch {
    // DENO_CERT unreadable: every fetch reports it, and nothing is cached, so it is not lost
  }
  if (Deno.build.os === "windows") return; // signals need no descriptor there
  const ignore = () => {};
  Deno.addSignalListener("SIGWINCH", ignore);
  Deno.removeSignalListener("SIGWINCH", ignore);
}
