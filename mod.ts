/**
 * The CirtusAI SDK for Deno, Node 18+, Bun, browsers and edge workers: built on `fetch` and
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
export * from "./src/errors.ts";
export * from "./src/totp.ts";
