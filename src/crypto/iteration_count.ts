import { CmpError } from "../asn1/pki_failure_info.js";
import type { HashAlgorithm } from "./algorithms.js";

/**
 * RFC 4211 §4.4: "The iterationCount MUST be a minimum of 100." We hold
 * PBMAC1 to the same floor (RFC 8018 §4.2 recommends even 1000).
 */
export const MIN_ITERATIONS = 100;

/**
 * What one iteration costs with each hash, relative to SHA-256: a PBM round
 * is one compression of the hash (RFC 9810 §5.1.3.1), a PBKDF2 iteration
 * two. Measured with the rounds of src/crypto/hash_rounds.ts on Node and
 * rounded up (SHA-1 0.9 µs, SHA-256 0.55 µs, SHA-384/512 1.4 µs a round):
 * the 64-bit words of SHA-384/512 are slow in JavaScript.
 */
const ITERATION_WEIGHT: Record<HashAlgorithm["name"], number> = {
  "SHA-1": 2,
  "SHA-256": 1,
  "SHA-384": 3,
  "SHA-512": 3,
};

/**
 * The most iterations accepted with `hash`: Limits.macMaxIterations counts
 * SHA-256 iterations, and a heavier hash gets proportionally fewer, so the
 * CPU one MAC request can make the server spend before it is authenticated
 * is the same whichever hash the request names (RFC 9810 §5.1.3.1: "limit
 * acceptable sizes of this integer ... to reduce the risk of
 * denial-of-service attacks").
 */
export function maxIterationsFor(hash: HashAlgorithm, maxIterations: number): number {
  return Math.max(MIN_ITERATIONS, Math.floor(maxIterations / ITERATION_WEIGHT[hash.name]));
}

/**
 * Bound a PBM or PBMAC1 iteration count: below the floor the password is
 * too cheap to guess, above maxIterationsFor(hash) one request costs the
 * server too much. Returns the count as a number.
 */
export function checkIterationCount(count: bigint, maxIterations: number, what: string, hash: HashAlgorithm): number {
  if (count < BigInt(MIN_ITERATIONS)) {
    throw new CmpError("badAlg", `${what} iterationCount ${count} is below the minimum of ${MIN_ITERATIONS}`);
  }
  const max = maxIterationsFor(hash, maxIterations);
  if (count > BigInt(max)) {
    throw new CmpError("badAlg", `${what} iterationCount ${count} is above this server's maximum of ${max} with ${hash.name}`);
  }
  return Number(count);
}
