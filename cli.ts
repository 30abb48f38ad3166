/**
 * The `cirtusai` command line over the SDK.
 *
 * ```sh
 * deno run -A cli.ts --help
 * deno install -g -A -n cirtusai cli.ts   # a `cirtusai` command
 * deno task compile                        # one binary in dist/cirtusai
 * ```
 *
 * @module
 */
import { main } from "./src/cli/main.ts";

export { main } from "./src/cli/main.ts";

if (import.meta.main) {
  // Ctrl-C: leave quietly with the conventional status (the prompt restores the terminal itself).
  Deno.addSignalListener("SIGINT", () => Deno.exit(130));
  Deno.exit(await main(Deno.args));
}
