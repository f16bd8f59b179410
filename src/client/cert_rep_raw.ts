import { readChildren, readElement, type DerElement } from "../asn1/der.js";

/** The certificates of a CertRepMessage, as the DER the server sent. */
export interface CertRepCertificates {
  caPubs: Uint8Array[];
  /** Per CertResponse, in order: its certificate, when certOrEncCert holds one. */
  certificates: (Uint8Array | undefined)[];
}

/**
 * Cut the certificates out of an ip/cp/kup body byte for byte. certHash
 * (RFC 9810 §5.3.18) is computed over the certificate exactly as issued,
 * and a schema decode and re-encode need not give those bytes back. Throws
 * on DER that does not have this shape.
 *
 *   ip [1] CertRepMessage ::= SEQUENCE {
 *       caPubs   [1] SEQUENCE SIZE (1..MAX) OF CMPCertificate OPTIONAL,
 *       response     SEQUENCE OF CertResponse }
 *   CertResponse ::= SEQUENCE { certReqId INTEGER, status PKIStatusInfo,
 *       certifiedKeyPair CertifiedKeyPair OPTIONAL, rspInfo OCTET STRING OPTIONAL }
 *   CertifiedKeyPair ::= SEQUENCE { certOrEncCert CertOrEncCert, ... }
 *   CertOrEncCert ::= CHOICE { certificate [0] CMPCertificate, encryptedCert [1] EncryptedKey }
 */
export function certRepCertificates(bodyDer: Uint8Array): CertRepCertificates {
  const [certRepMessage] = readChildren(bodyDer, readElement(bodyDer, 0));
  if (!certRepMessage) throw new Error("empty CertRepMessage");
  const parts = readChildren(bodyDer, certRepMessage);
  const caPubsElement = parts.find((part) => part.tag === 0xa1);
  const responseElement = parts.find((part) => part.tag === 0x30);
  const caPubsSequence = caPubsElement ? readChildren(bodyDer, caPubsElement)[0] : undefined;
  const caPubs = caPubsSequence ? readChildren(bodyDer, caPubsSequence).map((cert) => slice(bodyDer, cert)) : [];
  const certificates = responseElement
    ? readChildren(bodyDer, responseElement).map((certResponse) => {
        const certifiedKeyPair = readChildren(bodyDer, certResponse).find((part, index) => index >= 2 && part.tag === 0x30);
        const certOrEncCert = certifiedKeyPair ? readChildren(bodyDer, certifiedKeyPair)[0] : undefined;
        if (certOrEncCert?.tag !== 0xa0) return undefined;
        const [certificate] = readChildren(bodyDer, certOrEncCert);
        return certificate ? slice(bodyDer, certificate) : undefined;
      })
    : [];
  return { caPubs, certificates };
}

function slice(bytes: Uint8Array, element: DerElement): Uint8Array {
  return bytes.slice(element.start, element.end);
}
