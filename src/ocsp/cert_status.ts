import type { CertificateRecord } from "../ca/certificate_record.js";

/**
 *   CertStatus ::= CHOICE {                                -- RFC 6960 §4.2.1
 *     good        [0]     IMPLICIT NULL,
 *     revoked     [1]     IMPLICIT RevokedInfo,
 *     unknown     [2]     IMPLICIT UnknownInfo }
 *   RevokedInfo ::= SEQUENCE {
 *     revocationTime              GeneralizedTime,
 *     revocationReason    [0]     EXPLICIT CRLReason OPTIONAL }
 */
export type CertStatus =
  | { status: "good" }
  | { status: "revoked"; revocationTime: Date; revocationReason?: number }
  | { status: "unknown" };

/**
 * What the CA's record says of a certificate (RFC 6960 §2.2):
 * - no record: unknown. The responder does not claim "revoked" for serials
 *   it never issued (§2.2 allows that only with the extended revoke
 *   extension), nor "good": it does not know the certificate.
 * - revoked: revoked at record.revokedAt with record.revocationReason, as
 *   the CRL lists it; a held certificate is revoked with reason 6
 *   (certificateHold, RFC 5280 §5.3.1). Reason 0 (unspecified) is left out,
 *   as RFC 5280 §5.3.1 asks of CRL entries, so that OCSP and the CRL agree.
 * - anything else (issued, confirmed, rejected, unconfirmed): good, which in
 *   RFC 6960 §2.2 means "not revoked", not "valid".
 */
export function certStatusOf(record: CertificateRecord | undefined): CertStatus {
  if (!record) return { status: "unknown" };
  if (record.status !== "revoked") return { status: "good" };
  const revocationTime = new Date(record.revokedAt ?? record.decidedAt ?? record.issuedAt);
  const reason = record.revocationReason;
  return reason === undefined || reason === 0 ? { status: "revoked", revocationTime } : { status: "revoked", revocationTime, revocationReason: reason };
}
