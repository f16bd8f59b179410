import { encodeExplicit, encodeIntegerContents, encodeSequence } from "../asn1/der.js";

/**
 * The parts of a TBSCertificate, each already DER-encoded, so that the
 * issuer Name and the SubjectPublicKeyInfo can be the exact octets they
 * were copied from.
 *
 *   TBSCertificate ::= SEQUENCE {                       -- RFC 5280 §4.1
 *     version         [0] EXPLICIT Version DEFAULT v1,
 *     serialNumber         CertificateSerialNumber,
 *     signature            AlgorithmIdentifier,
 *     issuer               Name,
 *     validity             Validity,
 *     subject              Name,
 *     subjectPublicKeyInfo SubjectPublicKeyInfo,
 *     extensions      [3] EXPLICIT Extensions OPTIONAL }
 */
export interface TbsCertificateParts {
  /** INTEGER contents of the serial number (DER-minimal, positive). */
  serialNumber: Uint8Array;
  /** DER AlgorithmIdentifier; must equal the Certificate's signatureAlgorithm (RFC 5280 §4.1.2.3). */
  signature: Uint8Array;
  issuer: Uint8Array;
  validity: Uint8Array;
  subject: Uint8Array;
  subjectPublicKeyInfo: Uint8Array;
  /** DER of each Extension. */
  extensions: readonly Uint8Array[];
}

// version [0] EXPLICIT INTEGER 2 (v3): extensions are present (RFC 5280 §4.1.2.1).
const VERSION_V3 = encodeExplicit(0, Uint8Array.of(0x02, 0x01, 0x02));

export function encodeTbsCertificate(parts: TbsCertificateParts): Uint8Array {
  const fields = [
    VERSION_V3,
    encodeIntegerContents(parts.serialNumber),
    parts.signature,
    parts.issuer,
    parts.validity,
    parts.subject,
    parts.subjectPublicKeyInfo,
  ];
  // Extensions ::= SEQUENCE SIZE (1..MAX): left out when there are none.
  if (parts.extensions.length > 0) fields.push(encodeExplicit(3, encodeSequence(parts.extensions)));
  return encodeSequence(fields);
}
