import { Name, SubjectKeyIdentifier, id_ce_subjectKeyIdentifier } from "@peculiar/asn1-x509";
import { directoryName } from "../asn1/general_name_der.js";
import { parseCertificate } from "../crypto/parsed_certificate.js";
import { bytesEqual } from "../asn1/bytes.js";
import type { Signer } from "../kms/signer.js";
import { serializeDer } from "../asn1/serialize_der.js";
import { parseOperatorDer } from "../asn1/parse_operator_der.js";

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
  /** The sender of what it signs, GeneralName directoryName DER: the certificate's subject as the certificate has it. */
  senderDer: Uint8Array;
  /** signer.algorithm, DER: the protectionAlg of what it signs. */
  algorithmDer: Uint8Array;
}

export function cmpSigner(signer: Signer, certificates: Uint8Array[]): CmpSigner {
  const [first] = certificates;
  if (!first) throw new Error("a CMP signer needs its certificate");
  const parsed = parseCertificate(first);
  const certificate = parsed.certificate;
  const ski = certificate.tbsCertificate.extensions?.find((extension) => extension.extnID === id_ce_subjectKeyIdentifier);
  return {
    signer,
    certificates,
    name: certificate.tbsCertificate.subject,
    keyIdentifier: ski ? parseOperatorDer(ski.extnValue, SubjectKeyIdentifier, "the CMP signer certificate's subjectKeyIdentifier").buffer : undefined,
    senderDer: directoryName(parsed.subject),
    algorithmDer: serializeDer(signer.algorithm),
  };
}

/** Subject equals issuer: a root, or another self-issued certificate (RFC 5280 §3.2). */
export function isSelfIssued(certificate: Uint8Array): boolean {
  const parsed = parseCertificate(certificate);
  return bytesEqual(parsed.subject, parsed.issuer);
}
