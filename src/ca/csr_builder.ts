import { Attributes, CertificationRequestInfo } from "@peculiar/asn1-csr";
import { Attribute, Name, SubjectPublicKeyInfo } from "@peculiar/asn1-x509";
import { encodeSequence } from "../asn1/der.js";
import type { Signer } from "../kms/signer.js";
import { encodeName, isEmptyName, parseDistinguishedName } from "./distinguished_name.js";
import { basicConstraintsExtension, keyUsageExtension } from "./extensions.js";
import { encodeAlgorithm } from "./issuer.js";
import { signCertificate } from "./signed_certificate.js";
import { serializeDer } from "../asn1/serialize_der.js";
import { decodeDer } from "../asn1/codec/der_decoder.js";

/** PKCS #9 extensionRequest (RFC 2985 §5.4.2): the extensions the requester asks for. */
export const id_pkcs9_at_extensionRequest = "1.2.840.113549.1.9.14";

export interface CertificationRequestOptions {
  signer: Signer;
  /** A Name, or a DN string: RFC 4514 ("CN=x,O=y") or OpenSSL's "/O=y/CN=x". */
  subject: Name | string;
  /**
   * false: a device's request, with no extensionRequest (as `openssl req
   * -new` writes it), which a CMP CA answers with an end-entity certificate.
   * Default true: a CA's request, as described below.
   */
  ca?: boolean;
}

/**
 * A PKCS #10 CertificationRequest (RFC 2986 §4) for the signer's key, so
 * that an external root can certify a CA whose key never leaves the KMS:
 * the request is signed through Signer.sign, which is also its proof of
 * possession (RFC 2986 §3 step 3). It asks, through extensionRequest, for
 * what a CA certificate needs (RFC 5280 §4.2.1.9 cA TRUE; §4.2.1.3
 * keyCertSign and cRLSign, plus digitalSignature for the signed CMP
 * responses), so the root's operator sees what is wanted; the root decides.
 * Returns the DER.
 *
 *   CertificationRequest ::= SEQUENCE {
 *     certificationRequestInfo CertificationRequestInfo,
 *     signatureAlgorithm       AlgorithmIdentifier,
 *     signature                BIT STRING }
 */
export async function createCertificationRequest(options: CertificationRequestOptions): Promise<Uint8Array> {
  const subjectName = typeof options.subject === "string" ? parseDistinguishedName(options.subject) : options.subject;
  const ca = options.ca ?? true;
  // RFC 5280 §4.1.2.6: a CA's subject MUST be a non-empty Name.
  if (ca && isEmptyName(subjectName)) throw new Error("the CA subject must not be empty");

  const extensions = encodeSequence([
    basicConstraintsExtension(true),
    keyUsageExtension(["digitalSignature", "keyCertSign", "cRLSign"])!,
  ]);
  const info = new CertificationRequestInfo({
    version: 0, // v1 (RFC 2986 §4.1)
    // Through encodeName and back, so a multi-valued RDN is in DER order (X.690 §11.6).
    subject: decodeDer(encodeName(subjectName), Name),
    subjectPKInfo: decodeDer(options.signer.publicKey, SubjectPublicKeyInfo),
    attributes: new Attributes(ca ? [new Attribute({ type: id_pkcs9_at_extensionRequest, values: [toArrayBuffer(extensions)] })] : []),
  });
  // CertificationRequest has the shape of Certificate (RFC 5280 §4.1): the
  // same wrapper signs it, so the octets signed are the octets sent.
  const infoDer = serializeDer(info);
  return signCertificate(options.signer, encodeAlgorithm(options.signer.algorithm), infoDer);
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.slice().buffer as ArrayBuffer;
}
