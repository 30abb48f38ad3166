import { CirtusAIError } from "../sdk/errors.ts";

/** A mistake in how the CLI was called (bad argument, missing input): exit code 2. */
export class CliUsageError extends CirtusAIError {}
Object.defineProperty(CliUsageError.prototype, "name", { value: "CliUsageError" });

/** Something the CLI could not do that is not a usage mistake (a busy lock, a refusal): exit 1. */
export class CliError extends CirtusAIError {}
Object.defineProperty(CliError.prototype, "name", { value: "CliError" });
