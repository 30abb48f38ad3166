/**
 * Wire models of the CirtusAI API. Field names are the wire's (snake_case), exactly as in the
 * API contract; extra fields the server sends are kept on the objects.
 *
 * @module
 */

/** A JSON object of unknown shape (agent state, permissions, claims, configs). */
export type JsonObject = { [key: string]: unknown };

/** Tokens issued by login, verify-2fa and refresh. */
export interface Token {
  /** Bearer token for `Authorization`. */
  access_token: string;
  /** `"bearer"` (filled in when the server leaves it out). */
  token_type: string;
  /** Seconds until the access token expires, when the server says. */
  expires_in?: number | null;
  /** Token for `/auth/refresh`; rotated on every use. */
  refresh_token?: string | null;
  /** Never true on a Token: lets `login`'s result be narrowed on `requires_2fa`. */
  requires_2fa?: false;
}

/** Login's answer when a second factor is needed. */
export interface TwoFactorRequired {
  /** Always true: the discriminant of {@linkcode LoginResult}. */
  requires_2fa: true;
  /** Short-lived token to send with the code to `/auth/verify-2fa`. */
  temporary_token: string;
  /**
   * Where the code comes from (`"totp"`, `"sms"`, or another method the server names). Optional:
   * the user guide's response model has none.
   */
  preferred_method?: "totp" | "sms" | (string & Record<never, never>) | null;
  /** Human-readable instruction, when the server sends one. */
  message?: string | null;
}

/** What `login` returns: tokens, or a request for the second factor. */
export type LoginResult = Token | TwoFactorRequired;

/**
 * A TOTP key to be added to an authenticator app, with backup codes. The technical
 * documentation's spelling (`secret`, `qr_code_uri`) is canonical; the user guide's
 * (`secret_key`, `qr_code_url`) fills it when it is all the server sends, and stays too.
 */
export interface TwoFactorSetup {
  /** Base32 secret (from `secret`, or the guide's `secret_key` or `manual_entry_key`). */
  secret: string;
  /** `otpauth://totp/CirtusAI:<email>?secret=...&issuer=CirtusAI` (or the guide's `qr_code_url`). */
  qr_code_uri: string;
  /** Single-use recovery codes. */
  backup_codes: string[];
  /** Base64 PNG of the QR code (no `data:` prefix); the user guide's model has none. */
  qr_code_image?: string | null;
  /** The guide's spelling of the secret. */
  secret_key?: string | null;
  /** The guide's spelling of the otpauth URI. */
  qr_code_url?: string | null;
  /** The secret for typing by hand (may contain spaces). */
  manual_entry_key?: string | null;
  /** Any further fields the server sends. */
  [key: string]: unknown;
}

/**
 * The account's 2FA configuration. Nothing is required: the technical documentation spells it
 * `is_2fa_enabled` / `preferred_2fa_method` / `is_sms_enabled`, the user guide `enabled` /
 * `method` / `backup_codes_remaining`; either spelling fills the canonical field.
 */
export interface TwoFactorStatus {
  /**
   * Whether 2FA is enabled: its second factor has logged in (a code through `verify-2fa`) or was
   * confirmed (or the guide's `enabled`).
   */
  is_2fa_enabled?: boolean | null;
  /** `"totp"`, `"sms"`, or null (or the guide's `method`). */
  preferred_2fa_method?: string | null;
  /** Whether SMS codes can be requested. */
  is_sms_enabled?: boolean | null;
  /** The guide's spelling of `is_2fa_enabled`. */
  enabled?: boolean | null;
  /** The guide's spelling of `preferred_2fa_method`. */
  method?: string | null;
  /** Unused backup codes. */
  backup_codes_remaining?: number | null;
  /** Any further fields the server sends. */
  [key: string]: unknown;
}

/**
 * Diagnostics of the account's TOTP (for clock-skew problems). An open object: every field is
 * optional; the guide's `server_time` (unix seconds or ISO 8601) fills `current_server_time`.
 */
export interface TwoFactorDebug {
  /** Whether a TOTP secret is on record. */
  totp_secret_exists?: boolean | null;
  /** Whether 2FA is enabled: its second factor has logged in or was confirmed. */
  is_2fa_enabled?: boolean | null;
  /** `"totp"`, `"sms"`, or null. */
  preferred_2fa_method?: string | null;
  /** The account's e-mail. */
  user_email?: string | null;
  /** The server's clock, unix seconds. */
  current_server_time?: number | null;
  /** The guide's spelling of the server's clock (unix seconds or an ISO 8601 string). */
  server_time?: number | string | null;
  /** Codes valid now: `{"time_step_-1", "time_step_+0", "time_step_+1"}`, or a list. */
  valid_codes?: Record<string, string> | string[] | null;
  /** Steps accepted on each side of now. */
  time_window?: number | null;
  /** Step length in seconds. */
  period?: number | null;
  /** How to use this information. */
  usage_note?: string | null;
  /** Summary. */
  message?: string | null;
  /** Any further fields the server sends. */
  [key: string]: unknown;
}

/**
 * The acknowledgement of `confirm2fa` and `disable2fa`: an open object (the seeds type it
 * `dict`), usually `{message}`, sometimes `{success}`.
 */
export interface Message {
  /** What happened. */
  message?: string | null;
  /** Whether it worked, where the server says so. */
  success?: boolean | null;
  /** Any further fields the server sends. */
  [key: string]: unknown;
}

/** Answer to `requestSmsCode`: an open object, usually `{message, expires_in}`. */
export interface SmsCodeSent extends Message {
  /** Seconds the code stays valid (300). */
  expires_in?: number | null;
}

/** A user's master agent. Only `id` is required; the other fields are optional in the seeds. */
export interface Agent {
  /** Agent id (a number on the wire is turned into a string). */
  id: string;
  /** Display name. */
  name?: string | null;
  /** The agent's DID (`did:key:z6Mk...`). */
  did?: string | null;
  /** Free-form state. */
  state?: JsonObject | null;
  /** ISO 8601 creation time (the emulator's; not in the seeds). */
  created_at?: string | null;
  /** A master agent has no parent. */
  parent_id?: null;
}

/** An agent working on behalf of a parent agent. Only `id` is required. */
export interface ChildAgent {
  /** Agent id (a number on the wire is turned into a string). */
  id: string;
  /** The parent agent's id. */
  parent_id?: string | null;
  /** Display name. */
  name?: string | null;
  /** What the child may do. */
  permissions?: JsonObject | null;
  /** Free-form state. */
  state?: JsonObject | null;
  /** The child's DID (the emulator's; not in the seed's model). */
  did?: string | null;
  /** ISO 8601 creation time (the emulator's; not in the seeds). */
  created_at?: string | null;
}

/**
 * What `getAgent` returns: a master {@linkcode Agent}, or a {@linkcode ChildAgent}, told apart by
 * `parent_id` (a child's is a string).
 */
export type AgentOrChild = Agent | (ChildAgent & { parent_id: string });

/**
 * The answer of `updateChildPermissions`: an open object (the seeds type it `dict`), usually the
 * updated child.
 */
export interface ChildAgentUpdate extends Partial<ChildAgent> {
  /** Any further fields the server sends. */
  [key: string]: unknown;
}

/** An e-mail address or wallet provisioned for an agent. */
export interface Asset {
  /** Asset id (a number on the wire is turned into a string). */
  id: string;
  /** `"email"` or `"wallet"`. */
  type: "email" | "wallet" | (string & Record<never, never>);
  /** E-mail: `{email_address}`; wallet: `{chain, address}`. */
  details: JsonObject;
  /** The owning agent (the emulator's; not in the seed's model). */
  agent_id?: string | null;
  /** ISO 8601 creation time (the emulator's; not in the seeds). */
  created_at?: string | null;
}

/**
 * The answer of `provisionEmail` and `provisionWallet`: an open object (the seeds type it `dict`).
 * The docs show both an {@linkcode Asset} and flat fields; whichever the server sends is here.
 */
export interface ProvisionedAsset extends Partial<Asset> {
  /** E-mail: the new address. */
  email_address?: string | null;
  /** E-mail: the provider. */
  provider?: string | null;
  /** Provisioning status. */
  status?: string | null;
  /** Wallet: the address. */
  address?: string | null;
  /** Wallet: the chain. */
  chain?: string | null;
  /** Wallet: the balance, as the server spells it. */
  balance?: string | number | null;
  /** Any further fields the server sends. */
  [key: string]: unknown;
}

/**
 * Answer of `wallets.listAssets()`: an open object (the seeds type it `dict`), usually
 * `{assets: Asset[]}`. Object items are checked as {@linkcode Asset}; strings are passed on, and
 * so is an absent or null list.
 */
export interface AssetList {
  /** Every asset of the user's agents, when the server lists them (`null` as the server sent it). */
  assets?: (Asset | string)[] | null;
  /** Any further fields the server sends. */
  [key: string]: unknown;
}

/** An e-mail account linked to the user's wallet. */
export interface EmailAccount {
  /** Account id (a number on the wire is turned into a string). */
  id: string;
  /** Provider name (`"gmail"`, `"outlook"`, `"imap"`...). */
  provider: string;
  /** The address. */
  email_address: string;
  /** Provider configuration; secret values come back masked. */
  config: JsonObject;
}

/** Fields to create or replace an e-mail account. */
export interface EmailAccountInput {
  /** Provider name. */
  provider: string;
  /** The address. */
  email_address: string;
  /** Provider configuration (secrets are stored, never echoed). */
  config: JsonObject;
}

/** Answer of `wallets.refreshEmailToken()`: an open object (the seeds type it `dict`). */
export interface EmailTokenRefresh {
  /** New opaque provider access token. */
  access_token?: string | null;
  /** How to send it (the emulator's `"Bearer"`). */
  token_type?: string | null;
  /** Seconds until it expires. */
  expires_in?: number | null;
  /** Whether it worked (the docs' spelling). */
  success?: boolean | null;
  /** Any further fields the server sends. */
  [key: string]: unknown;
}

/** A DID and its document. */
export interface DID {
  /** The DID. */
  did: string;
  /** The DID document. */
  info: JsonObject;
  /** Any further fields the server sends (`public_key`...). */
  [key: string]: unknown;
}

/** Input of `identity.issueCredential()`. */
export interface IssueCredentialInput {
  /** An agent id or any DID. */
  subject_id: string;
  /** Credential types; `VerifiableCredential` is added first by the server. */
  types: string[];
  /** Claims about the subject (the `credentialSubject`). */
  claim: JsonObject;
}

/** Answer of `identity.issueCredential()`. */
export interface IssuedCredential {
  /** The credential: a compact VC-JWT, or a credential object (the seed types it `dict`). */
  credential: string | JsonObject;
  /** Any further fields the server sends. */
  [key: string]: unknown;
}

/**
 * Answer of `identity.verifyCredential()` and of the offline verifier: an open object (the seeds
 * type it `dict`). Ours is `{verified, payload?, error?}`; the docs' `{valid, claims}` fills
 * `verified` and stays too.
 */
export interface CredentialVerification {
  /** Whether signature, issuer and validity period all check out (or the docs' `valid`). */
  verified?: boolean | null;
  /** The JWT payload, when verified. */
  payload?: JsonObject | null;
  /** Why not, when not verified. */
  error?: string | null;
  /** The docs' spelling of `verified`. */
  valid?: boolean | null;
  /** The docs' verified claims. */
  claims?: JsonObject | null;
  /** Any further fields the server sends. */
  [key: string]: unknown;
}
