/**
 * Serves the emulator over HTTP, on Deno or Node (`cirtusai emulator`, `deno task emulator`).
 *
 * @module
 */
import { InvalidArgumentError } from "../sdk/errors.ts";
import { serve } from "../server/serve.ts";
import { batchedLines, stdoutIsTerminal } from "../server/request_log.ts";
import { createEmulator, type Emulator, type EmulatorOptions } from "./app.ts";
import { isWildcard } from "./host_check.ts";

/** Options of {@linkcode serveEmulator}. */
export interface ServeEmulatorOptions extends EmulatorOptions {
  /** Port; default 8000 (0 picks a free one). */
  port?: number;
  /** Interface; default 127.0.0.1. */
  hostname?: string;
  /** Deno KV file to keep data in across restarts; default in memory. */
  db?: string;
  /** Called once listening, with the base URL. */
  onListen?: (url: string) => void;
  /**
   * No request log. Default: one line per request on stdout when stdout is a terminal, none when
   * it is piped or a file (unless `log` says where lines go).
   */
  quiet?: boolean;
}

/** A running emulator. */
export interface ServedEmulator {
  /** Its base URL, `http://127.0.0.1:8000`. */
  url: string;
  /** The emulator itself: its clock, outbox and store. */
  emulator: Emulator;
  /** Resolves once the server has stopped. */
  finished: Promise<void>;
  /** Stops the server and closes the store. */
  close(): Promise<void>;
}

/**
 * Starts the emulator on `hostname:port`, on Deno or Node 20+. `db` (Deno KV) needs Deno: on
 * Node it is refused with an `InvalidArgumentError`.
 *
 * @example
 * ```ts
 * import { serveEmulator } from "@cirtusai/sdk/emulator";
 * const { url, close } = await serveEmulator({ port: 0 });
 * console.log(url);
 * await close();
 * ```
 */
export async function serveEmulator(options: ServeEmulatorOptions = {}): Promise<ServedEmulator> {
  if (options.db && !("Deno" in globalThis)) {
    throw new InvalidArgumentError(
      "db",
      "--db keeps data in Deno KV, which needs Deno; on Node the emulator keeps data in memory",
    );
  }
  const store = options.store ??
    (options.db ? await (await import("./kv_store.ts")).KvStore.open(options.db) : undefined);
  const hostname = options.hostname ?? "127.0.0.1";
  const lines = options.quiet || (!options.log && !stdoutIsTerminal())
    ? undefined
    : batchedLines(options.log);
  const emulator = createEmulator({
    ...options,
    store,
    log: lines?.log,
    // The address it listens on is a name it answers to (unless it is every address).
    allowedHosts: [
      ...(options.allowedHosts ?? []),
      ...(isWildcard(hostname) ? [] : [hostname]),
    ],
  });
  await emulator.ready;
  let served;
  try {
    served = await serve((request, info) => emulator.app.fetch(request, info), {
      port: options.port ?? 8000,
      hostname,
    });
  } catch (err) {
    emulator.store.close();
    throw err;
  }
  options.onListen?.(served.url);
  return {
    url: served.url,
    emulator,
    finished: served.finished.finally(() => lines?.flush()),
    close: async () => {
      await served.shutdown();
      lines?.flush();
      emulator.store.close();
    },
  };
}
