import type { CertificateRecord } from "../../src/ca/certificate_record.js";

/**
 * A certificate record numbered `n`: its serial is n as 4 hex digits, so the
 * store's key order is numeric order (listing and paging tests rely on it).
 * `der` is a placeholder unless the test serves the certificate itself.
 */
export function numberedCertificateRecord(n: number, fields: Partial<CertificateRecord> = {}): CertificateRecord {
  const serial = n.toString(16).padStart(4, "0");
  return {
    serial,
    subject: `CN=device${n},O=Example`,
    issuer: "CN=Jellyfish Test CA,O=Jellyfish",
    notBefore: "2026-01-01T00:00:00.000Z",
    notAfter: "2027-01-01T00:00:00.000Z",
    status: "confirmed",
    profile: "opensslclient",
    der: "MAA=",
    requester: "mac-00",
    transactionID: serial,
    issuedAt: "2026-01-01T00:00:00.000Z",
    ...fields,
  };
}
