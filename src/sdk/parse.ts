/**
 * Small hand-written validators for the wire models: each model is a table of its fields and
 * their kinds. The rule (docs/API.md, "Models: what the real backend may send"): only the fields
 * the seed documents require are required; every other field may be absent or null and is left as
 * the server sent it; the documents' other spellings fill the canonical names and stay too; extra
 * fields are kept. Parsers complete the freshly parsed JSON in place rather than copying it.
 * A bad shape is a {@linkcode ResponseValidationError} naming the field.
 *
 * @module
 */
import { ResponseValidationError } from "./errors.ts";
import type {
  Agent,
  AgentOrChild,
  Asset,
  AssetList,
  ChildAgent,
  ChildAgentUpdate,
  CredentialVerification,
  DID,
  EmailAccount,
  EmailTokenRefresh,
  IssuedCredential,
  LoginResult,
  Message,
  ProvisionedAsset,
  SmsCodeSent,
  Token,
  TwoFactorDebug,
  TwoFactorSetup,
  TwoFactorStatus,
} from "./types.ts";

/** Turns a parsed JSON body into a model, or throws {@linkcode ResponseValidationError}. */
export type Parser<T> = (body: unknown, context: string) => T;

type Obj = Record<string, unknown>;

/**
 * A field's kind: `string`, `number`, `boolean`, `object`, `strings` (string[]), `id` (a string,
 * or a number turned into one), `credential` (a string or an object), `amount` (a string or a
 * number), `time` (unix seconds, or an ISO 8601 string). `?` after it: may be absent or null.
 */
type Kind =
  | "string"
  | "number"
  | "boolean"
  | "object"
  | "strings"
  | "id"
  | "credential"
  | "amount"
  | "time";
type Spec = Kind | `${Kind}?`;

interface Model {
  fields: Record<string, Spec>;
  /** Values for absent or null optional fields: only where the API contract names one. */
  defaults?: Obj;
  /** Canonical name → accepted spellings (each also listed in `fields`, so it is checked). */
  aliases?: Record<string, string[]>;
  /**
   * For the models that come in lists: a hand-written check that an object is already valid and
   * canonical, so the table has nothing to do. It reads the fields by name, which is many times
   * faster than the table's loop; anything it does not accept goes through the table, which
   * completes the object or names what is wrong. `tests/parse_test.ts` holds the two to agree.
   */
  canonical?: (o: Obj) => boolean;
}

/** A model with its field specs split once, when the module loads. */
interface Compiled {
  fields: [field: string, kind: Kind, optional: boolean][];
  kinds: Record<string, Kind>;
  defaults: Obj;
  aliases: [canonical: string, spellings: string[]][];
  canonical?: (o: Obj) => boolean;
}

function define(m: Model): Compiled {
  const fields = Object.entries(m.fields).map(([f, spec]): [string, Kind, boolean] => {
    const optional = spec.endsWith("?");
    return [f, (optional ? spec.slice(0, -1) : spec) as Kind, optional];
  });
  return {
    fields,
    kinds: Object.fromEntries(fields.map(([f, k]) => [f, k])),
    defaults: m.defaults ?? {},
    aliases: Object.entries(m.aliases ?? {}),
    canonical: m.canonical,
  };
}

const isObject = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const isString = (v: unknown): v is string => typeof v === "string";
/** Absent, null, or a string. */
const optString = (v: unknown) => v == null || typeof v === "string";
/** Absent, null, or an object. */
const optObject = (v: unknown) => v == null || isObject(v);

function kind(v: unknown): string {
  return v === null ? "null" : Array.isArray(v) ? "array" : typeof v;
}

function matches(v: unknown, k: Kind): boolean {
  switch (k) {
    case "object":
      return isObject(v);
    case "strings":
      return Array.isArray(v) && v.every(isString);
    case "credential":
      return isString(v) || isObject(v);
    case "time":
      return Number.isFinite(v) || (isString(v) && Number.isFinite(Date.parse(v)));
    case "id":
    case "amount":
      // Number.isFinite is false for anything but a finite number.
      return isString(v) || Number.isFinite(v);
    case "number":
      return Number.isFinite(v);
    case "string":
      return isString(v);
    case "boolean":
      return typeof v === "boolean";
  }
}

const EXPECTED: Record<Kind, string> = {
  string: "a string",
  number: "a number",
  boolean: "a boolean",
  object: "an object",
  strings: "an array of strings",
  id: "a string or a number",
  credential: "a string or an object",
  amount: "a string or a number",
  time: "unix seconds or an ISO 8601 time",
};

/** A copy of a default, so that no two results share a mutable object. */
function fresh(value: unknown): unknown {
  return Array.isArray(value) ? [...value] : isObject(value) ? { ...value } : value;
}

class Reader {
  constructor(readonly body: unknown, readonly context: string) {}

  fail(field: string, problem: string): never {
    throw new ResponseValidationError(field, problem, { body: this.body, context: this.context });
  }

  object(value: unknown, field: string): Obj {
    if (!isObject(value)) this.fail(field, `must be an object (got ${kind(value)})`);
    return value;
  }

  /**
   * Checks and completes `value` in place: it is a fresh object from JSON.parse, owned here.
   * `path` names it in errors (empty for the body itself); `index`, when not negative, is its place
   * in the array at `path`. Error paths are built only when something is wrong.
   */
  read(value: unknown, path: string, model: Compiled, index = -1): Obj {
    const o = isObject(value) ? value : this.object(value, pathOf(path, index) || "(body)");
    return model.canonical?.(o) ? o : this.complete(o, path, model, index);
  }

  /** The table's work for {@linkcode read}: aliases, kinds and defaults, field by field. */
  complete(o: Obj, path: string, model: Compiled, index = -1): Obj {
    const { fields, kinds, defaults, aliases } = model;
    for (const [name, spellings] of aliases) {
      if (o[name] != null) continue;
      const alias = spellings.find((a) => o[a] != null && matches(o[a], kinds[name]));
      if (alias) o[name] = o[alias];
    }
    for (const [field, k, optional] of fields) {
      const v = o[field];
      if (v === undefined || v === null) {
        if (!optional) {
          this.fail(where(path, index, field), v === null ? "must not be null" : "is missing");
        }
        if (field in defaults) o[field] = fresh(defaults[field]);
      } else if (!matches(v, k)) {
        this.fail(where(path, index, field), `must be ${EXPECTED[k]} (got ${kind(v)})`);
      } else if (k === "id") {
        o[field] = String(v);
      }
    }
    return o;
  }
}

function pathOf(path: string, index: number): string {
  return index < 0 ? path : `${path}[${index}]`;
}

function where(path: string, index: number, field: string): string {
  const at = pathOf(path, index);
  return at ? `${at}.${field}` : field;
}

function model<T>(m: Compiled): Parser<T> {
  return (body, context) => new Reader(body, context).read(body, "", m) as T;
}

function list<T>(m: Compiled): Parser<T[]> {
  return (body, context) => {
    const r = new Reader(body, context);
    const items = Array.isArray(body)
      ? body
      : r.fail("(body)", `must be an array (got ${kind(body)})`);
    for (let i = 0; i < items.length; i++) r.read(items[i], "", m, i);
    return items as T[];
  };
}

const TOKEN = define({
  fields: {
    access_token: "string",
    token_type: "string?",
    expires_in: "number?",
    refresh_token: "string?",
  },
  defaults: { token_type: "bearer" },
});
const TWO_FACTOR_REQUIRED = define({
  fields: { temporary_token: "string", preferred_method: "string?", message: "string?" },
});
// Other spellings come first in each table, so that a bad one is named rather than reported as
// its canonical field missing.
const SETUP = define({
  fields: {
    secret_key: "string?",
    manual_entry_key: "string?",
    qr_code_url: "string?",
    secret: "string",
    qr_code_uri: "string",
    backup_codes: "strings",
    qr_code_image: "string?",
  },
  aliases: { secret: ["secret_key", "manual_entry_key"], qr_code_uri: ["qr_code_url"] },
});
const STATUS_FIELDS = {
  enabled: "boolean?",
  method: "string?",
  is_2fa_enabled: "boolean?",
  preferred_2fa_method: "string?",
} as const;
const STATUS_ALIASES = { is_2fa_enabled: ["enabled"], preferred_2fa_method: ["method"] };
const STATUS = define({
  fields: { ...STATUS_FIELDS, is_sms_enabled: "boolean?", backup_codes_remaining: "number?" },
  aliases: STATUS_ALIASES,
});
const DEBUG = define({
  fields: {
    ...STATUS_FIELDS,
    totp_secret_exists: "boolean?",
    user_email: "string?",
    server_time: "time?",
    current_server_time: "number?",
    time_window: "number?",
    period: "number?",
    usage_note: "string?",
    message: "string?",
  },
  aliases: STATUS_ALIASES,
});
const MESSAGE_FIELDS = { message: "string?", success: "boolean?" } as const;
const MESSAGE = define({ fields: MESSAGE_FIELDS });
const SMS_SENT = define({ fields: { ...MESSAGE_FIELDS, expires_in: "number?" } });
const AGENT = define({
  fields: {
    id: "id",
    name: "string?",
    did: "string?",
    state: "object?",
    created_at: "string?",
  },
  canonical: (o) =>
    isString(o.id) && optString(o.name) && optString(o.did) && optObject(o.state) &&
    optString(o.created_at),
});
const CHILD_FIELDS = {
  parent_id: "id?",
  name: "string?",
  permissions: "object?",
  state: "object?",
  did: "string?",
  created_at: "string?",
} as const;
const CHILD = define({
  fields: { id: "id", ...CHILD_FIELDS },
  canonical: (o) =>
    isString(o.id) && optString(o.parent_id) && optString(o.name) && optObject(o.permissions) &&
    optObject(o.state) && optString(o.did) && optString(o.created_at),
});
const CHILD_UPDATE = define({ fields: { id: "id?", ...CHILD_FIELDS } });
const ASSET_FIELDS = { agent_id: "id?", created_at: "string?" } as const;
const ASSET = define({
  fields: { id: "id", type: "string", details: "object", ...ASSET_FIELDS },
  canonical: (o) =>
    isString(o.id) && isString(o.type) && isObject(o.details) && optString(o.agent_id) &&
    optString(o.created_at),
});
const PROVISIONED = define({
  fields: {
    id: "id?",
    type: "string?",
    details: "object?",
    ...ASSET_FIELDS,
    email_address: "string?",
    provider: "string?",
    status: "string?",
    address: "string?",
    chain: "string?",
    balance: "amount?",
  },
});
const EMAIL_ACCOUNT = define({
  fields: { id: "id", provider: "string", email_address: "string", config: "object" },
  canonical: (o) =>
    isString(o.id) && isString(o.provider) && isString(o.email_address) && isObject(o.config),
});

/**
 * The models with a hand-written fast path, and the table's own reading that bypasses it: for the
 * test that holds the two to agree. Not part of the SDK's API.
 * @internal
 */
export const FAST_PATH_MODELS = {
  agent: AGENT,
  child: CHILD,
  asset: ASSET,
  email_account: EMAIL_ACCOUNT,
} as const;

/**
 * Reads `body` with the table alone. For tests.
 * @internal
 */
export function readByTable(body: unknown, model: Compiled): Obj {
  const r = new Reader(body, "test");
  return r.complete(r.object(body, "(body)"), "", model);
}

/** `Token`. */
export const parseToken: Parser<Token> = model(TOKEN);

/** `Token | TwoFactorRequired`, told apart by `requires_2fa === true`. */
export const parseLoginResult: Parser<LoginResult> = (body, context) => {
  const r = new Reader(body, context);
  if (r.object(body, "(body)").requires_2fa !== true) {
    const token = r.read(body, "", TOKEN);
    delete token.requires_2fa;
    return token as unknown as Token;
  }
  return r.read(body, "", TWO_FACTOR_REQUIRED) as unknown as LoginResult;
};

const readSetup = model<TwoFactorSetup>(SETUP);
/** `TwoFactorSetup`; accepts the guide's `secret_key`/`manual_entry_key` and `qr_code_url`. */
export const parseTwoFactorSetup: Parser<TwoFactorSetup> = (body, context) => {
  const o = readSetup(body, context);
  // A secret taken from manual_entry_key may be grouped with spaces for typing.
  if (o.secret === o.manual_entry_key) o.secret = o.secret.replace(/\s+/g, "");
  return o;
};
/** `TwoFactorStatus`; accepts the guide's `enabled` and `method`. */
export const parseTwoFactorStatus: Parser<TwoFactorStatus> = model(STATUS);

const readDebug = model<TwoFactorDebug>(DEBUG);
/**
 * `TwoFactorDebug`; accepts the guide's `server_time` (unix seconds or ISO 8601, which fills
 * `current_server_time`), `enabled` and `method`; `valid_codes` is an object or a list of codes.
 */
export const parseTwoFactorDebug: Parser<TwoFactorDebug> = (body, context) => {
  const o = readDebug(body, context);
  const codes = o.valid_codes;
  if (codes != null) {
    const entries = Array.isArray(codes)
      ? codes.map((c, i) => [String(i), c] as const)
      : isObject(codes)
      ? Object.entries(codes)
      : new Reader(body, context).fail("valid_codes", `must be an object or an array of codes`);
    for (const [key, code] of entries) {
      if (typeof code !== "string") {
        const at = Array.isArray(codes) ? `valid_codes[${key}]` : `valid_codes.${key}`;
        new Reader(body, context).fail(at, `must be a string (got ${kind(code)})`);
      }
    }
  }
  if (o.current_server_time == null && o.server_time != null) {
    const t = o.server_time;
    o.current_server_time = typeof t === "number" ? t : Math.floor(Date.parse(t) / 1000);
  }
  return o;
};
/** `{message}` or `{success}`: an open object. */
export const parseMessage: Parser<Message> = model(MESSAGE);
/** `{message, expires_in}`: an open object. */
export const parseSmsCodeSent: Parser<SmsCodeSent> = model(SMS_SENT);

const readAgent = model<Agent>(AGENT);
/** `Agent[]`. */
export const parseAgents: Parser<Agent[]> = list(AGENT);
/** `ChildAgent`. */
export const parseChildAgent: Parser<ChildAgent> = model(CHILD);
/** `ChildAgent[]`. */
export const parseChildAgents: Parser<ChildAgent[]> = list(CHILD);
/** `Agent` or `ChildAgent` (a child has a `parent_id`). */
export const parseAgentOrChild: Parser<AgentOrChild> = (body, context) => {
  const parent = (body as Obj | null)?.parent_id;
  return (parent === undefined || parent === null
    ? readAgent(body, context)
    : parseChildAgent(body, context)) as AgentOrChild;
};
/** `update_child_permissions`: an open object, usually the updated child. */
export const parseChildAgentUpdate: Parser<ChildAgentUpdate> = model(CHILD_UPDATE);
/** `Asset`. */
export const parseAsset: Parser<Asset> = model(ASSET);
/** `provision_email` / `provision_wallet`: an open object (an `Asset`, flat fields, or both). */
export const parseProvisionedAsset: Parser<ProvisionedAsset> = model(PROVISIONED);
/**
 * `list_assets`: an open object, usually `{assets: Asset[]}` (a bare array is read as that list).
 * Object items are checked as `Asset`; strings are passed on.
 */
export const parseAssetList: Parser<AssetList> = (body, context) => {
  const r = new Reader(body, context);
  const o = Array.isArray(body) ? { assets: body } : r.object(body, "(body)");
  const assets = o.assets;
  if (assets == null) return o as AssetList;
  if (!Array.isArray(assets)) return r.fail("assets", `must be an array (got ${kind(assets)})`);
  for (let i = 0; i < assets.length; i++) {
    const item = assets[i];
    if (isString(item)) continue;
    if (!isObject(item)) {
      r.fail(`assets[${i}]`, `must be an asset object or a string (got ${kind(item)})`);
    }
    r.read(item, "assets", ASSET, i);
  }
  return o as AssetList;
};
/** `EmailAccount`. */
export const parseEmailAccount: Parser<EmailAccount> = model(EMAIL_ACCOUNT);
/** `EmailAccount[]`. */
export const parseEmailAccounts: Parser<EmailAccount[]> = list(EMAIL_ACCOUNT);
/** `refresh_email_token`: an open object (`{access_token, token_type, expires_in}` or `{success}`). */
export const parseEmailTokenRefresh: Parser<EmailTokenRefresh> = model(define({
  fields: {
    access_token: "string?",
    token_type: "string?",
    expires_in: "number?",
    success: "boolean?",
  },
}));
/** `DID`. */
export const parseDid: Parser<DID> = model(define({ fields: { did: "string", info: "object" } }));
/** `{credential}`: a VC-JWT string or a credential object. */
export const parseIssuedCredential: Parser<IssuedCredential> = model(define({
  fields: { credential: "credential" },
}));
/** `verify_credential`: an open object; the docs' `valid` fills `verified`. */
export const parseCredentialVerification: Parser<CredentialVerification> = model(define({
  fields: {
    valid: "boolean?",
    verified: "boolean?",
    payload: "object?",
    claims: "object?",
    error: "string?",
  },
  aliases: { verified: ["valid"] },
}));
