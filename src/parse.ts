/**
 * Small hand-written validators for the wire models: each checks the documented fields, fills
 * canonical names from the tolerated aliases of the API contract, and keeps extra fields.
 * A bad shape is a {@linkcode ResponseValidationError} naming the field and keeping the raw body.
 *
 * @module
 */
import { ResponseValidationError } from "./errors.ts";
import type {
  Agent,
  Asset,
  AssetList,
  ChildAgent,
  CredentialVerification,
  DID,
  EmailAccount,
  EmailTokenRefresh,
  IssuedCredential,
  JsonObject,
  LoginResult,
  Message,
  SmsCodeSent,
  Token,
  TwoFactorDebug,
  TwoFactorSetup,
  TwoFactorStatus,
} from "./types.ts";

/** Turns a parsed JSON body into a model, or throws {@linkcode ResponseValidationError}. */
export type Parser<T> = (body: unknown, context: string) => T;

type Obj = Record<string, unknown>;

class Reader {
  constructor(readonly body: unknown, readonly context: string) {}

  fail(field: string, problem: string): never {
    throw new ResponseValidationError(field, problem, { body: this.body, context: this.context });
  }

  object(value: unknown, field: string): Obj {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      return this.fail(field, `must be an object (got ${kind(value)})`);
    }
    return value as Obj;
  }

  array(value: unknown, field: string): unknown[] {
    if (!Array.isArray(value)) return this.fail(field, `must be an array (got ${kind(value)})`);
    return value;
  }

  string(o: Obj, key: string, path: string): string {
    const v = o[key];
    if (typeof v === "string") return v;
    return this.fail(
      join(path, key),
      v === undefined ? "is missing" : `must be a string (got ${kind(v)})`,
    );
  }

  /** Ids may be numbers on some backends; they are strings in this SDK. */
  id(o: Obj, key: string, path: string): string {
    const v = o[key];
    if (typeof v === "number" && Number.isFinite(v)) return String(v);
    return this.string(o, key, path);
  }

  number(o: Obj, key: string, path: string): number {
    const v = o[key];
    if (typeof v === "number" && Number.isFinite(v)) return v;
    return this.fail(
      join(path, key),
      v === undefined ? "is missing" : `must be a number (got ${kind(v)})`,
    );
  }

  boolean(o: Obj, key: string, path: string): boolean {
    const v = o[key];
    if (typeof v === "boolean") return v;
    return this.fail(
      join(path, key),
      v === undefined ? "is missing" : `must be a boolean (got ${kind(v)})`,
    );
  }

  optional<T>(o: Obj, key: string, read: (o: Obj, key: string) => T): T | undefined {
    return o[key] === undefined || o[key] === null ? undefined : read(o, key);
  }

  nullableString(o: Obj, key: string, path: string): string | null {
    return o[key] === null || o[key] === undefined ? null : this.string(o, key, path);
  }

  nullableObject(o: Obj, key: string, path: string): JsonObject | null {
    return o[key] === null || o[key] === undefined ? null : this.object(o[key], join(path, key));
  }
}

function kind(v: unknown): string {
  return v === null ? "null" : Array.isArray(v) ? "array" : typeof v;
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

/** Copies `alias` into `canonical` when only the alias is present. */
function alias(o: Obj, canonical: string, ...aliases: string[]): Obj {
  if (o[canonical] !== undefined) return o;
  for (const a of aliases) if (o[a] !== undefined) return { ...o, [canonical]: o[a] };
  return o;
}

function model<T>(read: (r: Reader, o: Obj, path: string) => T): Parser<T> {
  return (body, context) => {
    const r = new Reader(body, context);
    return read(r, r.object(body, "(body)"), "");
  };
}

function list<T>(read: (r: Reader, o: Obj, path: string) => T): Parser<T[]> {
  return (body, context) => {
    const r = new Reader(body, context);
    return r.array(body, "(body)").map((item, i) => read(r, r.object(item, `[${i}]`), `[${i}]`));
  };
}

function readToken(r: Reader, o: Obj, path: string): Token {
  const token: Token = {
    ...o,
    access_token: r.string(o, "access_token", path),
    token_type: r.optional(o, "token_type", (o, k) => r.string(o, k, path)) ?? "bearer",
  } as Token;
  const expires = r.optional(o, "expires_in", (o, k) => r.number(o, k, path));
  if (expires !== undefined) token.expires_in = expires;
  const refresh = r.optional(o, "refresh_token", (o, k) => r.string(o, k, path));
  if (refresh !== undefined) token.refresh_token = refresh;
  delete token.requires_2fa;
  return token;
}

function readAgent(r: Reader, o: Obj, path: string): Agent {
  return {
    ...o,
    id: r.id(o, "id", path),
    name: r.string(o, "name", path),
    did: r.string(o, "did", path),
    state: r.nullableObject(o, "state", path),
    created_at: r.string(o, "created_at", path),
  };
}

function readChild(r: Reader, o: Obj, path: string): ChildAgent {
  return {
    ...readAgent(r, o, path),
    parent_id: r.id(o, "parent_id", path),
    permissions: r.nullableObject(o, "permissions", path) ?? {},
  };
}

function readAsset(r: Reader, o: Obj, path: string): Asset {
  return {
    ...o,
    id: r.id(o, "id", path),
    type: r.string(o, "type", path),
    agent_id: r.id(o, "agent_id", path),
    details: r.object(o.details, join(path, "details")),
    created_at: r.string(o, "created_at", path),
  };
}

function readEmailAccount(r: Reader, o: Obj, path: string): EmailAccount {
  return {
    ...o,
    id: r.id(o, "id", path),
    provider: r.string(o, "provider", path),
    email_address: r.string(o, "email_address", path),
    config: r.nullableObject(o, "config", path) ?? {},
  };
}

function readMessage(r: Reader, o: Obj, path: string): Message {
  return { ...o, message: r.string(o, "message", path) };
}

/** `Token`. */
export const parseToken: Parser<Token> = model(readToken);

/** `Token | TwoFactorRequired`, told apart by `requires_2fa === true`. */
export const parseLoginResult: Parser<LoginResult> = model((r, o, path): LoginResult => {
  if (o.requires_2fa !== true) return readToken(r, o, path);
  const method = r.optional(o, "preferred_method", (o, k) => r.string(o, k, path)) ?? "totp";
  if (method !== "totp" && method !== "sms") {
    r.fail("preferred_method", `must be "totp" or "sms" (got "${method}")`);
  }
  return {
    ...o,
    requires_2fa: true,
    temporary_token: r.string(o, "temporary_token", path),
    preferred_method: method as "totp" | "sms",
    message: r.optional(o, "message", (o, k) => r.string(o, k, path)) ??
      "2FA verification required",
  };
});

/** `TwoFactorSetup`; accepts `secret_key`/`manual_entry_key` and `qr_code_url`. */
export const parseTwoFactorSetup: Parser<TwoFactorSetup> = model((r, raw, path) => {
  const o = alias(
    alias(raw, "secret", "secret_key", "manual_entry_key"),
    "qr_code_uri",
    "qr_code_url",
  );
  const codes = r.array(o.backup_codes ?? [], "backup_codes");
  return {
    ...o,
    secret: r.string(o, "secret", path),
    qr_code_uri: r.string(o, "qr_code_uri", path),
    qr_code_image: r.optional(o, "qr_code_image", (o, k) => r.string(o, k, path)) ?? "",
    backup_codes: codes.map((c, i) =>
      typeof c === "string" ? c : r.fail(`backup_codes[${i}]`, `must be a string (got ${kind(c)})`)
    ),
  };
});

/** `TwoFactorStatus`; accepts `enabled` and `method`. */
export const parseTwoFactorStatus: Parser<TwoFactorStatus> = model((r, raw, path) => {
  const o = alias(alias(raw, "is_2fa_enabled", "enabled"), "preferred_2fa_method", "method");
  return {
    ...o,
    is_2fa_enabled: r.boolean(o, "is_2fa_enabled", path),
    preferred_2fa_method: r.nullableString(o, "preferred_2fa_method", path),
    is_sms_enabled: r.optional(o, "is_sms_enabled", (o, k) => r.boolean(o, k, path)) ?? false,
  };
});

/** `TwoFactorDebug`; accepts `server_time`. */
export const parseTwoFactorDebug: Parser<TwoFactorDebug> = model((r, raw, path) => {
  const o = alias(
    alias(alias(raw, "current_server_time", "server_time"), "is_2fa_enabled", "enabled"),
    "preferred_2fa_method",
    "method",
  );
  const codes = r.object(o.valid_codes ?? {}, "valid_codes");
  const valid_codes: Record<string, string> = {};
  for (const key of Object.keys(codes)) valid_codes[key] = r.string(codes, key, "valid_codes");
  return {
    ...o,
    totp_secret_exists: r.boolean(o, "totp_secret_exists", path),
    is_2fa_enabled: r.boolean(o, "is_2fa_enabled", path),
    preferred_2fa_method: r.nullableString(o, "preferred_2fa_method", path),
    user_email: r.string(o, "user_email", path),
    current_server_time: r.number(o, "current_server_time", path),
    valid_codes,
    time_window: r.optional(o, "time_window", (o, k) => r.number(o, k, path)) ?? 1,
    period: r.optional(o, "period", (o, k) => r.number(o, k, path)) ?? 30,
    usage_note: r.optional(o, "usage_note", (o, k) => r.string(o, k, path)) ?? "",
    message: r.optional(o, "message", (o, k) => r.string(o, k, path)) ?? "",
  };
});

/** `{message}`. */
export const parseMessage: Parser<Message> = model(readMessage);

/** `{message, expires_in}`. */
export const parseSmsCodeSent: Parser<SmsCodeSent> = model((r, o, path) => ({
  ...readMessage(r, o, path),
  expires_in: r.number(o, "expires_in", path),
}));

/** `Agent[]`. */
export const parseAgents: Parser<Agent[]> = list(readAgent);

/** `Agent` or `ChildAgent` (a child has `parent_id`). */
export const parseAgentOrChild: Parser<Agent | ChildAgent> = model((r, o, path) =>
  o.parent_id === undefined || o.parent_id === null ? readAgent(r, o, path) : readChild(r, o, path)
);

/** `ChildAgent`. */
export const parseChildAgent: Parser<ChildAgent> = model(readChild);

/** `ChildAgent[]`. */
export const parseChildAgents: Parser<ChildAgent[]> = list(readChild);

/** `Asset`. */
export const parseAsset: Parser<Asset> = model(readAsset);

/** `{assets: Asset[]}`. */
export const parseAssetList: Parser<AssetList> = model((r, o) => ({
  ...o,
  assets: r.array(o.assets, "assets").map((a, i) =>
    readAsset(r, r.object(a, `assets[${i}]`), `assets[${i}]`)
  ),
}));

/** `EmailAccount`. */
export const parseEmailAccount: Parser<EmailAccount> = model(readEmailAccount);

/** `EmailAccount[]`. */
export const parseEmailAccounts: Parser<EmailAccount[]> = list(readEmailAccount);

/** `{access_token, expires_in, ...}`. */
export const parseEmailTokenRefresh: Parser<EmailTokenRefresh> = model((r, o, path) => ({
  ...o,
  access_token: r.string(o, "access_token", path),
  expires_in: r.number(o, "expires_in", path),
}));

/** `DID`. */
export const parseDid: Parser<DID> = model((r, o, path) => ({
  ...o,
  did: r.string(o, "did", path),
  info: r.object(o.info, "info"),
}));

/** `{credential}`. */
export const parseIssuedCredential: Parser<IssuedCredential> = model((r, o, path) => ({
  ...o,
  credential: r.string(o, "credential", path),
}));

/** `{verified, payload?, error?}`. */
export const parseCredentialVerification: Parser<CredentialVerification> = model((r, o, path) => {
  const result: CredentialVerification = { ...o, verified: r.boolean(o, "verified", path) };
  const payload = r.nullableObject(o, "payload", path);
  if (payload) result.payload = payload;
  const error = r.optional(o, "error", (o, k) => r.string(o, k, path));
  if (error !== undefined) result.error = error;
  return result;
});
