import { CmpError } from "../asn1/pki_failure_info.js";

/**
 * RFC 4211 §4.4: "The iterationCount MUST be a minimum of 100." We hold
 * PBMAC1 to the same floor (RFC 8018 §4.2 recommends even 1000).
 */
export const MIN_ITERATIONS = 100;

/**
 * Bound a PBM or PBMAC1 iteration count: below the floor the password is
 * too cheap to guess, above `maxIterations` (Limits.macMaxIterations) one
 * request costs the server too much, and workerd refuses PBKDF2 above
 * 100 000 anyway. Returns the count as a number.
 */
export function checkIterationCount(count: bigint, maxIterations: number, what: string): number {
  if (count < BigInt(MIN_ITERATIONS)) {
    throw new CmpError("badAlg", `${what} iterationCount ${count} is below the minimum of ${MIN_ITERATIONS}`);
  }
  if (count > BigInt(maxIterations)) {
    throw new CmpError("badAlg", `${what} iterationCount ${count} is above this server's maximum of ${maxIterations}`);
  }
  return Number(count);
}
