/**
 * The session cookie of the edge proxy: the tokens, sealed with AES-256-GCM (WebCrypto) under a
 * key derived from the proxy's secret, bound to the cookie's name. Tampered or foreign cookies
 * do not open.
 *
 * @module
 */
import { base64urlDecode, base64urlEncode } from "../sdk/encoding.ts";
import { cookieSecretBytes } from "./cookie_secret.ts";

/** What the cookie holds. */
export interface Session {
  /** CirtusAI access token. */
  access_token: string;
  /** CirtusAI refresh token, when issued. */
  refresh_token?: string;
  /** Access token expiry, epoch ms, when known. */
  expires_at?: number;
  /** The session's id, the same across refreshes (the key of the shared store). */
  sid?: string;
  /** The tokens' generation: 0 at login, one more per refresh. */
  gen?: number;
  /**
   * The session's absolute end, epoch ms, set at login and kept across refreshes: the cookie is
   * refused after it, whatever the shared store says (a cookie without one is refused too).
   */
  exp?: number;
}

const CACHE_SIZE = 1024;

/**
 * Seals and opens session cookies. Opened values are cached (bounded): a sealed value is
 * authenticated, so one that opened once always opens to the same session, and a browser sends
 * the same cookie on every call.
 */
export class SessionSealer {
  readonly #key: Promise<CryptoKey>;
  readonly #aad: Uint8Array<ArrayBuffer>;
  readonly #opened = new Map<string, Readonly<Session>>();

  /**
   * `secret`: base64, base64url or hex of at least 32 random bytes (`openssl rand -base64 32`);
   * anything else is an `InvalidArgumentError` (see `cookieSecretBytes`). `cookieName`: the
   * cookie's base name, which the seal is bound to.
   */
  constructor(secret: string, cookieName: string) {
    const material = cookieSecretBytes(secret);
    const aad = new TextEncoder().encode(`cirtusai-proxy-session:${cookieName}`);
    this.#aad = aad;
    this.#key = (async () => {
      const key = await crypto.subtle.importKey("raw", material, "HKDF", false, ["deriveKey"]);
      return await crypto.subtle.deriveKey(
        { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(32), info: aad },
        key,
        { name: "AES-GCM", length: 256 },
        false,
        ["encrypt", "decrypt"],
      );
    })();
  }

  /** The cookie value for `session`. */
  async seal(session: Session): Promise<string> {
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const plain = new TextEncoder().encode(JSON.stringify(session));
    const sealed = new Uint8Array(
      await crypto.subtle.encrypt(
        { name: "AES-GCM", iv, additionalData: this.#aad },
        await this.#key,
        plain,
      ),
    );
    const out = new Uint8Array(12 + sealed.length);
    out.set(iv);
    out.set(sealed, 12);
    const value = base64urlEncode(out);
    this.#remember(value, session);
    return value;
  }

  /**
   * The session of a cookie value opened before, without waiting; undefined when not cached. It is
   * the cache's own object, frozen: no copy per call.
   */
  cached(value: string): Readonly<Session> | undefined {
    return this.#opened.get(value);
  }

  /**
   * The session in a cookie value (frozen, as it is cached), or null when it was tampered with or
   * sealed by another key.
   */
  async open(value: string): Promise<Readonly<Session> | null> {
    const cached = this.cached(value);
    if (cached) return cached;
    const bytes = base64urlDecode(value);
    if (!bytes || bytes.length < 12 + 16) return null;
    try {
      const plain = await crypto.subtle.decrypt(
        { name: "AES-GCM", iv: bytes.slice(0, 12), additionalData: this.#aad },
        await this.#key,
        bytes.slice(12),
      );
      const session = JSON.parse(new TextDecoder().decode(plain));
      if (typeof session?.access_token !== "string") return null;
      return this.#remember(value, session);
    } catch {
      return null;
    }
  }

  #remember(value: string, session: Session): Readonly<Session> {
    if (this.#opened.size >= CACHE_SIZE) this.#opened.delete(this.#opened.keys().next().value!);
    const frozen = Object.freeze({ ...session });
    this.#opened.set(value, frozen);
    return frozen;
  }
}

/**
 * The values of every cookie called `name` in a `Cookie` request header, in the order sent (none,
 * one, or more when another site or path planted one of the same name). Only that name is looked
 * for; the others are not parsed.
 */
export function readCookies(header: string | null, name: string): string[] {
  const found: string[] = [];
  if (!header) return found;
  for (let start = 0; start < header.length;) {
    let end = header.indexOf(";", start);
    if (end < 0) end = header.length;
    const pair = header.slice(start, end).trim();
    if (pair.length > name.length && pair[name.length] === "=" && pair.startsWith(name)) {
      found.push(pair.slice(name.length + 1));
    }
    start = end + 1;
  }
  return found;
}

/**
 * The `Set-Cookie` header that stores `value` (the browser keeps it `maxAge` seconds; 0 deletes
 * it): HttpOnly, SameSite=Strict, for the whole site, with no Domain (so a `__Host-` name is
 * valid), and Secure unless `secure` is false (plain HTTP to a host that is not loopback, where a
 * browser would drop a Secure cookie).
 */
export function sessionCookieHeader(
  name: string,
  value: string,
  maxAge: number,
  secure = true,
): string {
  return `${name}=${value}; Max-Age=${maxAge}; Path=/; HttpOnly;${
    secure ? " Secure;" : ""
  } SameSite=Strict`;
}
