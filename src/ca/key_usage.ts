import { toHex } from "../asn1/bytes.js";
import { readChildren, readElement } from "../asn1/der.js";
import type { KeyUsageName } from "../config/profile.js";

/**
 * Which keyUsage bits a certificate may assert for the kind of key it
 * certifies. A profile names the bits it issues; a certificate gets those
 * its key can actually do, and the rest are dropped for that certificate:
 *
 * | key | may have | source |
 * | --- | --- | --- |
 * | RSA | digitalSignature, nonRepudiation, keyEncipherment, dataEncipherment, keyCertSign, cRLSign | RFC 3279 §2.3.1 |
 * | EC (id-ecPublicKey) | digitalSignature, nonRepudiation, keyAgreement, keyCertSign, cRLSign; encipherOnly or decipherOnly with keyAgreement | RFC 5480 §3 (keyEncipherment and dataEncipherment MUST NOT) |
 * | Ed25519, Ed448 | digitalSignature, nonRepudiation, keyCertSign, cRLSign | RFC 8410 §5 |
 * | X25519, X448 | keyAgreement; encipherOnly or decipherOnly with it | RFC 8410 §5 |
 *
 * So the default profile's digitalSignature + keyEncipherment gives an RSA
 * key both and an EC or Ed25519 key digitalSignature alone.
 */

export type KeyAlgorithm = "RSA" | "EC" | "Ed25519" | "Ed448" | "X25519" | "X448";

/** Content octets (hex) of the algorithm OIDs of SubjectPublicKeyInfo. */
const ALGORITHM_BY_OID_HEX: ReadonlyMap<string, KeyAlgorithm> = new Map([
  ["2a864886f70d010101", "RSA"], // rsaEncryption 1.2.840.113549.1.1.1 (RFC 3279 §2.3.1)
  ["2a8648ce3d0201", "EC"], // id-ecPublicKey 1.2.840.10045.2.1 (RFC 5480 §2.1.1)
  ["2b6570", "Ed25519"], // 1.3.101.112 (RFC 8410 §3)
  ["2b6571", "Ed448"], // 1.3.101.113
  ["2b656e", "X25519"], // 1.3.101.110
  ["2b656f", "X448"], // 1.3.101.111
]);

const SIGNING: readonly KeyUsageName[] = ["digitalSignature", "nonRepudiation", "keyCertSign", "cRLSign"];
const ALLOWED: Record<KeyAlgorithm, ReadonlySet<KeyUsageName>> = {
  RSA: new Set([...SIGNING, "keyEncipherment", "dataEncipherment"]),
  EC: new Set([...SIGNING, "keyAgreement", "encipherOnly", "decipherOnly"]),
  Ed25519: new Set(SIGNING),
  Ed448: new Set(SIGNING),
  X25519: new Set(["keyAgreement", "encipherOnly", "decipherOnly"]),
  X448: new Set(["keyAgreement", "encipherOnly", "decipherOnly"]),
};

/**
 * The algorithm of a DER SubjectPublicKeyInfo, read with the plain DER
 * walker (this runs for every issued certificate); undefined for an
 * algorithm not listed above or bytes that are not an SPKI.
 */
export function keyAlgorithmOf(subjectPublicKeyInfo: Uint8Array): KeyAlgorithm | undefined {
  try {
    const spki = readElement(subjectPublicKeyInfo, 0);
    const algorithmIdentifier = readChildren(subjectPublicKeyInfo, spki)[0];
    const oid = algorithmIdentifier && readChildren(subjectPublicKeyInfo, algorithmIdentifier)[0];
    if (!oid || oid.tag !== 0x06) return undefined;
    return ALGORITHM_BY_OID_HEX.get(toHex(subjectPublicKeyInfo.subarray(oid.contentStart, oid.end)));
  } catch {
    return undefined;
  }
}

/** What a key gets of the profile's keyUsage: `granted` in the certificate, `dropped` because the key cannot do it. */
export interface KeyUsageGrant {
  granted: KeyUsageName[];
  dropped: KeyUsageName[];
}

/**
 * The profile's keyUsage bits that a key of `algorithm` may have, in the
 * profile's order. encipherOnly and decipherOnly only refine keyAgreement
 * (RFC 5280 §4.2.1.3), and RFC 5480 §3 / RFC 8410 §5 allow "one of" them:
 * without keyAgreement, or both together, they are dropped. An algorithm
 * not known here keeps the profile's bits (no such key passes the
 * issuance policy).
 */
export function keyUsageForKey(configured: readonly KeyUsageName[], algorithm: KeyAlgorithm | undefined): KeyUsageGrant {
  if (!algorithm) return { granted: [...configured], dropped: [] };
  const allowed = ALLOWED[algorithm];
  const granted: KeyUsageName[] = [];
  const dropped: KeyUsageName[] = [];
  const onlyOneRefinement = !(configured.includes("encipherOnly") && configured.includes("decipherOnly"));
  for (const usage of configured) {
    const refinement = usage === "encipherOnly" || usage === "decipherOnly";
    const ok = allowed.has(usage) && (!refinement || (configured.includes("keyAgreement") && onlyOneRefinement));
    (ok ? granted : dropped).push(usage);
  }
  return { granted, dropped };
}

/** Whether a key of `algorithm` may ever carry `usage` (the table above), for explaining a bit that was not granted. */
export function keyUsageAllowedFor(algorithm: KeyAlgorithm, usage: KeyUsageName): boolean {
  return ALLOWED[algorithm].has(usage);
}

/** "an RSA key", "an EC key", "an Ed25519 key": every algorithm name here starts with a vowel sound. */
export function keyPhrase(algorithm: KeyAlgorithm | undefined): string {
  return algorithm ? `an ${algorithm} key` : "this key";
}
