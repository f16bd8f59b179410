import { sha1 } from "@noble/hashes/legacy.js";
import { sha256, sha384, sha512 } from "@noble/hashes/sha2.js";
import { hashByName, type HashAlgorithm } from "./algorithms.js";

/** The hash functions of the registry's hashes (algorithms.ts), from @noble/hashes: for digests, HMAC and PBM. */
export const HASH_FUNCTIONS = { "SHA-1": sha1, "SHA-256": sha256, "SHA-384": sha384, "SHA-512": sha512 } as const satisfies Record<
  HashAlgorithm["name"],
  unknown
>;

/**
 * Hash `data` with a hash named by OID ("2.16.840.1.101.3.4.2.1"), by
 * WebCrypto name ("SHA-256") or by registry entry, e.g. for certHash
 * (RFC 9810 §5.3.18). Unknown or refused hashes raise CmpError badAlg.
 *
 * What is hashed here is a certificate or a key, a few hundred bytes: that
 * takes @noble/hashes a few microseconds, while a WebCrypto digest on Node is
 * a round trip to the thread pool that costs several times more.
 */
export async function digest(hash: string | HashAlgorithm, data: Uint8Array): Promise<Uint8Array> {
  const algorithm = typeof hash === "string" ? hashByName(hash) : hash;
  return HASH_FUNCTIONS[algorithm.name](data);
}
