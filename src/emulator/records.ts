/**
 * What the emulator stores. Secrets are kept hashed where the protocol allows (passwords,
 * backup codes, refresh and temporary tokens, SMS codes).
 *
 * @module
 */
import type { JsonObject } from "../sdk/types.ts";
import type { PasswordHash } from "./password.ts";

/** An account. */
export interface UserRecord {
  id: string;
  username: string;
  email: string;
  password: PasswordHash;
  created_at: string;
  /** The TOTP secret login asks for (set at registration; null once disabled or for legacy users). */
  totp_secret: string | null;
  /** True once the secret was confirmed with a code, or used to log in. */
  is_2fa_enabled: boolean;
  preferred_2fa_method: "totp" | "sms" | null;
  is_sms_enabled: boolean;
  /** A secret from `/auth/2fa/setup` waiting for confirmation, with its backup codes. */
  pending_totp_secret: string | null;
  pending_backup_codes: string[] | null;
  /** SHA-256 hashes of unused backup codes. */
  backup_codes: string[];
  /** Highest TOTP time step accepted so far: each step's code works once. */
  last_totp_step: number;
  /** The clock's epoch `last_totp_step` was taken in (absent: 0); see `EmulatorClock.reset`. */
  totp_epoch?: number;
  master_agent_id: string;
}

/** A master or child agent. */
export interface AgentRecord {
  id: string;
  user_id: string;
  parent_id: string | null;
  name: string;
  did: string;
  state: JsonObject | null;
  permissions: JsonObject;
  created_at: string;
  /** The DID's Ed25519 private key (JWK); never sent. */
  private_jwk: JsonWebKey;
  /** Bumped whenever a child or an asset is added under the agent (see Backend.deleteAgent). */
  rev?: number;
}

/** An e-mail address or wallet of an agent. */
export interface AssetRecord {
  id: string;
  user_id: string;
  agent_id: string;
  type: "email" | "wallet";
  details: JsonObject;
  created_at: string;
  /** A wallet's private key (hex or base58); never sent. */
  private_key?: string;
}

/** A linked e-mail account. */
export interface EmailAccountRecord {
  id: string;
  user_id: string;
  provider: string;
  email_address: string;
  config: JsonObject;
}

/** A refresh token, stored under its hash. */
export interface RefreshRecord {
  user_id: string;
  family: string;
  used: boolean;
  expires_at: number;
}

/** A temporary token between login and verify-2fa, stored under its hash. */
export interface TempTokenRecord {
  user_id: string;
  expires_at: number;
  /** Attempts so far (counted before each code is checked). */
  failures: number;
}

/** The latest SMS code of a user. */
export interface SmsCodeRecord {
  code_hash: string;
  expires_at: number;
}
