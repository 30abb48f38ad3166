import type { CommandSpec, Parsed } from "../command.ts";
import { sys } from "../runtime.ts";
import { CliUsageError } from "../errors.ts";

/**
 * `cirtusai emulator` (and `deno task emulator`, which runs this same command): serves the local
 * API emulator until Ctrl-C, after a banner that says where everything is.
 */
export const emulatorCommand: CommandSpec = {
  name: "emulator",
  help: "start the local CirtusAI API emulator",
  options: [
    { flags: "--port <port>", help: "port to listen on", default: "8000" },
    {
      flags: "--host <host>",
      help: "interface to listen on (0.0.0.0: all of them; see --allowed-host)",
      default: "127.0.0.1",
    },
    { flags: "--db <path>", help: "keep data in this Deno KV file across restarts" },
    {
      flags: "--pbkdf2-iterations <n>",
      help: "password-hash cost (default 600000, the real one); lower only for load tests",
    },
    { flags: "--quiet", help: "no request log" },
    { flags: "--log", help: "log requests even when stdout is not a terminal" },
    {
      flags: "--allowed-host <names>",
      help: "names to answer besides localhost (comma-separated; .name: subdomains too)",
    },
    {
      flags: "--expose-dev-routes",
      help: "serve /_emulator and its UI to other machines too (it shows every code)",
    },
  ],
  epilog: `Examples:
  cirtusai emulator                          # http://localhost:8000, data in memory
  cirtusai emulator --port 9000 --db ./cirtusai.kv
  cirtusai emulator --quiet --pbkdf2-iterations 1000   # for load tests`,
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
    if (opts.quiet && opts.log) throw new CliUsageError("--quiet and --log contradict each other");
    const allowedHosts = typeof opts.allowedHost === "string"
      ? opts.allowedHost.split(",").map((n) => n.trim()).filter(Boolean)
      : [];
    const hostname = String(opts.host);
    const db = opts.db === undefined ? undefined : String(opts.db);
    const logging = opts.log === true || (!opts.quiet && sys.stdout.isTerminal());
    const [{ serveEmulator }, { bannerLines, bannerWarnings }] = await Promise.all([
      import("../../emulator/serve.ts"),
      import("../../emulator/banner.ts"),
    ]);
    if (sys.stderr.isTerminal()) console.error("starting the emulator...");
    let served;
    try {
      served = await serveEmulator({
        port,
        hostname,
        db,
        pbkdf2Iterations: iterations,
        quiet: !logging,
        log: logging ? (text) => console.log(text) : undefined,
        allowedHosts,
        exposeDevRoutes: opts.exposeDevRoutes === true,
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
    // Announced as the CLI's default API URL spells it (the same server for the credentials).
    const url = served.url.replace(/\/\/(127\.0\.0\.1|0\.0\.0\.0|\[::\]):/, "//localhost:");
    const facts = {
      url,
      hostname,
      db,
      logging,
      store: db ? "kv" as const : "memory" as const,
      devRoutes: true,
      exposeDevRoutes: opts.exposeDevRoutes === true,
    };
    for (const line of bannerWarnings(facts)) console.error(line);
    console.log(bannerLines(facts).join("\n"));
    await served.finished;
  },
};
