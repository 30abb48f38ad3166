import { Command } from "commander";
import { serveEmulator } from "../../emulator/serve.ts";
import { CliUsageError } from "../errors.ts";

/** `cirtusai emulator`: serves the local API emulator until Ctrl-C. */
export function emulatorCommand(): Command {
  return new Command("emulator").description("start the local CirtusAI API emulator")
    .option("--port <port>", "port to listen on", "8000")
    .option("--host <host>", "interface to listen on", "127.0.0.1")
    .option("--db <path>", "keep data in this Deno KV file across restarts")
    .option(
      "--pbkdf2-iterations <n>",
      "password-hash cost (default 600000, the real one); lower only for load tests",
    )
    .action(
      async (opts: { port: string; host: string; db?: string; pbkdf2Iterations?: string }) => {
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
        if (Deno.stderr.isTerminal()) console.error("starting the emulator...");
        const { server } = await serveEmulator({
          port,
          hostname: opts.host,
          db: opts.db,
          pbkdf2Iterations: iterations,
          log: (line) => console.log(line),
          onListen: (url) =>
            console.log(
              `CirtusAI emulator listening on ${url}${opts.db ? ` (data in ${opts.db})` : ""}`,
            ),
        });
        await server.finished;
      },
    );
}
