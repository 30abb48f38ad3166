import { CirtusAIError } from "../sdk/errors.ts";

/** A mistake in how the CLI was called (bad argument, missing input): exit code 2. */
export class CliUsageError extends CirtusAIError {}
Object.defineProperty(CliUsageError.prototype, "name", { value: "CliUsageError" });
