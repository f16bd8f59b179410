import { hmac } from "@noble/hashes/hmac.js";
import type { HashAlgorithm } from "./algorithms.js";
import { constantTimeEqual } from "./constant_time.js";
import { HASH_FUNCTIONS } from "./digest.js";

/**
 * HMAC (RFC 2104): the last step of both PBM and PBMAC1. The key is set up
 * once (its inner and outer pads hashed) and reused, because the server
 * verifies the request and MACs its response with the same derived key.
 *
 * @noble/hashes rather than WebCrypto: a CMP message is a few hundred bytes,
 * and for that WebCrypto's importKey plus a sign per use cost twice the CPU
 * on Node (each call is a round trip to the thread pool), for the same bytes.
 */
export interface HmacKey {
  readonly hash: HashAlgorithm;
  /** The keyed state before any data; cloned for each MAC. */
  readonly keyed: ReturnType<typeof hmac.create>;
}

export async function importHmacKey(raw: Uint8Array, hash: HashAlgorithm): Promise<HmacKey> {
  return { hash, keyed: hmac.create(HASH_FUNCTIONS[hash.name], raw) };
}

export async function computeMac(key: HmacKey, data: Uint8Array): Promise<Uint8Array> {
  return key.keyed.clone().update(data).digest();
}

/** Recompute and compare in constant time (see constant_time.ts). */
export async function verifyMac(key: HmacKey, data: Uint8Array, mac: Uint8Array): Promise<boolean> {
  return constantTimeEqual(await computeMac(key, data), mac);
}
