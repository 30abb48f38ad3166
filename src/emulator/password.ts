/**
 * Password hashing with PBKDF2-HMAC-SHA256 over WebCrypto.
 *
 * @module
 */
import { timingSafeEqual } from "../sdk/totp.ts";
import { base64urlnopad } from "@scure/base";

/** OWASP's recommended iteration count for PBKDF2-HMAC-SHA256. */
export const OWASP_PBKDF2_ITERATIONS = 600_000;

/** A stored password hash. */
export interface PasswordHash {
  /** Always `"pbkdf2-sha256"`. */
  algorithm: "pbkdf2-sha256";
  /** Iterations used. */
  iterations: number;
  /** Random 16-byte salt, base64url. */
  salt: string;
  /** 32-byte derived key, base64url. */
  hash: string;
}

async function derive(
  password: string,
  salt: Uint8Array<ArrayBuffer>,
  iterations: number,
): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(password),
    "PBKDF2",
    false,
    [
      "deriveBits",
    ],
  );
  const bits = await crypto.subtle.deriveBits(
    { name: "PBKDF2", hash: "SHA-256", salt, iterations },
    key,
    256,
  );
  return base64urlnopad.encode(new Uint8Array(bits));
}

/** Hashes `password` with a fresh random salt. */
export async function hashPassword(password: string, iterations: number): Promise<PasswordHash> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  return {
    algorithm: "pbkdf2-sha256",
    iterations,
    salt: base64urlnopad.encode(salt),
    hash: await derive(password, salt, iterations),
  };
}

/** Whether `password` matches `stored` (constant-time comparison). */
export async function verifyPassword(password: string, stored: PasswordHash): Promise<boolean> {
  const salt = new Uint8Array(base64urlnopad.decode(stored.salt));
  return timingSafeEqual(await derive(password, salt, stored.iterations), stored.hash);
}
