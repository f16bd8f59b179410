import { id_kp_OCSPSigning } from "@peculiar/asn1-ocsp";
import { ExtendedKeyUsage, Name, id_ce_extKeyUsage } from "@peculiar/asn1-x509";
import { bytesEqual } from "../asn1/bytes.js";
import type { CertificateAuthority } from "../ca/authority.js";
import { sameDistinguishedName } from "../ca/distinguished_name.js";
import { prepareIssuer } from "../ca/issuer.js";
import { loadLocalKeyAndCertificates, type KeyAndCertificates } from "../ca/local_key_pair.js";
import { parseCertificate } from "../crypto/parsed_certificate.js";
import { verifySignature } from "../crypto/signature.js";
import { decodeDer } from "../asn1/codec/der_decoder.js";
import { parseOperatorDer } from "../asn1/parse_operator_der.js";

/**
 * The delegated OCSP responder of publication.ocsp.responder: a local key
 * and the certificate the CA issued for it. Checked once at start, because
 * a responder certificate that relying parties refuse makes every answer
 * useless (RFC 6960 §4.2.2.2): it must be issued directly by this CA (its
 * issuer is the CA's subject and the CA key's signature verifies), carry
 * id-kp-OCSPSigning in extendedKeyUsage, allow digitalSignature if it has
 * keyUsage, and be valid now. Errors are plain Errors with a message that
 * names the setting; the runtime turns them into Misconfigured.
 */
export async function loadDelegatedResponder(
  responder: { keyPem: string; certificatesPem: string },
  ca: CertificateAuthority,
  now: Date,
): Promise<KeyAndCertificates> {
  const field = "publication.ocsp.responder";
  const loaded = await loadLocalKeyAndCertificates(responder.keyPem, responder.certificatesPem, { key: `${field}.key`, certificates: `${field}.certificates` });
  const problem = await responderCertificateProblem(loaded.certificates[0]!, ca, now);
  if (problem) throw new Error(`${field}.certificates: ${problem}`);
  return loaded;
}

/** Why `der` cannot sign OCSP responses for `ca`, or undefined when it can. */
export async function responderCertificateProblem(der: Uint8Array, ca: CertificateAuthority, now: Date): Promise<string | undefined> {
  const certificate = parseCertificate(der);
  const issuer = await prepareIssuer(ca);
  const tbs = certificate.certificate.tbsCertificate;
  if (!bytesEqual(certificate.issuer, issuer.name) && !sameDistinguishedName(tbs.issuer, decodeDer(issuer.name, Name))) {
    return `the responder certificate's issuer (${certificate.issuerLabel}) is not the CA's subject: RFC 6960 §4.2.2.2 wants it issued directly by the CA`;
  }
  let verified: boolean;
  try {
    verified = await verifySignature(ca.signer.publicKey, certificate.signatureAlgorithm, certificate.tbs, certificate.signature);
  } catch (error) {
    return `the responder certificate's signature cannot be checked: ${(error as Error).message}`;
  }
  if (!verified) return "the responder certificate was not signed by the CA key";
  const eku = tbs.extensions?.find((extension) => extension.extnID === id_ce_extKeyUsage);
  if (!eku || !parseOperatorDer(eku.extnValue, ExtendedKeyUsage, "the responder certificate's extendedKeyUsage").includes(id_kp_OCSPSigning)) {
    return "the responder certificate has no extendedKeyUsage id-kp-OCSPSigning (RFC 6960 §4.2.2.2)";
  }
  // KeyUsage bit 0 is digitalSignature (RFC 5280 §4.2.1.3): the first octet's top bit.
  if (certificate.keyUsage && ((certificate.keyUsage[0] ?? 0) & 0x80) === 0) {
    return "the responder certificate's keyUsage does not allow digitalSignature";
  }
  if (now < certificate.notBefore) return `the responder certificate is not valid before ${certificate.notBefore.toISOString()}`;
  if (now > certificate.notAfter) return `the responder certificate expired at ${certificate.notAfter.toISOString()}`;
  return undefined;
}
