/**
 * Serves the emulator over HTTP with Deno (`deno task emulator [--port N] [--host H] [--db PATH]`).
 *
 * @module
 */
import { InvalidArgumentError } from "../sdk/errors.ts";
import { serve } from "../server/serve.ts";
import { createEmulator, type Emulator, type EmulatorOptions } from "./app.ts";

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
  const emulator = createEmulator({ ...options, store });
  await emulator.ready;
  const served = await serve((request, info) => emulator.app.fetch(request, info), {
    port: options.port ?? 8000,
    hostname: options.hostname ?? "127.0.0.1",
  });
  options.onListen?.(served.url);
  return {
    url: served.url,
    emulator,
    finished: served.finished,
    close: async () => {
      await served.shutdown();
      emulator.store.close();
    },
  };
}

const USAGE = `usage: deno task emulator [options]

  --port N                 port to listen on (default 8000; 0 picks a free one)
  --host ADDRESS           interface to listen on (default 127.0.0.1)
  --db PATH                keep data in this Deno KV file across restarts (default: in memory)
  --pbkdf2-iterations N    password-hash cost (default 600000, the real cost, OWASP's figure);
                           lower it only for load tests of login and register, e.g. 1000`;

interface Args {
  port: number;
  hostname: string;
  db?: string;
  pbkdf2Iterations?: number;
}

function parseArgs(args: string[]): Args {
  const out: Args = { port: 8000, hostname: "127.0.0.1" };
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i].split("=", 2);
    const value = () => inline ?? args[++i];
    if (flag === "--port") out.port = Number(value());
    else if (flag === "--host") out.hostname = value();
    else if (flag === "--db") out.db = value();
    else if (flag === "--pbkdf2-iterations") out.pbkdf2Iterations = Number(value());
    else if (flag === "--help" || flag === "-h") {
      console.log(USAGE);
      Deno.exit(0);
    } else {
      console.error(`error: unknown option ${flag} (try --help)`);
      Deno.exit(2);
    }
  }
  if (!Number.isInteger(out.port) || out.port < 0 || out.port > 65535) {
    console.error("error: --port must be a number from 0 to 65535");
    Deno.exit(2);
  }
  const n = out.pbkdf2Iterations;
  if (n !== undefined && (!Number.isInteger(n) || n < 1)) {
    console.error("error: --pbkdf2-iterations must be a whole number of at least 1");
    Deno.exit(2);
  }
  return out;
}

if (import.meta.main) {
  const args = parseArgs(Deno.args);
  await serveEmulator({
    ...args,
    log: (line) => console.log(line),
    onListen: (url) =>
      console.log(`CirtusAI emulator listening on ${url}${args.db ? ` (data in ${args.db})` : ""}`),
  });
}
