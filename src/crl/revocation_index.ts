import type { Store } from "../store/store.js";
import type { CertificateRecord } from "../ca/certificate_record.js";

/**
 * The index of revoked serials that CRLs are built from (RFC 5280 §5.1.2.6):
 * one small entry per certificate on the CRL, so that building one lists
 * only what it lists, not every certificate ever issued.
 *
 * Every change also bumps one revision counter. A CRL remembers the revision
 * it was built from; a later revision means a revocation it may lack, and
 * the next reader builds a new one (crl_publisher.ts). The index entry is
 * written before the bump, so a builder that read the revision before
 * listing sees every change it claims to cover.
 */
export interface RevokedIndexEntry {
  /** Lower-case hex, as certificate records are keyed. */
  serial: string;
  revokedAt: string;
  /** CRLReason (RFC 5280 §5.3.1); 6 is certificateHold. */
  reason: number;
  notAfter: string;
}

const PREFIX = "crl/revoked/";
const REVISION_KEY = "crl/revision";

/**
 * An entry stays well past its certificate's notAfter: RFC 5280 §3.3 keeps a
 * revoked certificate on at least one CRL issued after it expired, and the
 * builder drops the expired ones itself; the store's TTL only reclaims space.
 */
const KEEP_AFTER_EXPIRY_SECONDS = 90 * 86_400;

export function revokedIndexKey(serial: string): string {
  return `${PREFIX}${serial}`;
}

/** Put a revoked (or held) certificate on the index, then bump the revision. Idempotent. */
export async function indexRevocation(store: Store, record: CertificateRecord, now: Date): Promise<void> {
  if (!(await writeEntry(store, record, now))) return;
  await bumpRevision(store);
}

async function writeEntry(store: Store, record: CertificateRecord, now: Date): Promise<boolean> {
  if (record.status !== "revoked" || !record.revokedAt) return false;
  const entry: RevokedIndexEntry = { serial: record.serial, revokedAt: record.revokedAt, reason: record.revocationReason ?? 0, notAfter: record.notAfter };
  const ttlSeconds = Math.max(60, Math.ceil((Date.parse(record.notAfter) - now.getTime()) / 1000) + KEEP_AFTER_EXPIRY_SECONDS);
  await store.put(revokedIndexKey(record.serial), entry, { ttlSeconds });
  return true;
}

/**
 * Index the certificates revoked before the index existed (a deployment that
 * revoked before it published CRLs): one scan of the certificate records,
 * run before a CA's first CRL is built and never again for that CA. Returns
 * how many it indexed. Without it, those revocations would be missing from
 * every CRL while OCSP, which reads the records, reported them.
 */
export async function backfillRevocationIndex(store: Store, now: Date): Promise<number> {
  let indexed = 0;
  let cursor: string | undefined;
  do {
    const page = await store.list<CertificateRecord>("cert/", { cursor, limit: 500 });
    for (const { value } of page.items) if (await writeEntry(store, value, now)) indexed++;
    cursor = page.cursor;
  } while (cursor);
  return indexed;
}

/** Take a certificate off the index (a hold lifted, a revocation undone), then bump the revision. */
export async function unindexRevocation(store: Store, serial: string): Promise<void> {
  await store.delete(revokedIndexKey(serial));
  await bumpRevision(store);
}

/** Every entry, a page at a time, in serial order. */
export async function* revokedEntries(store: Store, pageSize = 1000): AsyncGenerator<RevokedIndexEntry> {
  let cursor: string | undefined;
  do {
    const page = await store.list<RevokedIndexEntry>(PREFIX, { cursor, limit: pageSize });
    for (const item of page.items) yield item.value;
    cursor = page.cursor;
  } while (cursor);
}

/** How many changes the index has seen; 0 before the first. */
export async function indexRevision(store: Store): Promise<number> {
  return (await store.get<{ revision: number }>(REVISION_KEY))?.value.revision ?? 0;
}

/**
 * Compare-and-set, so that of concurrent revocations none is lost: each
 * leaves the counter higher than any CRL built before its entry was written.
 * Contention only means another round; a store failure propagates.
 */
async function bumpRevision(store: Store): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const current = await store.get<{ revision: number }>(REVISION_KEY);
    const written = current
      ? await store.compareAndSet(REVISION_KEY, current.version, { revision: current.value.revision + 1 })
      : await store.create(REVISION_KEY, { revision: 1 });
    if (written) return;
  }
  throw new Error("the CRL revision counter changed under fifty attempts in a row");
}
