import { AsnConvert } from "@peculiar/asn1-schema";
import { Certificate, Name, SubjectKeyIdentifier, id_ce_subjectKeyIdentifier } from "@peculiar/asn1-x509";
import type { Signer } from "../kms/signer.js";

/**
 * The key and certificate that sign our CMP responses (RFC 9483 §3.1: the
 * sender is the certificate's subject, senderKID its subjectKeyIdentifier,
 * and the certificate with its chain goes first in extraCerts). By default the
 * CA's own; a profile may configure a dedicated CMP signer.
 */
export interface CmpSigner {
  signer: Signer;
  /** The protection certificate, then its chain (DER). */
  certificates: Uint8Array[];
  name: Name;
  keyIdentifier?: ArrayBuffer;
}

export function cmpSigner(signer: Signer, certificates: Uint8Array[]): CmpSigner {
  const [first] = certificates;
  if (!first) throw new Error("a CMP signer needs its certificate");
  const certificate = AsnConvert.parse(first, Certificate);
  const ski = certificate.tbsCertificate.extensions?.find((extension) => extension.extnID === id_ce_subjectKeyIdentifier);
  return {
    signer,
    certificates,
    name: certificate.tbsCertificate.subject,
    keyIdentifier: ski ? AsnConvert.parse(ski.extnValue, SubjectKeyIdentifier).buffer : undefined,
  };
}
