import { AsnConvert } from "@peculiar/asn1-schema";
import { PBMParameter } from "../asn1/pbm.js";
import { CmpError } from "../asn1/pki_failure_info.js";
import { hashFromAlgorithmIdentifier, hmacFromAlgorithmIdentifier, type HashAlgorithm } from "./algorithms.js";
import { importHmacKey } from "./hmac.js";
import { checkIterationCount } from "./iteration_count.js";
import type { CryptoKey } from "./webcrypto_types.js";

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
    return AsnConvert.parse(parameters, PBMParameter);
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
 * Each round depends on the previous one, so this is a chain of awaited
 * digests; handing WebCrypto's ArrayBuffer straight back in avoids copies.
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
  const subtle = crypto.subtle;
  const name = owf.name;
  let key = await subtle.digest(name, salted);
  for (let i = 1; i < iterationCount; i++) key = await subtle.digest(name, key);
  return new Uint8Array(key);
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
export async function derivePbmKey(secret: Uint8Array, params: PBMParameter, maxIterations: number): Promise<CryptoKey> {
  const owf = hashFromAlgorithmIdentifier(params.owf);
  const mac = hmacFromAlgorithmIdentifier(params.mac);
  const iterations = checkIterationCount(params.iterationCount, maxIterations, "PBMParameter");
  const baseKey = await pbmBaseKey(secret, new Uint8Array(params.salt), owf, iterations);
  return importHmacKey(baseKey, mac.hash);
}
