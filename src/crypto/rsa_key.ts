import { RSAPublicKey } from "../asn1/rsa.js";
import type { SubjectPublicKeyInfo } from "@peculiar/asn1-x509";
import { parseDer } from "../asn1/parse_der.js";
import { CmpError } from "../asn1/pki_failure_info.js";

/**
 * Bounds on the RSA public keys signatures are verified with. The cost of
 * an RSA verification grows with the size of the modulus and, linearly,
 * with the bit length of the public exponent (square-and-multiply): a key
 * with a 3 070-bit exponent costs hundreds of times one with e = 65537, and
 * anyone can put such a key in a certificate. These checks read two
 * INTEGER lengths, so they cost next to nothing and run before WebCrypto
 * sees the key.
 */

/** Largest RSA modulus, in bits, a signature is verified with unless the caller says otherwise. */
export const DEFAULT_RSA_MAX_MODULUS_BITS = 8192;

/** What the bounds need to know of one RSA public key: read once, kept with a reused key. */
export interface RsaKeyFacts {
  modulusBits: number;
  /** Why the public exponent is refused whatever the modulus limit, if it is. */
  exponentProblem?: string;
}

/**
 * Decode the RSAPublicKey (RFC 8017 §A.1.1) inside an rsaEncryption or
 * id-RSASSA-PSS SubjectPublicKeyInfo (RFC 4055 §1.2: the same structure for
 * both) through the bounded decoder. Throws CmpError badDataFormat when it
 * is not one.
 */
export function rsaKeyFacts(spki: SubjectPublicKeyInfo): RsaKeyFacts {
  let key: RSAPublicKey;
  try {
    key = parseDer(spki.subjectPublicKey, RSAPublicKey);
  } catch (cause) {
    throw new CmpError("badDataFormat", "the RSA public key is not a DER RSAPublicKey", { cause });
  }
  const modulus = positiveInteger(new Uint8Array(key.modulus), "modulus");
  const exponent = positiveInteger(new Uint8Array(key.publicExponent), "public exponent");
  return { modulusBits: unsignedBitLength(modulus), exponentProblem: exponentProblem(exponent) };
}

/** Throws CmpError badAlg when the key is outside the bounds; `maxModulusBits` is the caller's limit. */
export function checkRsaKey(facts: RsaKeyFacts, maxModulusBits: number): void {
  if (facts.modulusBits > maxModulusBits) {
    throw new CmpError(
      "badAlg",
      `RSA public key with a ${facts.modulusBits}-bit modulus is refused: the maximum is ${maxModulusBits} bits`,
    );
  }
  if (facts.exponentProblem) throw new CmpError("badAlg", facts.exponentProblem);
}

/** A plain Error for a limit that is not a positive integer: a configuration fault, not the request's. */
export function assertModulusLimit(maxModulusBits: number, where: string): void {
  if (!Number.isSafeInteger(maxModulusBits) || maxModulusBits < 1) {
    throw new Error(`${where}: bad rsaMaxModulusBits ${maxModulusBits}`);
  }
}

/**
 * FIPS 186-5 §5.4 bounds the public exponent of an RSA key pair to an odd
 * e with 2^16 < e < 2^256. The upper bound and oddness are enforced; the
 * lower bound only down to 3, since e = 3 (and 17) keys are old but sound
 * and cost less, not more. An even e cannot be an RSA exponent at all
 * (gcd(e, λ(n)) = 1 fails), e = 1 makes the "signature" the message.
 */
function exponentProblem(e: Uint8Array): string | undefined {
  const bits = unsignedBitLength(e);
  if (bits > 256) return `RSA public exponent of ${bits} bits is refused: it must be below 2^256 (FIPS 186-5 §5.4)`;
  if ((e[e.length - 1]! & 1) === 0) return "RSA public exponent is even, which no RSA key can have";
  if (bits < 2) return "RSA public exponent 1 is refused: it must be at least 3";
  return undefined;
}

/** The magnitude of a DER INTEGER's contents with leading zero octets removed; badDataFormat when it is not positive. */
function positiveInteger(bytes: Uint8Array, what: string): Uint8Array {
  // X.690 §8.3: two's complement, so a first octet with its top bit set is negative.
  if (bytes.length === 0 || (bytes[0]! & 0x80) !== 0) throw new CmpError("badDataFormat", `the RSA ${what} is not a positive integer`);
  let start = 0;
  while (start < bytes.length && bytes[start] === 0) start++;
  if (start === bytes.length) throw new CmpError("badDataFormat", `the RSA ${what} is zero`);
  return bytes.subarray(start);
}

/** Bit length of a big-endian unsigned integer (RFC 8017 §3.1: a modulus's size), leading zero octets ignored; 0 for zero. */
export function unsignedBitLength(bytes: Uint8Array): number {
  let first = 0;
  while (first < bytes.length && bytes[first] === 0) first++;
  if (first === bytes.length) return 0;
  return (bytes.length - first - 1) * 8 + (32 - Math.clz32(bytes[first]!));
}
