import assert from "node:assert/strict";
import { resolve } from "../src/cli/command.ts";
import { CliUsageError } from "../src/cli/errors.ts";
import { commandTree } from "../src/cli/main.ts";

Deno.test("an argument that starts with '-' (a base64url token) is an argument, not an option", () => {
  const parsed = resolve(commandTree(), ["auth", "verify-2fa", "-jX7abc_Q", "123456"]);
  assert.equal(parsed.kind, "run");
  if (parsed.kind === "run") assert.deepEqual(parsed.parsed.args, ["-jX7abc_Q", "123456"]);
});

Deno.test("unknown options are still refused, and a '-' word with no argument left for it", () => {
  const tree = commandTree();
  assert.throws(() => resolve(tree, ["agents", "list", "--bogus"]), CliUsageError);
  assert.throws(() => resolve(tree, ["agents", "list", "-q"]), CliUsageError);
  assert.throws(
    () => resolve(tree, ["auth", "verify-2fa", "tok", "123456", "-json"]),
    /unknown option '-json'/,
  );
});
