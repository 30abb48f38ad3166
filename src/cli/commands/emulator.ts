import type { CommandSpec, Parsed } from "../command.ts";
import { sys } from "../runtime.ts";
import { CliUsageError } from "../errors.ts";

/** `cirtusai emulator`: serves the local API emulator until Ctrl-C. */
export const emulatorCommand: CommandSpec = {
  name: "emulator",
  help: "start the local CirtusAI API emulator",
  options: [
    { flags: "--port <port>", help: "port to listen on", default: "8000" },
    { flags: "--host <host>", help: "interface to listen on", default: "127.0.0.1" },
    { flags: "--db <path>", help: "keep data in this Deno KV file across restarts" },
    {
      flags: "--pbkdf2-iterations <n>",
      help: "password-hash cost (default 600000, the real one); lower only for load tests",
    },
  ],
  run: async ({ opts }: Parsed) => {
    const port = Number(opts.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new CliUsageError("--port must be a number from 0 to 65535");
    }
    const iterations = opts.pbkdf2Iterations === undefined
      ? undefined
      : Number(opts.pbkdf2Iterations);
    if (iterations !== undefined && (!Number.isInteger(iterations) || iterations < 1)) {
      throw new CliUsageError("--pbkdf2-iterations must be a whole number of at least 1");
    }
    const { serveEmulator } = await import("../../emulator/serve.ts");
    if (sys.stderr.isTerminal()) console.error("starting the emulator...");
    const db = opts.db === undefined ? undefined : String(opts.db);
    let served;
    try {
      served = await serveEmulator({
        port,
        hostname: String(opts.host),
        db,
        pbkdf2Iterations: iterations,
        log: (line) => console.log(line),
        // Announced as the CLI's default API URL spells it (the same server for the credentials).
        onListen: (url) =>
          console.log(
            `CirtusAI emulator listening on ${url.replace("//127.0.0.1:", "//localhost:")}${
              db ? ` (data in ${db})` : ""
            }`,
          ),
      });
    } catch (err) {
      if (sys.isAddrInUse(err)) {
        throw new CliUsageError(
          `port ${port} is in use (another emulator?); choose another with --port, e.g. --port ${
            port + 1
          }`,
        );
      }
      throw err;
    }
    await served.finished;
  },
};
