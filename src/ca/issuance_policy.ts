import { parseDer } from "../asn1/parse_der.js";
import { unsignedBitLength } from "../crypto/rsa_key.js";
import { RSAPublicKey } from "../asn1/rsa.js";
import { type GeneralName, type GeneralNames, type Name, SubjectPublicKeyInfo } from "@peculiar/asn1-x509";
import { CmpError } from "../asn1/pki_failure_info.js";
import { namedCurveOfParameters } from "../crypto/named_curves.js";
import type { CertificateProfile, KeyType } from "../config/profile.js";
import { keyAlgorithmOf, keyPhrase, keyUsageForKey } from "./key_usage.js";
import { attributeShortName, attributeTypeOid } from "./distinguished_name.js";

/**
 * What a profile lets a request put into a certificate: the key, the subject
 * attributes and the subjectAltNames. Pure checks that raise
 * CmpError("badCertTemplate") naming the offending part (RFC 9810 §5.2.3:
 * "the requested certificate template was not acceptable").
 */

const RSA_ENCRYPTION = "1.2.840.113549.1.1.1"; // RFC 3279 §2.3.1
const EC_PUBLIC_KEY = "1.2.840.10045.2.1"; // RFC 5480 §2.1.1
const ED25519 = "1.3.101.112"; // RFC 8410 §3
// Larger moduli only cost the verifiers time; no profile needs them.
const MAX_RSA_BITS = 8192;

/**
 * The public key must be of a type the profile certifies, and an RSA modulus
 * of rsaMinBits..8192 bits; and when the profile has a keyUsage, at least one
 * of its bits must suit the key (src/ca/key_usage.ts): a certificate without
 * keyUsage would let the key be used for anything (RFC 5280 §4.2.1.3).
 */
export function checkPublicKeyPolicy(spkiDer: Uint8Array, profile: CertificateProfile, parsed?: SubjectPublicKeyInfo): void {
  const keyType = publicKeyType(spkiDer, profile.rsaMinBits, parsed);
  if (!profile.keyTypes.has(keyType)) {
    throw new CmpError("badCertTemplate", `${keyType} keys are not certified by this profile (${[...profile.keyTypes].join(", ")} are)`);
  }
  const algorithm = keyAlgorithmOf(spkiDer);
  if (profile.keyUsage.length > 0 && keyUsageForKey(profile.keyUsage, algorithm).granted.length === 0) {
    throw new CmpError("badCertTemplate", `this profile's keyUsage (${profile.keyUsage.join(", ")}) has nothing ${keyPhrase(algorithm)} may do`);
  }
}

/** `parsed`: the same key already decoded (a template's), which saves parsing `der` again. */
function publicKeyType(der: Uint8Array, rsaMinBits: number, parsed?: SubjectPublicKeyInfo): KeyType {
  let spki: SubjectPublicKeyInfo;
  try {
    spki = parsed ?? parseDer(der, SubjectPublicKeyInfo);
  } catch (error) {
    throw new CmpError("badCertTemplate", "the publicKey is not a SubjectPublicKeyInfo", { cause: error });
  }
  const { algorithm, parameters } = spki.algorithm;
  if (algorithm === RSA_ENCRYPTION) {
    const bits = rsaModulusBits(spki.subjectPublicKey);
    if (bits < rsaMinBits || bits > MAX_RSA_BITS) {
      throw new CmpError("badCertTemplate", `RSA keys of ${rsaMinBits} to ${MAX_RSA_BITS} bits are accepted, not ${bits}`);
    }
    return "RSA";
  }
  if (algorithm === EC_PUBLIC_KEY) {
    const curve = namedCurveOfParameters(parameters)?.name;
    if (!curve) throw new CmpError("badCertTemplate", "EC public keys must be on the named curve P-256, P-384 or P-521");
    return curve;
  }
  if (algorithm === ED25519) {
    // RFC 8410 §3: the parameters MUST be absent.
    if (parameters !== undefined) throw new CmpError("badCertTemplate", "an Ed25519 public key must have no algorithm parameters");
    return "Ed25519";
  }
  throw new CmpError("badCertTemplate", `public keys of algorithm ${algorithm} are not certified here (RSA, EC P-256/384/521, Ed25519 are)`);
}

/** The exact size of the modulus (RFC 8017 §3.1): its INTEGER contents without leading zero bits. */
function rsaModulusBits(subjectPublicKey: ArrayBuffer): number {
  let modulus: Uint8Array;
  try {
    modulus = new Uint8Array(parseDer(subjectPublicKey, RSAPublicKey).modulus);
  } catch (error) {
    throw new CmpError("badCertTemplate", "the RSA public key is malformed", { cause: error });
  }
  return unsignedBitLength(modulus);
}

/**
 * Every attribute in subject.required must be in the subject, and when
 * subject.allowed is non-empty no other attribute may be. Profiles name
 * attributes by short name ("CN", "serialNumber") or dotted OID.
 */
export function checkSubjectPolicy(subject: Name, profile: CertificateProfile): void {
  const present = new Set<string>();
  for (const rdn of subject) for (const attribute of rdn) present.add(attribute.type);
  for (const required of profile.subject.required) {
    const oid = attributeTypeOid(required);
    if (oid === undefined || !present.has(oid)) throw new CmpError("badCertTemplate", `the subject must contain ${required}`);
  }
  if (profile.subject.allowed.length === 0) return;
  const allowed = new Set(profile.subject.allowed.map(attributeTypeOid));
  for (const oid of present) {
    if (!allowed.has(oid)) {
      throw new CmpError(
        "badCertTemplate",
        `the subject attribute ${attributeShortName(oid) ?? oid} is not allowed (only ${profile.subject.allowed.join(", ")})`,
      );
    }
  }
}

/**
 * subjectAltName entries: of the kinds in subjectAltName.allowed (when
 * non-empty; kinds the profile cannot name, such as otherName or
 * directoryName, are then always refused), and each dNSName matching one of
 * subjectAltName.dnsNames (when non-empty).
 */
export function checkSubjectAltNamePolicy(names: GeneralNames | undefined, profile: CertificateProfile): void {
  const { allowed, dnsNames } = profile.subjectAltName;
  for (const name of names ?? []) {
    const kind = generalNameKind(name);
    if (allowed.length > 0 && !(allowed as readonly string[]).includes(kind)) {
      throw new CmpError("badCertTemplate", `subjectAltName entries of kind ${kind} are not allowed (only ${allowed.join(", ")})`);
    }
    if (name.dNSName !== undefined && dnsNames.length > 0 && !dnsNames.some((pattern) => dnsNameMatches(name.dNSName!, pattern))) {
      throw new CmpError("badCertTemplate", `the subjectAltName dNSName "${name.dNSName}" is not allowed by this profile (${dnsNames.join(", ")})`);
    }
  }
}

const GENERAL_NAME_KINDS = [
  "otherName", "rfc822Name", "dNSName", "x400Address", "directoryName",
  "ediPartyName", "uniformResourceIdentifier", "iPAddress", "registeredID",
] as const;

/** The CHOICE alternative of a GeneralName (RFC 5280 §4.2.1.6). */
function generalNameKind(name: GeneralName): string {
  return GENERAL_NAME_KINDS.find((kind) => name[kind] !== undefined) ?? "unknown";
}

/**
 * "example.com" matches itself, case-insensitively (DNS names compare so,
 * RFC 4343). "*.example.com" matches names with at least one more label
 * under example.com, not example.com itself. A requested wildcard matches
 * only the identical pattern, so no pattern grants a broader wildcard than
 * it names. Names with empty labels never match (RFC 1034 §3.5 syntax).
 */
export function dnsNameMatches(requested: string, pattern: string): boolean {
  const name = requested.toLowerCase();
  const rule = pattern.toLowerCase();
  if (name.split(".").some((label) => label === "")) return false;
  if (name.includes("*")) return name === rule;
  if (!rule.startsWith("*.")) return name === rule;
  const suffix = rule.slice(1); // ".example.com"
  return name.length > suffix.length && name.endsWith(suffix);
}
