import { readChildren, readElement } from "../asn1/der.js";

/**
 * The subject and public key of a PKCS #10 request, as the DER in it, so the
 * p10cr answer can be checked against exactly the key the CSR carries.
 *
 *   CertificationRequest ::= SEQUENCE { certificationRequestInfo, signatureAlgorithm, signature }
 *   CertificationRequestInfo ::= SEQUENCE { version INTEGER, subject Name,
 *       subjectPKInfo SubjectPublicKeyInfo, attributes [0] Attributes }
 * (RFC 2986 §4). Throws a TypeError on anything else.
 */
export function csrParts(csr: Uint8Array): { subject: Uint8Array; publicKey: Uint8Array } {
  try {
    const outer = readElement(csr, 0);
    if (outer.tag !== 0x30 || outer.end !== csr.length) throw new Error("not one DER SEQUENCE");
    const [info] = readChildren(csr, outer);
    const [version, subject, publicKey] = info ? readChildren(csr, info) : [];
    if (version?.tag !== 0x02 || subject?.tag !== 0x30 || publicKey?.tag !== 0x30) throw new Error("not a CertificationRequestInfo");
    return { subject: csr.slice(subject.start, subject.end), publicKey: csr.slice(publicKey.start, publicKey.end) };
  } catch (cause) {
    throw new TypeError(`the CSR is not a DER PKCS #10 CertificationRequest: ${(cause as Error).message}`, { cause });
  }
}
