/**
 * Small hand-written validators for the wire models: each model is a table of its fields and
 * their kinds; aliases of the API contract fill the canonical names; extra fields are kept.
 * Parsers complete the freshly parsed JSON in place rather than copying it.
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

/**
 * A field's kind: `string`, `number`, `boolean`, `object`, `strings` (string[]), `id` (a string,
 * or a number turned into one). `?` after it: may be absent or null (left out, or given the
 * default in {@linkcode Model.defaults}); `|null`: may be null (absent becomes null).
 */
type Kind = "string" | "number" | "boolean" | "object" | "strings" | "id";
type Spec = Kind | `${Kind}?` | `${Kind}|null`;

interface Model {
  fields: Record<string, Spec>;
  /** Values for absent optional fields. */
  defaults?: Obj;
  /** Canonical name → accepted spellings. */
  aliases?: Record<string, string[]>;
  /**
   * For the models that come in lists: a hand-written check that an object is already complete
   * and canonical, so the table has nothing to do. It reads the fields by name, which is many
   * times faster than the table's loop; anything it does not accept goes through the table, which
   * completes the object or names what is wrong. `tests/parse_test.ts` holds the two to agree.
   */
  canonical?: (o: Obj) => boolean;
}

/** A model with its field specs split once, when the module loads. */
interface Compiled {
  fields: [field: string, kind: Kind, mark: string | undefined][];
  defaults: Obj;
  aliases: [canonical: string, spellings: string[]][];
  canonical?: (o: Obj) => boolean;
}

function define(m: Model): Compiled {
  return {
    fields: Object.entries(m.fields).map(([f, spec]) => {
      const [k, mark] = spec.split(/(?=[?|])/) as [Kind, string?];
      return [f, k, mark];
    }),
    defaults: m.defaults ?? {},
    aliases: Object.entries(m.aliases ?? {}),
    canonical: m.canonical,
  };
}

const isObject = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const isString = (v: unknown) => typeof v === "string";

function kind(v: unknown): string {
  return v === null ? "null" : Array.isArray(v) ? "array" : typeof v;
}

function matches(v: unknown, k: Kind): boolean {
  // Number.isFinite is false for anything but a finite number.
  return k === "object"
    ? isObject(v)
    : k === "strings"
    ? Array.isArray(v) && v.every(isString)
    : k === "id"
    ? isString(v) || Number.isFinite(v)
    : typeof v === k && (k !== "number" || Number.isFinite(v));
}

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

  /** The table's work for {@linkcode read}: aliases, kinds, nulls and defaults, field by field. */
  complete(o: Obj, path: string, model: Compiled, index = -1): Obj {
    const { fields, defaults, aliases } = model;
    for (const [name, spellings] of aliases) {
      const alias = spellings.find((a) => o[a] !== undefined);
      if (o[name] === undefined && alias) o[name] = o[alias];
    }
    for (const [field, k, mark] of fields) {
      const v = o[field];
      if (v === undefined || v === null) {
        if (!mark) {
          this.fail(where(path, index, field), v === null ? "must not be null" : "is missing");
        }
        if (mark === "|null") o[field] = null;
        else if (field in defaults) o[field] = fresh(defaults[field]);
        else delete o[field];
      } else if (!matches(v, k)) {
        this.fail(
          where(path, index, field),
          `must be ${k === "strings" ? "an array of strings" : `a ${k}`} (got ${kind(v)})`,
        );
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
  defaults: { preferred_method: "totp", message: "2FA verification required" },
});
const SETUP = define({
  fields: {
    secret: "string",
    qr_code_uri: "string",
    qr_code_image: "string?",
    backup_codes: "strings?",
  },
  defaults: { qr_code_image: "", backup_codes: [] },
  aliases: { secret: ["secret_key", "manual_entry_key"], qr_code_uri: ["qr_code_url"] },
});
const STATUS_ALIASES = { is_2fa_enabled: ["enabled"], preferred_2fa_method: ["method"] };
const STATUS = define({
  fields: {
    is_2fa_enabled: "boolean",
    preferred_2fa_method: "string|null",
    is_sms_enabled: "boolean?",
  },
  defaults: { is_sms_enabled: false },
  aliases: STATUS_ALIASES,
});
const DEBUG = define({
  fields: {
    totp_secret_exists: "boolean",
    is_2fa_enabled: "boolean",
    preferred_2fa_method: "string|null",
    user_email: "string",
    current_server_time: "number",
    valid_codes: "object?",
    time_window: "number?",
    period: "number?",
    usage_note: "string?",
    message: "string?",
  },
  defaults: { valid_codes: {}, time_window: 1, period: 30, usage_note: "", message: "" },
  aliases: { ...STATUS_ALIASES, current_server_time: ["server_time"] },
});
const MESSAGE = define({ fields: { message: "string" } });
const AGENT_FIELDS = {
  id: "id",
  name: "string",
  did: "string",
  state: "object|null",
  created_at: "string",
} as const;
const isAgent = (o: Obj) =>
  isString(o.id) && isString(o.name) && isString(o.did) &&
  (o.state === null || isObject(o.state)) && isString(o.created_at);
const AGENT = define({ fields: AGENT_FIELDS, canonical: isAgent });
const CHILD = define({
  fields: { ...AGENT_FIELDS, parent_id: "id", permissions: "object?" },
  defaults: { permissions: {} },
  canonical: (o) => isAgent(o) && isString(o.parent_id) && isObject(o.permissions),
});
const ASSET = define({
  fields: { id: "id", type: "string", agent_id: "id", details: "object", created_at: "string" },
  canonical: (o) =>
    isString(o.id) && isString(o.type) && isString(o.agent_id) && isObject(o.details) &&
    isString(o.created_at),
});
const EMAIL_ACCOUNT = define({
  fields: { id: "id", provider: "string", email_address: "string", config: "object?" },
  defaults: { config: {} },
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
  const o = r.read(body, "", TWO_FACTOR_REQUIRED);
  if (o.preferred_method !== "totp" && o.preferred_method !== "sms") {
    r.fail("preferred_method", `must be "totp" or "sms" (got "${o.preferred_method}")`);
  }
  return o as unknown as LoginResult;
};

/** `TwoFactorSetup`; accepts `secret_key`/`manual_entry_key` and `qr_code_url`. */
export const parseTwoFactorSetup: Parser<TwoFactorSetup> = model(SETUP);
/** `TwoFactorStatus`; accepts `enabled` and `method`. */
export const parseTwoFactorStatus: Parser<TwoFactorStatus> = model(STATUS);
/** `TwoFactorDebug`; accepts `server_time`, `enabled` and `method`. */
const readDebug = model<TwoFactorDebug>(DEBUG);
export const parseTwoFactorDebug: Parser<TwoFactorDebug> = (body, context) => {
  const o = readDebug(body, context);
  for (const [key, code] of Object.entries(o.valid_codes)) {
    if (typeof code !== "string") {
      new Reader(body, context).fail(`valid_codes.${key}`, `must be a string (got ${kind(code)})`);
    }
  }
  return o;
};
/** `{message}`. */
export const parseMessage: Parser<Message> = model(MESSAGE);
/** `{message, expires_in}`. */
export const parseSmsCodeSent: Parser<SmsCodeSent> = model(define({
  fields: { message: "string", expires_in: "number" },
}));
const readAgent = model<Agent>(AGENT);
/** `Agent[]`. */
export const parseAgents: Parser<Agent[]> = list(AGENT);
/** `Agent` or `ChildAgent` (a child has `parent_id`). */
export const parseAgentOrChild: Parser<Agent | ChildAgent> = (body, context) => {
  const parent = (body as Obj | null)?.parent_id;
  return parent === undefined || parent === null
    ? readAgent(body, context)
    : parseChildAgent(body, context);
};
/** `ChildAgent`. */
export const parseChildAgent: Parser<ChildAgent> = model(CHILD);
/** `ChildAgent[]`. */
export const parseChildAgents: Parser<ChildAgent[]> = list(CHILD);
/** `Asset`. */
export const parseAsset: Parser<Asset> = model(ASSET);
/** `{assets: Asset[]}`. */
export const parseAssetList: Parser<AssetList> = (body, context) => {
  const r = new Reader(body, context);
  const o = r.object(body, "(body)");
  const assets = Array.isArray(o.assets)
    ? o.assets
    : r.fail("assets", `must be an array (got ${kind(o.assets)})`);
  return {
    ...o,
    assets: assets.map((a, i) => r.read(a, "assets", ASSET, i) as unknown as Asset),
  };
};
/** `EmailAccount`. */
export const parseEmailAccount: Parser<EmailAccount> = model(EMAIL_ACCOUNT);
/** `EmailAccount[]`. */
export const parseEmailAccounts: Parser<EmailAccount[]> = list(EMAIL_ACCOUNT);
/** `{access_token, expires_in, ...}`. */
export const parseEmailTokenRefresh: Parser<EmailTokenRefresh> = model(define({
  fields: { access_token: "string", expires_in: "number" },
}));
/** `DID`. */
export const parseDid: Parser<DID> = model(define({ fields: { did: "string", info: "object" } }));
/** `{credential}`. */
export const parseIssuedCredential: Parser<IssuedCredential> = model(define({
  fields: { credential: "string" },
}));
/** `{verified, payload?, error?}`. */
export const parseCredentialVerification: Parser<CredentialVerification> = model(define({
  fields: { verified: "boolean", payload: "object?", error: "string?" },
}));
