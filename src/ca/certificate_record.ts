import type { Store } from "../store/store.js";
import { markEndEntityRevoked } from "./end_entity_store.js";

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
  /** CRLReason (RFC 5280 §5.3.1). */
  revocationReason?: number;
  /** The serial of the certificate this one replaced by kur, if any. */
  supersedes?: string;
  /** The registered end entity it was issued to (client mode). */
  entity?: string;
}

/**
 * issued: sent, awaiting certConf; confirmed: accepted by the requester
 * (explicitly or implicitly); rejected: refused in certConf, so never in use
 * (RFC 9810 §5.3.18) and not counted as issued; unconfirmed: no certConf
 * came within confirmWaitTime (§5.1.1.2), so it is not in use either; revoked.
 */
export type CertificateStatus = "issued" | "confirmed" | "rejected" | "unconfirmed" | "revoked";

/**
 * CRLReason values a revocation may give (RFC 5280 §5.3.1): all but
 * certificateHold and removeFromCRL, which need holds this CA does not do,
 * and 7, which is unused.
 */
export const REVOCATION_REASONS: ReadonlySet<number> = new Set([0, 1, 2, 3, 4, 5, 9, 10]);

export function certificateKey(serial: string): string {
  return `cert/${serial}`;
}

export async function getCertificate(store: Store, serial: string): Promise<CertificateRecord | undefined> {
  return (await store.get<CertificateRecord>(certificateKey(serial)))?.value;
}

/** What a revocation found: done now, done before (nothing changed), or no such certificate. */
export type RevocationOutcome = { outcome: "revoked"; record: CertificateRecord } | { outcome: "alreadyRevoked"; record: CertificateRecord } | { outcome: "unknown" };

/**
 * Mark a certificate revoked with its time and reason. Compare-and-set, so a
 * concurrent confirmation cannot overwrite the revocation; a certificate
 * already revoked keeps its first time and reason.
 */
export async function revokeCertificate(store: Store, serial: string, reason: number, now: Date): Promise<RevocationOutcome> {
  const key = certificateKey(serial);
  for (let attempt = 0; attempt < 5; attempt++) {
    const entry = await store.get<CertificateRecord>(key);
    if (!entry) return { outcome: "unknown" };
    if (entry.value.status === "revoked") return { outcome: "alreadyRevoked", record: entry.value };
    const record: CertificateRecord = { ...entry.value, status: "revoked", revokedAt: now.toISOString(), revocationReason: reason };
    if (await store.compareAndSet(key, entry.version, record)) {
      if (record.entity) await markEndEntityRevoked(store, record.entity, serial, now);
      return { outcome: "revoked", record };
    }
  }
  throw new Error(`certificate ${serial} changed under five revocation attempts in a row`);
}

/**
 * Record the requester's decision on an issued certificate. Only an
 * `issued` certificate changes: a revocation that came first wins.
 */
export async function decideCertificate(store: Store, serial: string, status: "confirmed" | "rejected", now: Date): Promise<CertificateRecord | undefined> {
  const key = certificateKey(serial);
  for (let attempt = 0; attempt < 5; attempt++) {
    const entry = await store.get<CertificateRecord>(key);
    if (!entry || entry.value.status !== "issued") return entry?.value;
    const record: CertificateRecord = { ...entry.value, status, decidedAt: now.toISOString() };
    if (await store.compareAndSet(key, entry.version, record)) return record;
  }
  throw new Error(`certificate ${serial} changed under five confirmation attempts in a row`);
}
