import { IssuerAndSerialNumber } from "@peculiar/asn1-cms";
import { SubjectKeyIdentifier, id_ce_subjectKeyIdentifier, type Certificate } from "@peculiar/asn1-x509";
import { decodeDer } from "../asn1/codec/der_decoder.js";

/**
 * How a RecipientInfo names the recipient's certificate (RFC 5652 §6.2.1,
 * §6.2.2): by its subjectKeyIdentifier when it has one, else by issuer and
 * serial number.
 */
export function recipientKeyId(certificate: Certificate): { subjectKeyIdentifier?: SubjectKeyIdentifier; issuerAndSerialNumber?: IssuerAndSerialNumber } {
  const ski = certificate.tbsCertificate.extensions?.find((extension) => extension.extnID === id_ce_subjectKeyIdentifier);
  if (ski) return { subjectKeyIdentifier: decodeDer(new Uint8Array(ski.extnValue.buffer), SubjectKeyIdentifier) };
  return {
    issuerAndSerialNumber: new IssuerAndSerialNumber({ issuer: certificate.tbsCertificate.issuer, serialNumber: certificate.tbsCertificate.serialNumber }),
  };
}
