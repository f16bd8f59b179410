import { CRLReasons } from "@peculiar/asn1-x509";
import { certificateKey, decideCertificate, revokeCertificate, supersedeCertificate, type CertificateRecord } from "../ca/certificate_record.js";
import type { Store } from "../store/store.js";
import type { EngineContext } from "./engine_types.js";
import { listPendingRequests, pendingKey, ttlUntil, type AnyPendingRequest } from "./pending_request.js";
import type { TransactionRecord } from "./transaction.js";
import { releaseUpdateClaim } from "./update_claim.js";

/** What one sweep changed. */
export interface ExpirySweep {
  expiredRequests: number;
  unconfirmedCertificates: number;
  revokedCertificates: number;
}

/**
 * Expire what waited too long, on the engine's clock (so tests control it):
 * requests still waiting past their expiry, and certificates never confirmed
 * within confirmWaitTime (RFC 9810 §5.1.1.2), which are recorded as
 * unconfirmed and, when the profile says so, revoked. Their transactions are
 * closed, so a late certConf or poll is refused. The Worker runs this from a
 * cron trigger; polls also notice an expired request on their own.
 */
export async function expireStale(context: EngineContext): Promise<ExpirySweep> {
  const now = context.now();
  const sweep: ExpirySweep = { expiredRequests: 0, unconfirmedCertificates: 0, revokedCertificates: 0 };

  for (const pending of await listPendingRequests(context.store, "all")) {
    if ((pending.status !== "pending" && pending.status !== "approved") || Date.parse(pending.expiresAt) > now.getTime()) continue;
    // A request whose certificate went out (its own status update failed after) is not expired: its transaction says so.
    const transaction = (await context.store.get<TransactionRecord>(pending.transactionKey))?.value;
    const delivered = transaction !== undefined && (transaction.state !== "pending" || transaction.pendingId !== pending.id) && transaction.serial !== "";
    if (await settleRequest(context.store, pending, delivered ? "issued" : "expired", now)) {
      if (delivered) continue;
      sweep.expiredRequests++;
      await closeTransaction(context.store, pending.transactionKey, "expired", now);
      await releaseUpdateClaim(context.store, pending.supersedes, pending.transactionKey);
    }
  }

  let cursor: string | undefined;
  do {
    const page = await context.store.list<CertificateRecord>("cert/", { cursor, limit: 500 });
    for (const { value: record, version } of page.items) {
      if (record.status !== "issued") continue;
      const waitSeconds = context.config.profiles.get(record.profile)?.confirmation.waitSeconds ?? 3600;
      if (Date.parse(record.issuedAt) + waitSeconds * 1000 > now.getTime()) continue;
      const transactionKey = `txn/${record.requester}/${record.transactionID}`;
      // A certConf decided it, and its answer or its last writes were lost: finish that decision instead.
      const transaction = (await context.store.get<TransactionRecord>(transactionKey))?.value;
      if (transaction?.serial === record.serial && (transaction.outcome === "confirmed" || transaction.outcome === "rejected")) {
        const decided = await decideCertificate(context.store, record.serial, transaction.outcome, now);
        if (transaction.outcome === "rejected") await releaseUpdateClaim(context.store, record.supersedes, transactionKey);
        else if (decided?.status === "confirmed" && record.supersedes) {
          const revoke = context.config.profiles.get(record.profile)?.keyUpdate.revokeOldCertificate ?? false;
          await supersedeCertificate(context.store, record.supersedes, record.serial, revoke, now);
        }
        continue;
      }
      const unconfirmed: CertificateRecord = { ...record, status: "unconfirmed", decidedAt: now.toISOString() };
      // Compare-and-set: a certConf arriving at this moment wins or loses cleanly.
      if (!(await context.store.compareAndSet(certificateKey(record.serial), version, unconfirmed))) continue;
      sweep.unconfirmedCertificates++;
      await closeTransaction(context.store, transactionKey, "unconfirmed", now);
      await releaseUpdateClaim(context.store, record.supersedes, transactionKey);
      if (context.config.profiles.get(record.profile)?.confirmation.revokeUnconfirmed) {
        const revocation = await revokeCertificate(context.store, record.serial, CRLReasons.cessationOfOperation, now, "expiry");
        if (revocation.outcome === "revoked") sweep.revokedCertificates++;
      }
    }
    cursor = page.cursor;
  } while (cursor);
  return sweep;
}

async function settleRequest(store: Store, pending: AnyPendingRequest, status: "expired" | "issued", now: Date): Promise<boolean> {
  const entry = await store.get<AnyPendingRequest>(pendingKey(pending.id));
  if (!entry || (entry.value.status !== "pending" && entry.value.status !== "approved")) return false;
  // "issued" only ever for a certificate request: an rr or genm has no certificate to have delivered.
  const expired: AnyPendingRequest =
    status === "expired" ? { ...entry.value, status, decisionReason: "not decided in time", decidedAt: now.toISOString() } : ({ ...entry.value, status } as AnyPendingRequest);
  return store.compareAndSet(pendingKey(pending.id), entry.version, expired, { ttlSeconds: ttlUntil(expired.expiresAt, now) });
}

async function closeTransaction(store: Store, key: string, outcome: TransactionRecord["outcome"], now: Date): Promise<void> {
  const entry = await store.get<TransactionRecord>(key);
  if (!entry || entry.value.state === "closed") return;
  await store.compareAndSet(key, entry.version, { ...entry.value, state: "closed", outcome }, { ttlSeconds: ttlUntil(now.toISOString(), now, 86_400) });
}
