import { CRLReason, CRLReasons, id_ce_cRLReasons, type Certificate, type Extensions, type Name } from "@peculiar/asn1-x509";
import { bytesEqual } from "../asn1/bytes.js";
import type { CertTemplate } from "../asn1/cert_template.js";
import { parseDer } from "../asn1/parse_der.js";
import { CmpError } from "../asn1/pki_failure_info.js";
import { sameEncoding } from "../asn1/reencode.js";
import { formatDistinguishedName, sameDistinguishedName } from "../ca/distinguished_name.js";
import { REMOVE_FROM_CRL, REVOCATION_REASONS } from "../ca/certificate_record.js";

/**
 * The reason an rr asks for (RFC 9483 §4.2): crlEntryDetails "MUST contain
 * exactly one reasonCode of type CRLReason" (RFC 5280 §5.3.1).
 *
 * Absent crlEntryDetails is accepted as unspecified: `openssl cmp -cmd rr`
 * 3.0 sends none unless -revreason is given (an accepted OpenSSL variant,
 * pinned by test/interop/lifecycle.test.ts). Present ones must be right:
 * - empty, or two reasonCodes: the Extensions are malformed (SIZE (1..MAX);
 *   RFC 5280 §4.2: one instance of an extension), badDataFormat ("the data
 *   submitted has the wrong format", RFC 9810 §5.2.3);
 * - any other extension (invalidityDate, certificateIssuer, ...): well
 *   formed, but not what this profile permits, badRequest ("transaction not
 *   permitted or supported");
 * - a reasonCode that is no CRLReason: badDataFormat; 7 (unused in RFC
 *   5280 §5.3.1): badRequest. certificateHold suspends, removeFromCRL lifts
 *   a hold (revocation_request.ts).
 */
export function requestedReason(crlEntryDetails: Extensions | undefined): number {
  if (!crlEntryDetails) return CRLReasons.unspecified;
  if (crlEntryDetails.length === 0) {
    throw new CmpError("badDataFormat", "crlEntryDetails is empty; it must hold exactly one reasonCode (RFC 9483 §4.2)");
  }
  const others = crlEntryDetails.filter((extension) => extension.extnID !== id_ce_cRLReasons);
  if (others.length > 0) {
    const names = others.map((extension) => extension.extnID).join(", ");
    throw new CmpError("badRequest", `crlEntryDetails may hold only the reasonCode (RFC 9483 §4.2), not ${names}`);
  }
  if (crlEntryDetails.length > 1) {
    throw new CmpError("badDataFormat", `crlEntryDetails holds ${crlEntryDetails.length} reasonCodes; exactly one is allowed (RFC 9483 §4.2, RFC 5280 §4.2)`);
  }
  let reason: number;
  try {
    reason = parseDer(crlEntryDetails[0]!.extnValue, CRLReason).reason;
  } catch (error) {
    throw new CmpError("badDataFormat", "the reasonCode in crlEntryDetails is malformed", { cause: error });
  }
  if (!REVOCATION_REASONS.has(reason) && reason !== REMOVE_FROM_CRL) throw new CmpError("badRequest", `revocation reason ${reason} is not supported`);
  return reason;
}

/**
 * certDetails names the certificate by issuer and serialNumber (RFC 9483
 * §4.2); any other field it carries describes that certificate too, and
 * must agree with it. A template whose subject, publicKey (or version,
 * signingAlg, validity, unique IDs, extensions) differ matches no
 * certificate: badCertId, "no certificate could be found matching the
 * provided criteria" (RFC 9810 §5.2.3). Not badCertTemplate: the template
 * is valid, it describes another certificate.
 */
export function checkCertDetails(template: CertTemplate, certificate: Certificate): void {
  const tbs = certificate.tbsCertificate;
  const differs = (field: string) => new CmpError("badCertId", `the ${field} in certDetails is not that of the certificate its issuer and serialNumber name`);
  if (template.subject !== undefined && !sameDistinguishedName(template.subject, tbs.subject)) {
    throw new CmpError(
      "badCertId",
      `certDetails names the subject "${describeName(template.subject)}", but the certificate's is "${describeName(tbs.subject)}"`,
    );
  }
  if (template.publicKey !== undefined && !sameEncoding(template.publicKey, tbs.subjectPublicKeyInfo)) throw differs("publicKey");
  if (template.version !== undefined && template.version !== tbs.version) throw differs("version");
  if (template.signingAlg !== undefined && !sameEncoding(template.signingAlg, tbs.signature)) throw differs("signingAlg");
  const { notBefore, notAfter } = template.validity ?? {};
  if (notBefore && notBefore.getTime().getTime() !== tbs.validity.notBefore.getTime().getTime()) throw differs("validity notBefore");
  if (notAfter && notAfter.getTime().getTime() !== tbs.validity.notAfter.getTime().getTime()) throw differs("validity notAfter");
  if (template.issuerUID !== undefined && !sameBits(template.issuerUID, tbs.issuerUniqueID)) throw differs("issuerUID");
  if (template.subjectUID !== undefined && !sameBits(template.subjectUID, tbs.subjectUniqueID)) throw differs("subjectUID");
  for (const extension of template.extensions ?? []) {
    const own = tbs.extensions?.find((candidate) => candidate.extnID === extension.extnID);
    if (!own || !sameEncoding(extension, own)) throw differs(`${extension.extnID} extension`);
  }
}

function sameBits(a: ArrayBuffer, b: ArrayBuffer | undefined): boolean {
  return b !== undefined && bytesEqual(new Uint8Array(a), new Uint8Array(b));
}


function describeName(name: Name): string {
  try {
    return formatDistinguishedName(name);
  } catch {
    return "an unprintable name";
  }
}
