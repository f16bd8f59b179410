import { parseDer } from "../asn1/parse_der.js";
import { PBES2Params, PBKDF2Params, PBMAC1Params, id_PBES2, id_PBKDF2 } from "../asn1/pbmac1.js";
import { CmpError } from "../asn1/pki_failure_info.js";
import { hmacFromAlgorithmIdentifier, type HmacAlgorithm } from "./algorithms.js";
import { importHmacKey, type HmacKey } from "./hmac.js";
import { checkIterationCount, maxIterationsFor } from "./iteration_count.js";

/**
 * PBMAC1 (RFC 8018 §7.1 and Appendix A.5, RFC 9481 §6.1.2): PBKDF2 derives
 * the key, an HMAC-SHA2 computes the MAC. As with PBM, derivation is a
 * separate step so the server derives once per message pair.
 */

/** The shortest PBMAC1 MAC key we accept, in octets (see planPbmac1). */
export const PBMAC1_MIN_KEY_BYTES = 16;

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
 * inside). Missing or undecodable structures raise badDataFormat; a key
 * derivation other than PBKDF2 raises badAlg.
 *
 * Compatibility quirk (docs/compatibility.md): Bouncy Castle's
 * JcePBMac1CalculatorBuilder (bc-java; newer bc-lts code writes id-PBKDF2) writes
 * keyDerivationFunc as { id-PBES2, PBKDF2-params }: the encryption scheme's
 * OID around the PBKDF2 parameters, where RFC 8018 §A.5 has
 * { id-PBKDF2, PBKDF2-params }. BC's own readers ignore the OID, so Java
 * clients (and EJBCA) send and expect exactly that. We accept this one form:
 * id-PBES2 whose parameters are PBKDF2-params. The response carries the
 * request's protectionAlg as received, so a BC client gets its own form back.
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
  const kdf = pbmac1.keyDerivationFunc.algorithm;
  if (kdf !== id_PBKDF2 && kdf !== id_PBES2) {
    // RFC 8018 A.5: PBMAC1-KDFs holds only PBKDF2.
    throw new CmpError("badAlg", `PBMAC1 key derivation ${kdf} is not supported, only PBKDF2`);
  }
  const kdfParams = pbmac1.keyDerivationFunc.parameters;
  if (kdfParams === undefined || kdfParams === null) {
    throw new CmpError("badDataFormat", `PBMAC1 keyDerivationFunc ${kdf === id_PBKDF2 ? "PBKDF2" : "id-PBES2"} has no parameters`);
  }
  if (kdf === id_PBES2) return { pbmac1, pbkdf2: bouncyCastlePbkdf2Params(kdfParams) };
  let pbkdf2: PBKDF2Params;
  try {
    pbkdf2 = parseDer(kdfParams, PBKDF2Params);
  } catch (cause) {
    throw new CmpError("badDataFormat", "PBMAC1 key derivation parameters are not a valid PBKDF2-params", { cause });
  }
  return { pbmac1, pbkdf2 };
}

/**
 * The parameters under id-PBES2 (see decodePbmac1Params): PBKDF2-params are
 * Bouncy Castle's form. Real PBES2-params name an encryption scheme, which
 * is no key derivation (badAlg); anything else is malformed.
 */
function bouncyCastlePbkdf2Params(parameters: ArrayBuffer): PBKDF2Params {
  try {
    return parseDer(parameters, PBKDF2Params);
  } catch (cause) {
    try {
      parseDer(parameters, PBES2Params);
    } catch {
      throw new CmpError("badDataFormat", "PBMAC1 keyDerivationFunc id-PBES2 has parameters that are neither PBKDF2-params nor PBES2-params", { cause });
    }
    throw new CmpError(
      "badAlg",
      "PBMAC1 keyDerivationFunc id-PBES2 with PBES2-params is an encryption scheme, not a key derivation; use id-PBKDF2 (RFC 8018 A.5)",
    );
  }
}

/**
 * Check decoded parameters against what we accept; every refusal is
 * CmpError badAlg with the reason.
 *
 * - PRF and MAC must be HMAC-SHA256/384/512. HMAC-SHA1 (also the PRF DEFAULT
 *   when prf is absent) is refused here although PBM accepts it: PBM keeps
 *   it for the OpenSSL client's default, while PBMAC1 exists to modernise
 *   PBM (RFC 9481 §9) and no client we know sends it with SHA-1.
 * - keyLength (dkLen), the length of the MAC key (RFC 8018 §7.1.1, RFC 9481
 *   §6.1.2): HMAC takes keys of any length (RFC 2104 §3), so a key shorter
 *   than the hash output is valid; Bouncy Castle clients choose their own.
 *   We accept PBMAC1_MIN_KEY_BYTES up to the hash's block size B. The
 *   minimum, 16 octets (128 bits): an HMAC is no stronger than its key
 *   (NIST SP 800-107r1 §5.3.4; SP 800-131A allows no HMAC key under 112
 *   bits), and 128 bits is the security of the PBMAC1 (HMAC-SHA256) row of
 *   RFC 9481 §7 that our defaults follow. The maximum: a key longer than B
 *   is hashed down to L bytes (RFC 2104 §3), so it adds nothing but PBKDF2
 *   work, which grows with ceil(dkLen / hLen). Absent, we use L (the MAC's
 *   natural key length).
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
    const min = PBMAC1_MIN_KEY_BYTES;
    const max = mac.hash.blockBytes;
    const range = `it must be ${min}..${max} octets for ${mac.name}`;
    if (pbkdf2.keyLength < BigInt(min)) {
      throw new CmpError("badAlg", `PBKDF2 keyLength ${pbkdf2.keyLength} is too short for a MAC key of 128-bit strength: ${range}`);
    }
    if (pbkdf2.keyLength > BigInt(max)) {
      throw new CmpError("badAlg", `PBKDF2 keyLength ${pbkdf2.keyLength} is longer than ${mac.name}'s block size, which it would be hashed down from (RFC 2104 §3): ${range}`);
    }
    keyLength = Number(pbkdf2.keyLength);
  }
  // PBKDF2 runs iterationCount rounds per hLen octets of key (RFC 8018 §5.2): the bound is on the rounds it costs.
  const blocks = Math.ceil(keyLength / prf.hash.outputBytes);
  const maxRounds = maxIterationsFor(prf.hash, maxIterations);
  if (iterationCount * blocks > maxRounds) {
    throw new CmpError(
      "badAlg",
      `PBKDF2-params iterationCount ${iterationCount} for a ${keyLength}-octet key is ${blocks} × ${iterationCount} rounds, above this server's maximum of ${maxRounds} with ${prf.hash.name}`,
    );
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
