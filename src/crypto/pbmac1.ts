import { parseDer } from "../asn1/parse_der.js";
import { PBKDF2Params, PBMAC1Params, id_PBKDF2 } from "../asn1/pbmac1.js";
import { CmpError } from "../asn1/pki_failure_info.js";
import { hmacFromAlgorithmIdentifier, type HmacAlgorithm } from "./algorithms.js";
import { importHmacKey, type HmacKey } from "./hmac.js";
import { checkIterationCount } from "./iteration_count.js";

/**
 * PBMAC1 (RFC 8018 §7.1 and Appendix A.5, RFC 9481 §6.1.2): PBKDF2 derives
 * the key, an HMAC-SHA2 computes the MAC. As with PBM, derivation is a
 * separate step so the server derives once per message pair.
 */

/** Decoded and checked PBMAC1 parameters, ready to derive a key. */
export interface Pbmac1Plan {
  readonly salt: Uint8Array;
  readonly iterationCount: number;
  /** dkLen of RFC 8018 §7.1.1 step 2, in octets. */
  readonly keyLength: number;
  readonly prf: HmacAlgorithm;
  readonly mac: HmacAlgorithm;
}

/**
 * Decode the protectionAlg parameters (PBMAC1-params with PBKDF2-params
 * inside). Missing or undecodable structures raise badDataFormat.
 */
export function decodePbmac1Params(parameters: ArrayBuffer | null | undefined): { pbmac1: PBMAC1Params; pbkdf2: PBKDF2Params } {
  if (parameters === undefined || parameters === null) {
    throw new CmpError("badDataFormat", "PBMAC1 protectionAlg has no PBMAC1-params");
  }
  let pbmac1: PBMAC1Params;
  try {
    pbmac1 = parseDer(parameters, PBMAC1Params);
  } catch (cause) {
    throw new CmpError("badDataFormat", "PBMAC1 parameters are not a valid PBMAC1-params", { cause });
  }
  if (pbmac1.keyDerivationFunc.algorithm !== id_PBKDF2) {
    // RFC 8018 A.5: PBMAC1-KDFs holds only PBKDF2.
    throw new CmpError("badAlg", `PBMAC1 key derivation ${pbmac1.keyDerivationFunc.algorithm} is not supported, only PBKDF2`);
  }
  const kdfParams = pbmac1.keyDerivationFunc.parameters;
  if (kdfParams === undefined || kdfParams === null) {
    throw new CmpError("badDataFormat", "PBMAC1 PBKDF2 AlgorithmIdentifier has no PBKDF2-params");
  }
  let pbkdf2: PBKDF2Params;
  try {
    pbkdf2 = parseDer(kdfParams, PBKDF2Params);
  } catch (cause) {
    throw new CmpError("badDataFormat", "PBMAC1 key derivation parameters are not a valid PBKDF2-params", { cause });
  }
  return { pbmac1, pbkdf2 };
}

/**
 * Check decoded parameters against what we accept; every refusal is
 * CmpError badAlg with the reason.
 *
 * - PRF and MAC must be HMAC-SHA256/384/512. HMAC-SHA1 (also the PRF DEFAULT
 *   when prf is absent) is refused here although PBM accepts it: PBM keeps
 *   it for the OpenSSL client's default, while PBMAC1 exists to modernise
 *   PBM (RFC 9481 §9) and no client we know sends it with SHA-1.
 * - keyLength (dkLen): RFC 8018 §7.1 leaves the key length to the MAC
 *   scheme. For HMAC, RFC 2104 §3 calls keys shorter than the hash output L
 *   "strongly discouraged" and keys longer than the block size B are hashed
 *   down to L, so a present keyLength must lie in L..B of the MAC's hash;
 *   absent, we use L (the MAC's natural key length). Capping at B also caps
 *   the PBKDF2 work, which grows with ceil(dkLen / hLen).
 */
export function planPbmac1(pbmac1: PBMAC1Params, pbkdf2: PBKDF2Params, maxIterations: number): Pbmac1Plan {
  const mac = hmacFromAlgorithmIdentifier(pbmac1.messageAuthScheme);
  const prf = hmacFromAlgorithmIdentifier(pbkdf2.prf);
  if (prf.hash.name === "SHA-1") {
    throw new CmpError("badAlg", "PBMAC1 with an HMAC-SHA1 PRF (the PBKDF2 default when prf is absent) is refused; use hmacWithSHA256 or stronger");
  }
  if (mac.hash.name === "SHA-1") {
    throw new CmpError("badAlg", "PBMAC1 with HMAC-SHA1 as MAC is refused; use hmacWithSHA256 or stronger");
  }
  const salt = pbkdf2.salt.specified;
  if (salt === undefined) {
    throw new CmpError("badAlg", "PBKDF2 salt from otherSource is not supported, only a specified salt");
  }
  const iterationCount = checkIterationCount(pbkdf2.iterationCount, maxIterations, "PBKDF2-params", prf.hash);
  let keyLength = mac.hash.outputBytes;
  if (pbkdf2.keyLength !== undefined) {
    const min = BigInt(mac.hash.outputBytes);
    const max = BigInt(mac.hash.blockBytes);
    if (pbkdf2.keyLength < min || pbkdf2.keyLength > max) {
      throw new CmpError(
        "badAlg",
        `PBKDF2 keyLength ${pbkdf2.keyLength} does not fit ${mac.name}: it must be ${min}..${max} octets`,
      );
    }
    keyLength = Number(pbkdf2.keyLength);
  }
  return { salt: new Uint8Array(salt), iterationCount, keyLength, prf, mac };
}

/** PBKDF2 (RFC 8018 §5.2) with WebCrypto, then the MAC's HMAC key. */
export async function derivePbmac1Key(secret: Uint8Array, plan: Pbmac1Plan): Promise<HmacKey> {
  const subtle = crypto.subtle;
  const password = await subtle.importKey("raw", secret, "PBKDF2", false, ["deriveBits"]);
  const bits = await subtle.deriveBits(
    { name: "PBKDF2", hash: plan.prf.hash.name, salt: plan.salt, iterations: plan.iterationCount },
    password,
    plan.keyLength * 8,
  );
  return importHmacKey(new Uint8Array(bits), plan.mac.hash);
}
