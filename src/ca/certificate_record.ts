import type { Store } from "../store/store.js";
import { indexRevocation, unindexRevocation } from "../crl/revocation_index.js";
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
  /** The certificate profile it was issued under (RFC 9810 §5.1.1.4 certProfile); absent in records older than certificate profiles. */
  certificateProfile?: string;
  /** Base64 DER of the certificate. */
  der: string;
  /** Who asked for it: the sender identity that authenticated the request. */
  requester: string;
  transactionID: string;
  issuedAt: string;
  /** When the certificate was confirmed or rejected (certConf or implicitConfirm). */
  decidedAt?: string;
  revokedAt?: string;
  /** CRLReason (RFC 5280 §5.3.1); certificateHold (6) is a suspension that removeFromCRL can lift. */
  revocationReason?: number;
  /**
   * Who revoked it (or put it on hold): an operator's name (admin API or
   * console), "rr:<sender identity>" for a CMP revocation request,
   * "kur:<successor serial>" for a key update that revokes the old
   * certificate, or "expiry" for the sweep's revocation of an unconfirmed one.
   * Absent in records older than named operators.
   */
  revokedBy?: string;
  /** While on hold: the status the certificate returns to when the hold is lifted. */
  statusBeforeHold?: CertificateStatus;
  /** The serial of the certificate this one replaced by kur, if any. */
  supersedes?: string;
  /**
   * kur: the transaction that claimed this certificate to replace it. Written
   * by compare-and-set before anything is signed, so of concurrent key updates
   * of one certificate exactly one goes on (src/cmp/update_claim.ts).
   */
  updateClaim?: UpdateClaim;
  /** The serial of the confirmed certificate that replaced this one by kur: it can be updated no more. */
  supersededBy?: string;
  /** The registered end entity it was issued to (client mode). */
  entity?: string;
}

/**
 * Who is replacing a certificate: the key of the claiming transaction
 * (txn/<identity>/<tid>), the claiming request (our answer's senderNonce, so
 * that two requests with one transactionID are told apart) and when it claimed.
 */
export interface UpdateClaim {
  transactionKey: string;
  request: string;
  claimedAt: string;
}

/**
 * issued: sent, awaiting certConf; confirmed: accepted by the requester
 * (explicitly or implicitly); rejected: refused in certConf, so never in use
 * (RFC 9810 §5.3.18) and not counted as issued; unconfirmed: no certConf
 * came within confirmWaitTime (§5.1.1.2), so it is not in use either; revoked.
 */
export type CertificateStatus = "issued" | "confirmed" | "rejected" | "unconfirmed" | "revoked";

/**
 * CRLReason values a revocation may give (RFC 5280 §5.3.1): all but 7,
 * which is unused, and removeFromCRL (8), which lifts a hold instead
 * (releaseHold) and only delta CRLs carry.
 */
export const REVOCATION_REASONS: ReadonlySet<number> = new Set([0, 1, 2, 3, 4, 5, 6, 9, 10]);

/** certificateHold and removeFromCRL (RFC 5280 §5.3.1). */
export const CERTIFICATE_HOLD = 6;
export const REMOVE_FROM_CRL = 8;

export function certificateKey(serial: string): string {
  return `cert/${serial}`;
}

export async function getCertificate(store: Store, serial: string): Promise<CertificateRecord | undefined> {
  return (await store.get<CertificateRecord>(certificateKey(serial)))?.value;
}

/** What a revocation found: done now, done before (nothing changed), or no such certificate. */
export type RevocationOutcome = { outcome: "revoked"; record: CertificateRecord } | { outcome: "alreadyRevoked"; record: CertificateRecord } | { outcome: "unknown" };

/**
 * Mark a certificate revoked with its time and reason, and put it on the
 * revocation index that CRLs are built from. Compare-and-set, so a
 * concurrent confirmation cannot overwrite the revocation; a certificate
 * already revoked keeps its first time and reason.
 *
 * certificateHold suspends: the certificate counts as revoked (CRL, OCSP,
 * protection) until releaseHold lifts it. A hold only becomes final through
 * a revocation with a final reason, which keeps the hold's date: the
 * certificate has not been valid since (RFC 5280 §5.3.1 lets a held
 * certificate be revoked for another reason).
 */
export async function revokeCertificate(store: Store, serial: string, reason: number, now: Date, by?: string): Promise<RevocationOutcome> {
  const key = certificateKey(serial);
  for (let attempt = 0; attempt < 5; attempt++) {
    const entry = await store.get<CertificateRecord>(key);
    if (!entry) return { outcome: "unknown" };
    const current = entry.value;
    const makesHoldFinal = current.status === "revoked" && current.revocationReason === CERTIFICATE_HOLD && reason !== CERTIFICATE_HOLD;
    if (current.status === "revoked" && !makesHoldFinal) return { outcome: "alreadyRevoked", record: current };
    const record: CertificateRecord = makesHoldFinal
      ? { ...current, revocationReason: reason, statusBeforeHold: undefined, revokedBy: by ?? current.revokedBy }
      : {
          ...current,
          status: "revoked",
          revokedAt: now.toISOString(),
          revocationReason: reason,
          statusBeforeHold: reason === CERTIFICATE_HOLD ? current.status : undefined,
          revokedBy: by,
        };
    if (await store.compareAndSet(key, entry.version, record)) {
      await indexRevocation(store, record, now);
      if (record.entity && reason !== CERTIFICATE_HOLD) await markEndEntityRevoked(store, record.entity, serial, now);
      return { outcome: "revoked", record };
    }
  }
  throw new Error(`certificate ${serial} changed under five revocation attempts in a row`);
}

/** What lifting a hold found: lifted, a certificate not on hold (revoked for good, or never revoked), or none. */
export type HoldRelease = { outcome: "released"; record: CertificateRecord } | { outcome: "notHeld"; record: CertificateRecord } | { outcome: "unknown" };

/**
 * removeFromCRL (RFC 5280 §5.3.1): a certificate on hold gets back the status
 * it had and leaves the CRL; OCSP says good again. Nothing else changes:
 * a final revocation is never undone.
 */
export async function releaseHold(store: Store, serial: string): Promise<HoldRelease> {
  const key = certificateKey(serial);
  for (let attempt = 0; attempt < 5; attempt++) {
    const entry = await store.get<CertificateRecord>(key);
    if (!entry) return { outcome: "unknown" };
    const current = entry.value;
    if (current.status !== "revoked" || current.revocationReason !== CERTIFICATE_HOLD) return { outcome: "notHeld", record: current };
    const record: CertificateRecord = {
      ...current,
      status: current.statusBeforeHold ?? "confirmed",
      revokedAt: undefined,
      revocationReason: undefined,
      statusBeforeHold: undefined,
      revokedBy: undefined,
    };
    if (await store.compareAndSet(key, entry.version, record)) {
      await unindexRevocation(store, serial);
      return { outcome: "released", record };
    }
  }
  throw new Error(`certificate ${serial} changed under five attempts to lift its hold`);
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

/**
 * A confirmed successor replaced the certificate: note it (so no second kur
 * of it succeeds), end the claim, and revoke it (reason superseded) when
 * `revoke` says so. One compare-and-set; a revocation that came first stays.
 */
export async function supersedeCertificate(
  store: Store,
  serial: string,
  successor: string,
  revoke: boolean,
  now: Date,
  seen?: (before: CertificateRecord) => void,
): Promise<void> {
  const key = certificateKey(serial);
  for (let attempt = 0; attempt < 5; attempt++) {
    const entry = await store.get<CertificateRecord>(key);
    if (!entry) return;
    const old = entry.value;
    seen?.(old);
    // A hold is made final too: the certificate was replaced, and the profile says replaced ones are revoked.
    const held = old.status === "revoked" && old.revocationReason === CERTIFICATE_HOLD;
    const revokeNow = revoke && (old.status !== "revoked" || held);
    if (old.supersededBy === successor && !old.updateClaim && !revokeNow) return;
    const record: CertificateRecord = { ...old, supersededBy: successor, updateClaim: undefined };
    if (revokeNow) {
      Object.assign(record, held ? { revocationReason: SUPERSEDED } : { status: "revoked", revokedAt: now.toISOString(), revocationReason: SUPERSEDED });
      // The key update of its successor did it; revokedBy stays with whoever held it.
      if (!held) record.revokedBy = `kur:${successor}`;
      record.statusBeforeHold = undefined;
    }
    if (await store.compareAndSet(key, entry.version, record)) {
      if (revokeNow) await indexRevocation(store, record, now);
      return;
    }
  }
  throw new Error(`certificate ${serial} changed under five supersede attempts in a row`);
}

/**
 * Undo supersedeCertificate when the successor never left the server: the old
 * record gets back its status and claim, if it is still as supersede left it.
 */
export async function restoreSuperseded(store: Store, serial: string, successor: string, before: CertificateRecord | undefined): Promise<void> {
  if (!before) return;
  const key = certificateKey(serial);
  for (let attempt = 0; attempt < 5; attempt++) {
    const entry = await store.get<CertificateRecord>(key);
    if (!entry || entry.value.supersededBy !== successor) return;
    const { status, revokedAt, revocationReason, revokedBy, statusBeforeHold, supersededBy, updateClaim } = before;
    const restored: CertificateRecord = { ...entry.value, status, revokedAt, revocationReason, revokedBy, statusBeforeHold, supersededBy, updateClaim };
    if (await store.compareAndSet(key, entry.version, restored)) {
      // The CRL follows: the revocation the supersede made is taken back, one from before stays.
      if (restored.status === "revoked") await indexRevocation(store, restored, new Date(restored.revokedAt!));
      else if (entry.value.status === "revoked") await unindexRevocation(store, serial);
      return;
    }
  }
}

/** CRLReason superseded (RFC 5280 §5.3.1). */
const SUPERSEDED = 4;
