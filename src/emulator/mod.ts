/**
 * A local emulator of the CirtusAI API (Hono), with the real semantics: mandatory TOTP 2FA,
 * rotating refresh tokens, agents with did:key DIDs, wallets and VC-JWT credentials.
 *
 * @example
 * ```ts
 * import { createEmulator } from "@cirtusai/sdk/emulator";
 * const emulator = createEmulator();
 * Deno.serve({ port: 8000 }, emulator.app.fetch);
 * ```
 *
 * @module
 */
export { createEmulator, type Emulator, type EmulatorOptions, type LegacyUser } from "./app.ts";
export { type ClockState, EmulatorClock } from "./clock.ts";
export { KvStore } from "./kv_store.ts";
export { type SmsMessage, SmsOutbox, type SmsSender } from "./sms.ts";
export {
  type Check,
  type Entry,
  type Key,
  MemoryStore,
  type Mutation,
  RecordTooLargeError,
  type Store,
  StoreBusyError,
  transact,
  type Txn,
  type Versioned,
  type VersionedEntry,
} from "./store.ts";
export { toChecksumAddress } from "./wallet_keys.ts";
export { type ServedEmulator, serveEmulator, type ServeEmulatorOptions } from "./serve.ts";
export type { ThrottleOptions } from "./throttle.ts";
export type { FetchApp } from "../server/fetch_app.ts";
