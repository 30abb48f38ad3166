/**
 * The answers' schemas, named as the SDK's models (`src/sdk/types.ts`) and as wide as they are:
 * only what the seed documents require is required, every other field may be absent or null, and
 * the models the seeds type as an open `dict` are open (`additionalProperties`). The handlers must
 * return these types; `tests/contract/` holds the SDK's models and the generated types to be the
 * same, and the emulator's answers to fit them.
 *
 * @module
 */
import { z } from "@hono/zod-openapi";
import { jsonObject } from "./fields.ts";

/** May be absent or null (the seeds' `Optional`). */
function optional<T extends z.ZodType>(schema: T) {
  return schema.nullable().optional();
}

const text = () => optional(z.string());
const number = () => optional(z.number());
const boolean = () => optional(z.boolean());

/** `Token`. */
export const Token = z.object({
  access_token: z.string().openapi({ description: "Bearer token for `Authorization`" }),
  token_type: text().openapi({ description: '`"bearer"` (the SDK fills it in when absent)' }),
  expires_in: number().openapi({ description: "Seconds until the access token expires" }),
  refresh_token: text().openapi({ description: "For `/auth/refresh`; rotated on every use" }),
}).openapi("Token");

/** `TwoFactorRequired`. */
export const TwoFactorRequired = z.object({
  requires_2fa: z.literal(true),
  temporary_token: z.string().openapi({ description: "Send it with the code to /auth/verify-2fa" }),
  preferred_method: text().openapi({ description: '`"totp"`, `"sms"`, or another method' }),
  message: text(),
}).openapi("TwoFactorRequired");

/** `LoginResult`: tokens, or a request for the second factor. */
export const LoginResult = z.union([Token, TwoFactorRequired]).openapi("LoginResult");

/** `TwoFactorSetup`, in both documents' spellings. */
export const TwoFactorSetup = z.looseObject({
  secret: z.string().openapi({ description: "Base32 TOTP secret" }),
  qr_code_uri: z.string().openapi({ description: "otpauth://totp/CirtusAI:<email>?..." }),
  backup_codes: z.array(z.string()).openapi({ description: "Single-use recovery codes" }),
  qr_code_image: text().openapi({ description: "Base64 PNG of the QR code (no data: prefix)" }),
  secret_key: text().openapi({ description: "The user guide's spelling of `secret`" }),
  qr_code_url: text().openapi({ description: "The user guide's spelling of `qr_code_uri`" }),
  manual_entry_key: text().openapi({ description: "The secret grouped for typing" }),
}).openapi("TwoFactorSetup");

/** `TwoFactorStatus`, in both documents' spellings. */
export const TwoFactorStatus = z.looseObject({
  is_2fa_enabled: boolean(),
  preferred_2fa_method: text(),
  is_sms_enabled: boolean(),
  enabled: boolean().openapi({ description: "The user guide's `is_2fa_enabled`" }),
  method: text().openapi({ description: "The user guide's `preferred_2fa_method`" }),
  backup_codes_remaining: number(),
}).openapi("TwoFactorStatus");

/** `TwoFactorDebug`. */
export const TwoFactorDebug = z.looseObject({
  totp_secret_exists: boolean(),
  is_2fa_enabled: boolean(),
  preferred_2fa_method: text(),
  user_email: text(),
  current_server_time: number().openapi({ description: "Unix seconds" }),
  server_time: optional(z.union([z.number(), z.string()])).openapi({
    description: "The same instant, ISO 8601 (or unix seconds)",
  }),
  valid_codes: optional(z.union([z.record(z.string(), z.string()), z.array(z.string())])).openapi({
    description: 'Codes valid now: `{"time_step_-1", "time_step_+0", "time_step_+1"}` or a list',
  }),
  time_window: number(),
  period: number(),
  usage_note: text(),
  message: text(),
}).openapi("TwoFactorDebug");

/** `Message`. */
export const Message = z.looseObject({ message: text(), success: boolean() }).openapi("Message");

/** `SmsCodeSent`. */
export const SmsCodeSent = z.looseObject({
  message: text(),
  success: boolean(),
  expires_in: number().openapi({ description: "Seconds the code stays valid (300)" }),
}).openapi("SmsCodeSent");

const AGENT_FIELDS = {
  id: z.string(),
  name: text(),
  did: text().openapi({ description: "did:key:z6Mk..." }),
  state: optional(jsonObject),
  created_at: text().openapi({ description: "ISO 8601" }),
};

/** `Agent`: a master agent. */
export const Agent = z.object({
  ...AGENT_FIELDS,
  parent_id: z.null().optional().openapi({ description: "A master agent has no parent" }),
}).openapi("Agent");

const CHILD_FIELDS = {
  ...AGENT_FIELDS,
  parent_id: text(),
  permissions: optional(jsonObject),
};

/** `ChildAgent`. */
export const ChildAgent = z.object(CHILD_FIELDS).openapi("ChildAgent");

/** `AgentOrChild`: what `GET /agents/{id}` answers, told apart by `parent_id`. */
export const AgentOrChild = z.union([Agent, ChildAgent.extend({ parent_id: z.string() })])
  .openapi("AgentOrChild");

/** `ChildAgentUpdate`: the answer to a permissions update (the seeds' `dict`). */
export const ChildAgentUpdate = z.looseObject({ ...CHILD_FIELDS, id: z.string().optional() })
  .openapi("ChildAgentUpdate");

const ASSET_FIELDS = {
  id: z.string(),
  type: z.string().openapi({ description: '`"email"` or `"wallet"`' }),
  details: jsonObject.openapi({
    description: "E-mail: `{email_address}`; wallet: `{chain, address}`",
  }),
  agent_id: text(),
  created_at: text(),
};

/** `Asset`. */
export const Asset = z.object(ASSET_FIELDS).openapi("Asset");

/** `ProvisionedAsset`: an `Asset` and the flat fields the documents show (the seeds' `dict`). */
export const ProvisionedAsset = z.looseObject({
  id: z.string().optional(),
  type: z.string().optional(),
  details: jsonObject.optional(),
  agent_id: text(),
  created_at: text(),
  email_address: text().openapi({ description: "E-mail: the new address" }),
  provider: text().openapi({ description: "E-mail: the provider" }),
  status: text(),
  address: text().openapi({ description: "Wallet: the address" }),
  chain: text().openapi({ description: "Wallet: the chain" }),
  balance: optional(z.union([z.string(), z.number()])),
}).openapi("ProvisionedAsset");

/** `AssetList`. */
export const AssetList = z.looseObject({
  assets: optional(z.array(z.union([Asset, z.string()]))),
}).openapi("AssetList");

/** `EmailAccount`. */
export const EmailAccount = z.object({
  id: z.string(),
  provider: z.string(),
  email_address: z.string(),
  config: jsonObject.openapi({ description: "Secret values come back masked" }),
}).openapi("EmailAccount");

/** `EmailTokenRefresh` (the seeds' `dict`). */
export const EmailTokenRefresh = z.looseObject({
  access_token: text(),
  token_type: text(),
  expires_in: number(),
  success: boolean(),
}).openapi("EmailTokenRefresh");

/** `DID`. */
export const Did = z.looseObject({
  did: z.string(),
  info: jsonObject.openapi({ description: "The DID document (W3C DID Core)" }),
}).openapi("DID");

/** `IssuedCredential`. */
export const IssuedCredential = z.looseObject({
  credential: z.union([z.string(), jsonObject]).openapi({
    description: "A compact VC-JWT (or a credential object)",
  }),
}).openapi("IssuedCredential");

/** `CredentialVerification`. */
export const CredentialVerification = z.looseObject({
  verified: boolean(),
  payload: optional(jsonObject).openapi({ description: "The JWT payload, when verified" }),
  error: text().openapi({ description: "Why not, when not verified" }),
  valid: boolean().openapi({ description: "The docs' spelling of `verified`" }),
  claims: optional(jsonObject),
}).openapi("CredentialVerification");

/** FastAPI's error: `{"detail": "..."}`. */
export const HttpError = z.object({ detail: z.string() }).openapi("HTTPError");

/** FastAPI's validation error. */
export const HttpValidationError = z.object({
  detail: z.array(
    z.object({
      loc: z.array(z.union([z.string(), z.number().int()])),
      msg: z.string(),
      type: z.string(),
    }).openapi("ValidationError"),
  ),
}).openapi("HTTPValidationError");
