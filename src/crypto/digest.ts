import { hashByName, type HashAlgorithm } from "./algorithms.js";

/**
 * Hash `data` with a hash named by OID ("2.16.840.1.101.3.4.2.1"), by
 * WebCrypto name ("SHA-256") or by registry entry, e.g. for certHash
 * (RFC 9810 §5.3.18). Unknown or refused hashes raise CmpError badAlg.
 */
export async function digest(hash: string | HashAlgorithm, data: Uint8Array): Promise<Uint8Array> {
  const algorithm = typeof hash === "string" ? hashByName(hash) : hash;
  return new Uint8Array(await crypto.subtle.digest(algorithm.name, data));
}
