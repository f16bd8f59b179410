import type { HashAlgorithm } from "./algorithms.js";
import { constantTimeEqual } from "./constant_time.js";
import type { CryptoKey } from "./webcrypto_types.js";

/**
 * HMAC (RFC 2104) over WebCrypto: the last step of both PBM and PBMAC1.
 * The key is imported once and reused, because the server verifies the
 * request and MACs its response with the same derived key.
 */
export async function importHmacKey(raw: Uint8Array, hash: HashAlgorithm): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: hash.name }, false, ["sign"]);
}

export async function computeMac(key: CryptoKey, data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.sign("HMAC", key, data));
}

/** Recompute and compare in constant time (see constant_time.ts). */
export async function verifyMac(key: CryptoKey, data: Uint8Array, mac: Uint8Array): Promise<boolean> {
  return constantTimeEqual(await computeMac(key, data), mac);
}
