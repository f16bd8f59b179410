import { parseDer } from "../asn1/parse_der.js";
import { HASH_FUNCTIONS } from "./digest.js";
import { hashRounds } from "./hash_rounds.js";
import { PBMParameter } from "../asn1/pbm.js";
import { CmpError } from "../asn1/pki_failure_info.js";
import { hashFromAlgorithmIdentifier, hmacFromAlgorithmIdentifier, type HashAlgorithm } from "./algorithms.js";
import { importHmacKey, type HmacKey } from "./hmac.js";
import { checkIterationCount } from "./iteration_count.js";

/**
 * PasswordBasedMac (RFC 4211 §4.4, RFC 9810 §5.1.3.1, RFC 9481 §6.1.1).
 * Derivation and MAC are separate steps: the server derives the key once,
 * verifies the request with it and MACs its response with the same key
 * (computeMac / verifyMac in hmac.ts).
 */

/**
 * Decode the protectionAlg parameters. Missing or undecodable parameters
 * mean the message is malformed: CmpError badDataFormat.
 */
export function decodePbmParameter(parameters: ArrayBuffer | null | undefined): PBMParameter {
  if (parameters === undefined || parameters === null) {
    throw new CmpError("badDataFormat", "PasswordBasedMac protectionAlg has no PBMParameter");
  }
  try {
    return parseDer(parameters, PBMParameter);
  } catch (cause) {
    throw new CmpError("badDataFormat", "PasswordBasedMac parameters are not a valid PBMParameter", { cause });
  }
}

/**
 * BASEKEY: the one-way function applied iterationCount times, to
 * secret || salt first and then to its own output (RFC 9810 §5.1.3.1;
 * RFC 4211's pseudo-code reads as one extra round, but RFC 9810 and
 * OpenSSL's OSSL_CRMF_pbm_new apply it exactly iterationCount times).
 *
 * Each round depends on the previous one and hashes one short block, so the
 * rounds run synchronously with @noble/hashes: a chain of awaited WebCrypto
 * digests costs a promise round trip per round (about 8 ms for the 500
 * rounds openssl cmp uses, on Node), which dominated the whole enrollment.
 * After the first round, hashRounds runs the compression function alone.
 */
export async function pbmBaseKey(
  secret: Uint8Array,
  salt: Uint8Array,
  owf: HashAlgorithm,
  iterationCount: number,
): Promise<Uint8Array> {
  const salted = new Uint8Array(secret.length + salt.length);
  salted.set(secret, 0);
  salted.set(salt, secret.length);
  const hash = HASH_FUNCTIONS[owf.name];
  return hashRounds(owf, hash(salted), iterationCount - 1);
}

/**
 * The HMAC key for PBMParameter `params`. Unknown or refused one-way
 * functions and MACs, and iteration counts outside 100..maxIterations,
 * raise CmpError badAlg.
 *
 * Only HMAC MACs are supported, and HMAC takes a key of any length, so
 * BASEKEY is the key as it is: the key expansion of RFC 9810 §5.1.3.1
 * (for K > H) never applies.
 */
export async function derivePbmKey(secret: Uint8Array, params: PBMParameter, maxIterations: number): Promise<HmacKey> {
  const owf = hashFromAlgorithmIdentifier(params.owf);
  const mac = hmacFromAlgorithmIdentifier(params.mac);
  const iterations = checkIterationCount(params.iterationCount, maxIterations, "PBMParameter", owf);
  const baseKey = await pbmBaseKey(secret, new Uint8Array(params.salt), owf, iterations);
  return importHmacKey(baseKey, mac.hash);
}
