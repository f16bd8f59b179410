import { CmpError } from "../asn1/pki_failure_info.js";
import type { Store, Versioned } from "../store/store.js";
import { pendingKey, ttlUntil, type AnyPendingRequest } from "./pending_request.js";

/**
 * The two conditional writes a poll makes (poll_request.ts for certificate
 * requests, poll_operation.ts for rr and genm): each loses to a concurrent
 * poll or decision, and the client is told to poll again (RFC 9810 §5.3.22).
 */

/** Change a waiting request if it is still as read; its TTL follows its expiry. */
export async function settle<T extends AnyPendingRequest>(store: Store, entry: Versioned<T>, changes: Partial<T>, now: Date): Promise<T> {
  const updated = { ...entry.value, ...changes };
  if (!(await store.compareAndSet(pendingKey(entry.value.id), entry.version, updated, { ttlSeconds: ttlUntil(updated.expiresAt, now) }))) {
    throw new CmpError("badRequest", "the waiting request changed meanwhile (a concurrent poll or decision); poll again");
  }
  return updated;
}

/** A transaction's compare-and-set that must have won. */
export async function mustAdvance(written: Promise<boolean>): Promise<void> {
  if (!(await written)) throw new CmpError("badRequest", "the transaction changed meanwhile (a concurrent message); poll again");
}
