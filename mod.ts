/**
 * The CirtusAI SDK for Deno, Node 20+, Bun, browsers and edge workers: built on `fetch` and
 * WebCrypto only.
 *
 * @example
 * ```ts
 * import { CirtusAIClient } from "@cirtusai/sdk";
 * const client = new CirtusAIClient("http://localhost:8000");
 * await client.auth.loginWith2fa("ada", "correct horse", { totpSecret: "JBSWY3DPEHPK3PXP" });
 * console.log(await client.agents.listAgents());
 * ```
 *
 * @module
 */
export { CirtusAIClient, type ClientOptions } from "./src/sdk/client.ts";
export * from "./src/sdk/errors.ts";
export type { CallOptions } from "./src/sdk/http.ts";
export {
  LocalStorageTokenStore,
  MemoryTokenStore,
  type StoredTokens,
  type TokenStore,
} from "./src/sdk/token_store.ts";
export type * from "./src/sdk/types.ts";
export type { RegisterInput, SecondFactor } from "./src/sdk/resources/auth.ts";
export { AuthResource } from "./src/sdk/resources/auth.ts";
export { AgentsResource } from "./src/sdk/resources/agents.ts";
export { WalletsResource } from "./src/sdk/resources/wallets.ts";
export { IdentityResource } from "./src/sdk/resources/identity.ts";
// TOTP for the second factor; the rest of the TOTP toolkit (otpauth URIs, secrets, HOTP) is
// in `@cirtusai/sdk/totp`, so that the client's bundle carries only what login needs.
export { type OtpAlgorithm, Totp, type TotpOptions, type VerifyOptions } from "./src/sdk/totp.ts";
