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
  /** Always `"bearer"`. */
  token_type: string;
  /** Seconds until the access token expires, when the server says. */
  expires_in?: number;
  /** Token for `/auth/refresh`; rotated on every use. */
  refresh_token?: string;
  /** Never true on a Token: lets `login`'s result be narrowed on `requires_2fa`. */
  requires_2fa?: false;
}

/** Login's answer when a second factor is needed. */
export interface TwoFactorRequired {
  /** Always true: the discriminant of {@linkcode LoginResult}. */
  requires_2fa: true;
  /** Short-lived token to send with the code to `/auth/verify-2fa`. */
  temporary_token: string;
  /** Where the code comes from. */
  preferred_method: "totp" | "sms";
  /** Human-readable instruction. */
  message: string;
}

/** What `login` returns: tokens, or a request for the second factor. */
export type LoginResult = Token | TwoFactorRequired;

/** A TOTP key to be added to an authenticator app, with backup codes. */
export interface TwoFactorSetup {
  /** Base32 secret. */
  secret: string;
  /** `otpauth://totp/CirtusAI:<email>?secret=...&issuer=CirtusAI`. */
  qr_code_uri: string;
  /** Base64 PNG of the QR code (no `data:` prefix). */
  qr_code_image: string;
  /** Eight single-use recovery codes. */
  backup_codes: string[];
}

/** The account's 2FA configuration. */
export interface TwoFactorStatus {
  /** Whether 2FA has been confirmed. */
  is_2fa_enabled: boolean;
  /** `"totp"`, `"sms"`, or null. */
  preferred_2fa_method: string | null;
  /** Whether SMS codes can be requested. */
  is_sms_enabled: boolean;
}

/** Diagnostics of the account's TOTP (for clock-skew problems). */
export interface TwoFactorDebug {
  /** Whether a TOTP secret is on record. */
  totp_secret_exists: boolean;
  /** Whether 2FA has been confirmed. */
  is_2fa_enabled: boolean;
  /** `"totp"`, `"sms"`, or null. */
  preferred_2fa_method: string | null;
  /** The account's e-mail. */
  user_email: string;
  /** The server's clock, unix seconds. */
  current_server_time: number;
  /** Codes valid now: `time_step_-1`, `time_step_+0`, `time_step_+1`. */
  valid_codes: Record<string, string>;
  /** Steps accepted on each side of now. */
  time_window: number;
  /** Step length in seconds. */
  period: number;
  /** How to use this information. */
  usage_note: string;
  /** Summary. */
  message: string;
}

/** A plain acknowledgement. */
export interface Message {
  /** What happened. */
  message: string;
}

/** Answer to `requestSmsCode`. */
export interface SmsCodeSent extends Message {
  /** Seconds the code stays valid (300). */
  expires_in: number;
}

/** A user's master agent. */
export interface Agent {
  /** Agent id. */
  id: string;
  /** Display name. */
  name: string;
  /** The agent's DID (`did:key:z6Mk...`). */
  did: string;
  /** Free-form state, or null. */
  state: JsonObject | null;
  /** ISO 8601 creation time. */
  created_at: string;
}

/** An agent working on behalf of a parent agent. */
export interface ChildAgent extends Agent {
  /** The parent agent's id. */
  parent_id: string;
  /** What the child may do. */
  permissions: JsonObject;
}

/** An e-mail address or wallet provisioned for an agent. */
export interface Asset {
  /** Asset id. */
  id: string;
  /** `"email"` or `"wallet"`. */
  type: "email" | "wallet" | (string & Record<never, never>);
  /** The owning agent. */
  agent_id: string;
  /** E-mail: `{email_address}`; wallet: `{chain, address}`. */
  details: JsonObject;
  /** ISO 8601 creation time. */
  created_at: string;
}

/** Answer of `wallets.listAssets()`. */
export interface AssetList {
  /** Every asset of the user's agents. */
  assets: Asset[];
}

/** An e-mail account linked to the user's wallet. */
export interface EmailAccount {
  /** Account id. */
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

/** Answer of `wallets.refreshEmailToken()`. */
export interface EmailTokenRefresh {
  /** New opaque provider access token. */
  access_token: string;
  /** Seconds until it expires. */
  expires_in: number;
  /** Any further fields the server sends. */
  [key: string]: unknown;
}

/** A DID and its document. */
export interface DID {
  /** The DID. */
  did: string;
  /** The DID document. */
  info: JsonObject;
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
  /** The credential as a compact VC-JWT. */
  credential: string;
}

/** Answer of `identity.verifyCredential()` and of the offline verifier. */
export interface CredentialVerification {
  /** Whether signature, issuer and validity period all check out. */
  verified: boolean;
  /** The JWT payload, when verified. */
  payload?: JsonObject;
  /** Why not, when not verified. */
  error?: string;
}
