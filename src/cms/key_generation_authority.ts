import { ExtendedKeyUsage, id_ce_extKeyUsage, type Certificate } from "@peculiar/asn1-x509";
import { id_kp_cmKGA } from "../asn1/cms_oids.js";
import { parseDer } from "../asn1/parse_der.js";

/**
 * Whether a certificate names the key generation authority purpose,
 * id-kp-cmKGA, in extendedKeyUsage (RFC 9483 §4.1.6, RFC 9810 §5.2.2): what
 * a signer of key packages other than the CA itself must carry, and what
 * OpenSSL's client checks of every signer.
 */
export function hasKeyGenerationPurpose(certificate: Certificate): boolean {
  const extension = certificate.tbsCertificate.extensions?.find((candidate) => candidate.extnID === id_ce_extKeyUsage);
  if (!extension) return false;
  try {
    return parseDer(extension.extnValue.buffer, ExtendedKeyUsage).includes(id_kp_cmKGA);
  } catch {
    return false;
  }
}
