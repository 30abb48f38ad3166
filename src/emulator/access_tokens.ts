/**
 * HS256 access tokens (RFC 7519) on WebCrypto: the HMAC key is imported once, and a token whose
 * signature was verified is remembered (a bounded cache), so that each authenticated request does
 * not verify it from scratch. The expiry is never cached: callers check it against the emulator's clock.
 *
 * @module
 */
import { base64urlnopad } from "@scure/base";

const HEADER = base64urlnopad.encode(
  new TextEncoder().encode(JSON.stringify({ alg: "HS256", typ: "JWT" })),
);
/** Verified tokens kept (a bounded cache: it is emptied when full). */
const CACHE_SIZE = 10_000;

/** The claims the emulator puts in an access token. */
export interface AccessClaims {
  sub: string;
  fam: string;
  iat: number;
  exp: number;
  jti: string;
  /** The account's master agent, so that a request can read it with the account, at once. */
  mag?: string;
}

/** What verification tells: the claims the emulator checks (its own tokens have them all). */
export type VerifiedClaims = Partial<Pick<AccessClaims, "sub" | "fam" | "iat" | "exp" | "mag">>;

/** Signs and verifies the emulator's access tokens with one HMAC key. */
export class AccessTokens {
  readonly #key: Promise<CryptoKey>;
  readonly #verified = new Map<string, VerifiedClaims>();

  /** Imports `secret` (UTF-8) as the HS256 key, once. */
  constructor(secret: Promise<string>) {
    this.#key = secret.then((s) =>
      crypto.subtle.importKey(
        "raw",
        new TextEncoder().encode(s),
        { name: "HMAC", hash: "SHA-256" },
        false,
        ["sign", "verify"],
      )
    );
    // A failed import is reported when the key is used, not as an unhandled rejection.
    this.#key.catch(() => {});
  }

  /** A compact JWT for `claims`. */
  async sign(claims: AccessClaims): Promise<string> {
    const payload = base64urlnopad.encode(new TextEncoder().encode(JSON.stringify(claims)));
    const input = `${HEADER}.${payload}`;
    const mac = await crypto.subtle.sign("HMAC", await this.#key, new TextEncoder().encode(input));
    // Not remembered until it is used: many are never used (each refresh makes one).
    return `${input}.${base64urlnopad.encode(new Uint8Array(mac))}`;
  }

  /** The claims of a token signed with this key, or null (the expiry is not checked here). */
  async verify(token: string): Promise<VerifiedClaims | null> {
    const cached = this.#verified.get(token);
    if (cached) return cached;
    const parts = token.split(".");
    if (parts.length !== 3 || parts[0] !== HEADER || token.length > 4096) return null;
    let signature: Uint8Array;
    let claims: VerifiedClaims;
    try {
      signature = base64urlnopad.decode(parts[2]);
      claims = JSON.parse(new TextDecoder().decode(base64urlnopad.decode(parts[1])));
    } catch {
      return null;
    }
    const ok = await crypto.subtle.verify(
      "HMAC",
      await this.#key,
      signature as Uint8Array<ArrayBuffer>,
      new TextEncoder().encode(`${parts[0]}.${parts[1]}`),
    );
    if (!ok || typeof claims !== "object" || claims === null) return null;
    this.#remember(token, claims);
    return claims;
  }

  #remember(token: string, claims: VerifiedClaims): void {
    if (this.#verified.size >= CACHE_SIZE) this.#verified.clear();
    // Only what is checked is kept (not the token's id): about 200 bytes less per token.
    const { sub, fam, iat, exp, mag } = claims;
    this.#verified.set(token, Object.freeze({ sub, fam, iat, exp, mag }));
  }
}
