import { Certificate, Extension, GeneralName, Name, id_ce_subjectAltName } from "@peculiar/asn1-x509";
import { CertId } from "../asn1/cert_id.js";
import { decodeDer } from "../asn1/codec/der_decoder.js";
import { parseDer } from "../asn1/parse_der.js";
import { encodeName, isEmptyName, parseDistinguishedName } from "../ca/distinguished_name.js";
import { subjectAltNameExtension } from "../ca/extensions.js";
import { parseGeneralNames } from "../ca/general_name_text.js";

/**
 * A subject from text, RFC 4514 ("CN=device,O=Example") or OpenSSL's
 * "/O=Example/CN=device", through the DER encoder so a multi-valued RDN is
 * in DER order (X.690 §11.6).
 */
export function subjectName(text: string): Name {
  return decodeDer(encodeName(parseDistinguishedName(text)), Name);
}

/**
 * The subjectAltName extension for names in OpenSSL's notation ("DNS:host",
 * "IP:192.0.2.1", "email:a@b", "URI:urn:x"); critical when the subject is
 * empty (RFC 5280 §4.2.1.6).
 */
export function subjectAltNames(texts: readonly string[], subject: Name | undefined): Extension | undefined {
  const der = subjectAltNameExtension(parseGeneralNames(texts), subject === undefined || isEmptyName(subject));
  return der ? decodeDer(der, Extension) : undefined;
}

/**
 * What a key update takes from the certificate it updates (RFC 9483 §4.1.3):
 * its subject and subjectAltName, which the new certificate keeps, and the
 * oldCertID control naming it by issuer and serial (RFC 4211 §6.5).
 */
export function updatedCertificate(der: Uint8Array): { subject: Name; subjectAltName?: Extension; oldCertId: CertId } {
  // The caller's certificate, checked and decoded strictly (RFC 5280 §4.1: DER).
  const tbs = parseDer(der, Certificate).tbsCertificate;
  return {
    subject: tbs.subject,
    subjectAltName: tbs.extensions?.find((extension) => extension.extnID === id_ce_subjectAltName),
    oldCertId: new CertId({ issuer: new GeneralName({ directoryName: tbs.issuer }), serialNumber: tbs.serialNumber }),
  };
}
