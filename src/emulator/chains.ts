/**
 * The chains a wallet can be provisioned on (`POST .../provision/wallet?chain=`): the one list
 * that the emulator checks and that the agent tools offer as an enum. It imports nothing, so
 * that the tools do not load the wallet keys' curve libraries.
 *
 * @module
 */

/** Chains the emulator can provision. */
export const SUPPORTED_CHAINS = ["ethereum", "polygon", "arbitrum", "base", "solana"] as const;

/** One of {@linkcode SUPPORTED_CHAINS}. */
export type Chain = typeof SUPPORTED_CHAINS[number];
