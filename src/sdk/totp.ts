/**
 * HOTP (RFC 4226) and TOTP (RFC 6238) over WebCrypto, plus `otpauth://` URIs (Key Uri Format).
 * Runs wherever `crypto.subtle` exists: Deno, Node 20+, Bun, browsers, Workers.
 *
 * @example
 * ```ts
 * import { generateSecret, Totp } from "@cirtusai/sdk/totp";
 * const totp = await Totp.fromSecret(generateSecret());
 * const code = await totp.generate();
 * console.log(await totp.verify(code)); // 0
 * ```
 *
 * @module
 */
import { decodeBase32, encodeBase32 } from "./base32.ts";
import { InvalidArgumentError } from "./errors.ts";

export { decodeBase32, encodeBase32 };

/** HMAC hash of an OTP key. SHA-1 is what every authenticator app supports. */
export type OtpAlgorithm = "SHA-1" | "SHA-256" | "SHA-512";

/** Parameters shared by HOTP and TOTP. */
export interface OtpOptions {
  /** HMAC hash; default `"SHA-1"`. */
  algorithm?: OtpAlgorithm;
  /** Code length, 6 to 8; default 6. */
  digits?: number;
}

/** Parameters of a TOTP key. */
export interface TotpOptions extends OtpOptions {
  /** Time step in seconds; default 30. */
  period?: number;
}

/** Options of {@linkcode Totp.verify}. */
export interface VerifyOptions {
  /** Steps accepted on each side of now; default 1 (RFC 6238 §5.2). */
  window?: number;
  /** Time to verify at, in epoch milliseconds; default `Date.now()`. */
  time?: number;
}

/**
 * Generates a random secret (`crypto.getRandomValues`) as base32 without padding.
 *
 * @example
 * ```ts
 * import { generateSecret } from "@cirtusai/sdk/totp";
 * generateSecret().length; // 32 (20 bytes)
 * ```
 */
export function generateSecret(bytes = 20): string {
  if (!Number.isInteger(bytes) || bytes < 10 || bytes > 128) {
    throw new InvalidArgumentError(
      "bytes",
      `bytes must be an integer from 10 to 128 (got ${bytes})`,
    );
  }
  return encodeBase32(crypto.getRandomValues(new Uint8Array(bytes)));
}

/**
 * Compares two strings in time that depends only on their lengths.
 *
 * @example
 * ```ts
 * import { timingSafeEqual } from "@cirtusai/sdk/totp";
 * timingSafeEqual("123456", "123456"); // true
 * ```
 */
export function timingSafeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/**
 * A HOTP key whose HMAC key is imported once; generates codes for any counter.
 *
 * @example
 * ```ts
 * import { Hotp } from "@cirtusai/sdk/totp";
 * const hotp = await Hotp.fromSecret("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
 * await hotp.generate(0); // "755224" (RFC 4226 Appendix D)
 * ```
 */
export class Hotp {
  /** Code length. */
  readonly digits: number;
  /** HMAC hash. */
  readonly algorithm: OtpAlgorithm;
  readonly #key: CryptoKey;

  /** Use {@linkcode Hotp.fromSecret}; the constructor takes an imported HMAC key. */
  constructor(key: CryptoKey, options: OtpOptions = {}) {
    this.#key = key;
    this.algorithm = checkAlgorithm(options.algorithm ?? "SHA-1");
    this.digits = checkDigits(options.digits ?? 6);
  }

  /** Imports a base32 secret (or raw key bytes) once for repeated use. */
  static async fromSecret(secret: string | Uint8Array, options: OtpOptions = {}): Promise<Hotp> {
    return new Hotp(await importKey(secret, options.algorithm ?? "SHA-1"), options);
  }

  /** The code for `counter` (RFC 4226 §5.3), leading zeros kept. */
  async generate(counter: number): Promise<string> {
    if (!Number.isSafeInteger(counter) || counter < 0) {
      throw new InvalidArgumentError("counter", `counter must be a non-negative integer`);
    }
    const message = new Uint8Array(8);
    const view = new DataView(message.buffer);
    view.setUint32(0, Math.floor(counter / 2 ** 32));
    view.setUint32(4, counter >>> 0);
    const mac = new Uint8Array(await crypto.subtle.sign("HMAC", this.#key, message));
    // Dynamic truncation, RFC 4226 §5.4.
    const offset = mac[mac.length - 1] & 0x0f;
    const binary = ((mac[offset] & 0x7f) << 24) | (mac[offset + 1] << 16) |
      (mac[offset + 2] << 8) | mac[offset + 3];
    return String(binary % 10 ** this.digits).padStart(this.digits, "0");
  }

  /**
   * Checks `code` against `counter` and the `window` counters after it (RFC 4226 §7.4).
   * Returns the matched offset from `counter`, or null.
   */
  async verify(
    code: string,
    options: { counter: number; window?: number },
  ): Promise<number | null> {
    const offsets = Array.from({ length: (options.window ?? 0) + 1 }, (_, i) => i);
    return await matchOffsets(this, code, options.counter, offsets);
  }
}

/**
 * A TOTP key (RFC 6238) whose HMAC key is imported once.
 *
 * @example
 * ```ts
 * import { Totp } from "@cirtusai/sdk/totp";
 * const totp = await Totp.fromSecret("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
 * await totp.generate(59_000); // "287082" (RFC 6238 Appendix B, 8 digits: "94287082")
 * ```
 */
export class Totp {
  /** Time step in seconds. */
  readonly period: number;
  readonly #hotp: Hotp;

  /** Use {@linkcode Totp.fromSecret}. */
  constructor(hotp: Hotp, options: { period?: number } = {}) {
    this.#hotp = hotp;
    this.period = checkPeriod(options.period ?? 30);
  }

  /** Imports a base32 secret (or raw key bytes) once for repeated use. */
  static async fromSecret(secret: string | Uint8Array, options: TotpOptions = {}): Promise<Totp> {
    return new Totp(await Hotp.fromSecret(secret, options), options);
  }

  /** Code length. */
  get digits(): number {
    return this.#hotp.digits;
  }

  /** HMAC hash. */
  get algorithm(): OtpAlgorithm {
    return this.#hotp.algorithm;
  }

  /** The time step (counter) that `time` (epoch ms) falls in. */
  counterAt(time: number = Date.now()): number {
    return Math.floor(time / 1000 / this.period);
  }

  /** The code at `time` (epoch ms, default now). */
  async generate(time: number = Date.now()): Promise<string> {
    return await this.#hotp.generate(this.counterAt(time));
  }

  /** The code of a given time step. */
  async generateAt(counter: number): Promise<string> {
    return await this.#hotp.generate(counter);
  }

  /**
   * Checks `code` within `window` steps either side of `time`. Returns the matched step offset
   * (0 for now, -1 for the previous step, ...) or null. The current step is checked first; the
   * others are computed in parallel. Comparison is constant-time.
   */
  async verify(code: string, options: VerifyOptions = {}): Promise<number | null> {
    const window = options.window ?? 1;
    if (!Number.isInteger(window) || window < 0 || window > 10) {
      throw new InvalidArgumentError("window", `window must be an integer from 0 to 10`);
    }
    const counter = this.counterAt(options.time);
    const first = await matchOffsets(this.#hotp, code, counter, [0]);
    if (first !== null || window === 0) return first;
    const others: number[] = [];
    for (let i = 1; i <= window; i++) others.push(-i, i);
    return await matchOffsets(this.#hotp, code, counter, others);
  }

  /** Seconds until the code at `time` changes (1 to `period`). */
  secondsRemaining(time: number = Date.now()): number {
    return this.period - Math.floor((time / 1000) % this.period);
  }
}

async function matchOffsets(
  hotp: Hotp,
  code: string,
  counter: number,
  offsets: number[],
): Promise<number | null> {
  const candidate = String(code).replace(/\s+/g, "");
  if (!/^\d+$/.test(candidate) || candidate.length !== hotp.digits) return null;
  const valid = offsets.filter((o) => counter + o >= 0);
  const codes = await Promise.all(valid.map((o) => hotp.generate(counter + o)));
  let found: number | null = null;
  // Compare all of them so the time taken does not reveal which one matched.
  for (let i = 0; i < codes.length; i++) {
    if (timingSafeEqual(codes[i], candidate) && found === null) found = valid[i];
  }
  return found;
}

/**
 * One-off HOTP code (RFC 4226). Prefer {@linkcode Hotp} when generating many.
 *
 * @example
 * ```ts
 * import { hotp } from "@cirtusai/sdk/totp";
 * await hotp("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", 1); // "287082"
 * ```
 */
export async function hotp(
  secret: string | Uint8Array,
  counter: number,
  options: OtpOptions = {},
): Promise<string> {
  return await (await Hotp.fromSecret(secret, options)).generate(counter);
}

/**
 * One-off TOTP code (RFC 6238) at `options.time` (epoch ms, default now).
 * Prefer {@linkcode Totp} when generating or verifying many.
 *
 * @example
 * ```ts
 * import { generateSecret, totp } from "@cirtusai/sdk/totp";
 * const code = await totp(generateSecret());
 * console.log(code.length); // 6
 * ```
 */
export async function totp(
  secret: string | Uint8Array,
  options: TotpOptions & { time?: number } = {},
): Promise<string> {
  return await (await Totp.fromSecret(secret, options)).generate(options.time);
}

async function importKey(secret: string | Uint8Array, algorithm: OtpAlgorithm): Promise<CryptoKey> {
  const raw = typeof secret === "string" ? decodeBase32(secret) : new Uint8Array(secret);
  if (raw.length === 0) throw new InvalidArgumentError("secret", "secret is empty");
  return await crypto.subtle.importKey(
    "raw",
    raw,
    { name: "HMAC", hash: checkAlgorithm(algorithm) },
    false,
    ["sign"],
  );
}

function checkAlgorithm(algorithm: string): OtpAlgorithm {
  if (algorithm === "SHA-1" || algorithm === "SHA-256" || algorithm === "SHA-512") return algorithm;
  throw new InvalidArgumentError(
    "algorithm",
    `algorithm must be SHA-1, SHA-256 or SHA-512 (got "${algorithm}")`,
  );
}

function checkDigits(digits: number): number {
  if (Number.isInteger(digits) && digits >= 6 && digits <= 8) return digits;
  throw new InvalidArgumentError("digits", `digits must be 6, 7 or 8 (got ${digits})`);
}

function checkPeriod(period: number): number {
  if (Number.isInteger(period) && period >= 1 && period <= 86_400) return period;
  throw new InvalidArgumentError("period", `period must be 1 to 86400 seconds (got ${period})`);
}

// ---------------------------------------------------------------------------------------------
// otpauth:// URIs — https://github.com/google/google-authenticator/wiki/Key-Uri-Format

/** The content of an `otpauth://` URI. */
export interface OtpauthKey {
  /** `"totp"` (time-based) or `"hotp"` (counter-based). */
  type: "totp" | "hotp";
  /** Base32 secret, upper case without padding or spaces. */
  secret: string;
  /** The account name (e-mail or username). */
  account: string;
  /** The service, shown by authenticator apps; the label prefix and `issuer` parameter. */
  issuer?: string;
  /** HMAC hash; default `"SHA-1"`. */
  algorithm: OtpAlgorithm;
  /** Code length; default 6. */
  digits: number;
  /** TOTP step in seconds; default 30 (TOTP only). */
  period?: number;
  /** Initial counter (HOTP only, required there). */
  counter?: number;
}

const URI_ALGORITHMS: Record<string, OtpAlgorithm> = {
  SHA1: "SHA-1",
  SHA256: "SHA-256",
  SHA512: "SHA-512",
};

/**
 * Builds an `otpauth://` URI. Defaults (SHA1, 6 digits, 30 s) are left out, as apps expect. The
 * Key Uri Format forbids a colon in the issuer and in the account name, and encoding it would not
 * help (`%3A` is its issuer separator too), so either one with a colon is refused.
 *
 * @example
 * ```ts
 * import { buildOtpauthUri } from "@cirtusai/sdk/totp";
 * buildOtpauthUri({ secret: "JBSWY3DPEHPK3PXP", account: "ada@example.com", issuer: "CirtusAI" });
 * // "otpauth://totp/CirtusAI:ada%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=CirtusAI"
 * ```
 */
export function buildOtpauthUri(
  key: Partial<OtpauthKey> & Pick<OtpauthKey, "secret" | "account">,
): string {
  const type = key.type ?? "totp";
  const secret = encodeBase32(decodeBase32(key.secret));
  if (key.issuer?.includes(":")) {
    throw new InvalidArgumentError("issuer", `issuer must not contain ":"`);
  }
  if (key.account.includes(":")) {
    throw new InvalidArgumentError(
      "account",
      `account must not contain ":" (the Key Uri Format reads it as the issuer separator)`,
    );
  }
  const label = key.issuer
    ? `${encodeURIComponent(key.issuer)}:${encodeURIComponent(key.account)}`
    : encodeURIComponent(key.account);
  const params = [`secret=${secret}`];
  if (key.issuer) params.push(`issuer=${encodeURIComponent(key.issuer)}`);
  const algorithm = checkAlgorithm(key.algorithm ?? "SHA-1");
  if (algorithm !== "SHA-1") params.push(`algorithm=${algorithm.replace("-", "")}`);
  const digits = checkDigits(key.digits ?? 6);
  if (digits !== 6) params.push(`digits=${digits}`);
  if (type === "totp") {
    const period = checkPeriod(key.period ?? 30);
    if (period !== 30) params.push(`period=${period}`);
  } else {
    const counter = key.counter ?? 0;
    if (!Number.isSafeInteger(counter) || counter < 0) {
      throw new InvalidArgumentError("counter", "counter must be a non-negative integer");
    }
    params.push(`counter=${counter}`);
  }
  return `otpauth://${type}/${label}?${params.join("&")}`;
}

/**
 * Parses an `otpauth://` URI. Rejects a wrong scheme or type, a missing or bad secret, an issuer
 * that disagrees with the label prefix, and out-of-range parameters, each with an
 * {@linkcode InvalidArgumentError}.
 *
 * @example
 * ```ts
 * import { parseOtpauthUri } from "@cirtusai/sdk/totp";
 * const key = parseOtpauthUri("otpauth://totp/CirtusAI:ada%40example.com?secret=JBSWY3DPEHPK3PXP");
 * console.log(key.issuer, key.account, key.period); // "CirtusAI" "ada@example.com" 30
 * ```
 */
export function parseOtpauthUri(uri: string): OtpauthKey {
  const match = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/([^/?#]*)\/([^?#]*)(?:\?([^#]*))?/.exec(uri.trim());
  if (!match) throw uriError("uri", "URI is not of the form otpauth://TYPE/LABEL?PARAMETERS");
  const [, scheme, rawType, rawLabel, query = ""] = match;
  if (scheme.toLowerCase() !== "otpauth") {
    throw uriError("uri", `URI scheme must be "otpauth" (got "${scheme}")`);
  }
  const type = rawType.toLowerCase();
  if (type !== "totp" && type !== "hotp") {
    throw uriError("type", `OTP type must be "totp" or "hotp" (got "${rawType}")`);
  }
  const label = decode(rawLabel, "label");
  const colon = label.indexOf(":");
  const labelIssuer = colon >= 0 ? label.slice(0, colon).trim() : undefined;
  const account = (colon >= 0 ? label.slice(colon + 1) : label).trim();
  if (!account) throw uriError("label", "URI label has no account name");

  const params = new Map<string, string>();
  for (const part of query.split("&")) {
    if (!part) continue;
    const eq = part.indexOf("=");
    const name = decode(eq >= 0 ? part.slice(0, eq) : part, "parameter").toLowerCase();
    params.set(name, decode(eq >= 0 ? part.slice(eq + 1).replace(/\+/g, " ") : "", name));
  }

  const rawSecret = params.get("secret");
  if (!rawSecret) throw uriError("secret", "URI has no secret parameter");
  const secret = encodeBase32(decodeBase32(rawSecret));

  const paramIssuer = params.get("issuer");
  if (labelIssuer !== undefined && paramIssuer !== undefined && labelIssuer !== paramIssuer) {
    throw uriError(
      "issuer",
      `issuer parameter "${paramIssuer}" disagrees with label prefix "${labelIssuer}"`,
    );
  }
  const issuer = paramIssuer ?? labelIssuer;

  const rawAlgorithm = (params.get("algorithm") ?? "SHA1").toUpperCase().replace("-", "");
  const algorithm = URI_ALGORITHMS[rawAlgorithm];
  if (!algorithm) {
    throw uriError("algorithm", `algorithm must be SHA1, SHA256 or SHA512 (got "${rawAlgorithm}")`);
  }
  const digits = intParam(params, "digits", 6, 6, 8);
  const key: OtpauthKey = { type, secret, account, algorithm, digits };
  if (issuer) key.issuer = issuer;
  if (type === "totp") {
    key.period = intParam(params, "period", 30, 1, 86_400);
  } else {
    if (!params.has("counter")) throw uriError("counter", "hotp URI has no counter parameter");
    key.counter = intParam(params, "counter", 0, 0, Number.MAX_SAFE_INTEGER);
  }
  return key;
}

function intParam(
  params: Map<string, string>,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = params.get(name);
  if (raw === undefined) return fallback;
  const value = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw uriError(name, `${name} must be an integer from ${min} to ${max} (got "${raw}")`);
  }
  return value;
}

function decode(text: string, field: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw uriError(field, `URI ${field} has a malformed percent-encoding`);
  }
}

function uriError(field: string, message: string): InvalidArgumentError {
  return new InvalidArgumentError(field, `otpauth URI: ${message}`);
}
