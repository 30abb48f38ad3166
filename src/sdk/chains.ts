/**
 * The chains a wallet can be provisioned on (`POST .../provision/wallet?chain=`, docs/API.md): the
 * one list that the emulator checks, the CLI offers as `--chain` choices, the agent tools offer as
 * an enum and the example web app shows. It imports nothing, and `mod.ts` does not import it, so
 * it costs the SDK's bundle nothing and loads no curve library.
 *
 * @module
 */

/**
 * Chains a wallet can be provisioned on.
 *
 * @example
 * ```ts
 * import { SUPPORTED_CHAINS } from "./chains.ts";
 * SUPPORTED_CHAINS.includes("solana"); // true
 * ```
 */
export const SUPPORTED_CHAINS = ["ethereum", "polygon", "arbitrum", "base", "solana"] as const;

/** One of {@linkcode SUPPORTED_CHAINS}. */
export type Chain = typeof SUPPORTED_CHAINS[number];
