/**
 * Wallet addresses for provisioned assets: EVM chains (secp256k1, keccak-256, EIP-55) and
 * Solana (Ed25519, base58). Keys come from the audited noble libraries and WebCrypto.
 *
 * @module
 */
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { base58, hex } from "@scure/base";
import type { Chain } from "../sdk/chains.ts";

/** A new wallet: its public address and its private key (never sent). */
export interface Wallet {
  address: string;
  privateKey: string;
}

/**
 * EIP-55 mixed-case checksum of a 20-byte address given as 40 hex digits.
 *
 * @example
 * ```ts
 * toChecksumAddress("5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"); // "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
 * ```
 */
export function toChecksumAddress(hexAddress: string): string {
  const lower = hexAddress.toLowerCase().replace(/^0x/, "");
  const hash = hex.encode(keccak_256(new TextEncoder().encode(lower)));
  let out = "0x";
  for (let i = 0; i < lower.length; i++) {
    out += parseInt(hash[i], 16) >= 8 ? lower[i].toUpperCase() : lower[i];
  }
  return out;
}

/** A fresh secp256k1 key and its EIP-55 address. */
export function newEvmWallet(): Wallet {
  const secret = secp256k1.utils.randomSecretKey();
  const publicKey = secp256k1.getPublicKey(secret, false); // 0x04 || X || Y
  const address = hex.encode(keccak_256(publicKey.slice(1)).slice(-20));
  return { address: toChecksumAddress(address), privateKey: hex.encode(secret) };
}

/** A fresh Ed25519 key and its base58 Solana address. */
export async function newSolanaWallet(): Promise<Wallet> {
  const pair = await crypto.subtle.generateKey({ name: "Ed25519" }, true, [
    "sign",
    "verify",
  ]) as CryptoKeyPair;
  const publicKey = new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey));
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey("pkcs8", pair.privateKey));
  // Solana's 64-byte secret key is seed || public key; the seed is the last 32 bytes of PKCS#8.
  const secret = new Uint8Array([...pkcs8.slice(-32), ...publicKey]);
  return { address: base58.encode(publicKey), privateKey: base58.encode(secret) };
}

/** A new wallet on `chain`. */
export async function newWallet(chain: Chain): Promise<Wallet> {
  return chain === "solana" ? await newSolanaWallet() : newEvmWallet();
}
