import { CmpError } from "../asn1/pki_failure_info.js";
import { certificateKey, type CertificateRecord, type UpdateClaim } from "../ca/certificate_record.js";
import type { Store } from "../store/store.js";
import { getPendingRequest } from "./pending_request.js";
import type { TransactionRecord } from "./transaction.js";

/**
 * Exactly-once key update. A kur (RFC 9810 §5.3.5, RFC 9483 §4.1.3)
 * replaces one certificate; checking at authentication that it is not
 * revoked is not enough, because twenty concurrent kur all pass that check
 * before any of them retires it. So the kur claims the old certificate's
 * record by compare-and-set BEFORE anything is signed: the first claim wins,
 * the others are refused.
 *
 * The claim lasts as long as its transaction can still yield a successor:
 * while the transaction waits (approval, signer) or awaits certConf. It ends
 * when the successor is confirmed (supersedeCertificate: replaced for good)
 * or when the transaction ends without one (certConf rejection, no
 * confirmation in time, a pending request refused or expired, a failure after
 * the claim): releaseUpdateClaim. Releasing is best effort; what decides is
 * the claiming transaction itself (claimState), so a release lost to a fault
 * or a crash never locks the certificate for good.
 */

/**
 * How long a claim holds while its transaction does not exist yet: the
 * claiming request is still signing and recording. Longer than any request
 * may run (a Worker's or a Lambda's limit), short enough that a request that
 * died between claim and transaction does not lock the certificate for long.
 */
const CLAIM_GRACE_MS = 5 * 60_000;

/**
 * Why another kur of this certificate is refused: duplicateCertReq (26),
 * "certificate cannot be issued because a duplicate certificate already
 * exists" (RFC 9810 §5.2.3, Appendix F). A second successor of one
 * certificate is exactly that duplicate, whether the first successor is
 * still being issued or already confirmed. Not certRevoked (the old
 * certificate may be valid, and still authenticates cr and rr), not
 * transactionIdInUse (the transactionIDs differ), and more precise than
 * badRequest.
 */
const DUPLICATE: "duplicateCertReq" = "duplicateCertReq";

type ClaimState = "live" | "replaced" | "ended";

/** Claim `serial` for the request `request` of transaction `transactionKey`; throws a CmpError when it cannot be updated now. */
export async function claimForUpdate(store: Store, serial: string, transactionKey: string, request: string, now: Date): Promise<void> {
  const key = certificateKey(serial);
  for (let attempt = 0; attempt < 5; attempt++) {
    const entry = await store.get<CertificateRecord>(key);
    // issuedSerial says this CA issued it; without its record nothing can be claimed or retired.
    if (!entry) throw new CmpError("badCertId", `this CA has no record of the certificate being updated (serial ${serial})`);
    const record = entry.value;
    if (record.status === "revoked") throw new CmpError("certRevoked", `the certificate being updated (serial ${serial}) is revoked`);
    if (record.supersededBy) {
      throw new CmpError(DUPLICATE, `the certificate (serial ${serial}) was already replaced by serial ${record.supersededBy}; update that one`);
    }
    const claim = record.updateClaim;
    if (claim?.transactionKey === transactionKey && claim.request === request) return;
    if (claim) {
      const state = await claimState(store, claim, now);
      if (state === "live") {
        throw new CmpError(DUPLICATE, `a key update of this certificate (serial ${serial}) is in progress in another transaction`);
      }
      if (state === "replaced") throw new CmpError(DUPLICATE, `the certificate (serial ${serial}) was already replaced by a key update`);
    }
    const claimed: CertificateRecord = { ...record, updateClaim: { transactionKey, request, claimedAt: now.toISOString() } };
    if (await store.compareAndSet(key, entry.version, claimed)) return;
    // Lost the compare-and-set: read again and see who won.
  }
  throw new CmpError(DUPLICATE, `the certificate (serial ${serial}) changed under five claims in a row; a concurrent key update holds it`);
}

/**
 * End the claim of `transactionKey` on `serial` (no successor came); a claim
 * of another transaction stays, and so does one of another request of the
 * same transaction when `request` names the one that failed.
 */
export async function releaseUpdateClaim(store: Store, serial: string | undefined, transactionKey: string, request?: string): Promise<void> {
  if (!serial) return;
  const key = certificateKey(serial);
  for (let attempt = 0; attempt < 5; attempt++) {
    const entry = await store.get<CertificateRecord>(key);
    const claim = entry?.value.updateClaim;
    if (!entry || claim?.transactionKey !== transactionKey || (request !== undefined && claim.request !== request)) return;
    if (await store.compareAndSet(key, entry.version, { ...entry.value, updateClaim: undefined })) return;
  }
}

/**
 * What the claiming transaction says of a claim: it may still yield a
 * successor (live), it did (replaced), or it ended without one.
 */
async function claimState(store: Store, claim: UpdateClaim, now: Date): Promise<ClaimState> {
  const transaction = (await store.get<TransactionRecord>(claim.transactionKey))?.value;
  if (!transaction) return Date.parse(claim.claimedAt) + CLAIM_GRACE_MS > now.getTime() ? "live" : "ended";
  if (transaction.state === "pending" && transaction.pendingId) {
    // An operator's rejection ends it at once, before the client polls to hear of it.
    const pending = (await getPendingRequest(store, transaction.pendingId))?.value;
    return pending && (pending.status === "pending" || pending.status === "approved") ? "live" : "ended";
  }
  if (transaction.state === "pending" || transaction.state === "awaitingConfirmation") return "live";
  return transaction.outcome === "confirmed" || transaction.outcome === "implicitlyConfirmed" ? "replaced" : "ended";
}
