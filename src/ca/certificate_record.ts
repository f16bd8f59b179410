/**
 * What the CA remembers of every certificate it issued: enough to confirm,
 * revoke, renew and list it later without re-parsing the DER
 * (DESIGN.md, "Issue, record, then answer").
 */
export interface CertificateRecord {
  /** Lower-case hex of the serial number's INTEGER contents. */
  serial: string;
  /** RFC 4514 strings, for listing and matching. */
  subject: string;
  issuer: string;
  notBefore: string;
  notAfter: string;
  status: CertificateStatus;
  profile: string;
  /** Base64 DER of the certificate. */
  der: string;
  /** Who asked for it: the sender identity that authenticated the request. */
  requester: string;
  transactionID: string;
  issuedAt: string;
  /** When the certificate was confirmed or rejected (certConf or implicitConfirm). */
  decidedAt?: string;
  revokedAt?: string;
  revocationReason?: number;
}

/**
 * issued: sent, awaiting certConf; confirmed: accepted by the requester
 * (explicitly or implicitly); rejected: refused in certConf, so never in use
 * (RFC 9810 §5.3.18) and not counted as issued; revoked.
 */
export type CertificateStatus = "issued" | "confirmed" | "rejected" | "revoked";

export function certificateKey(serial: string): string {
  return `cert/${serial}`;
}
