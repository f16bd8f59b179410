import { CmpError } from "../asn1/pki_failure_info.js";
import { toHex } from "../asn1/bytes.js";
import type { EngineContext } from "./engine_types.js";
import type { Exchange } from "./exchange.js";
import { deleteTransactionNaming, requestNonces, warnUndo } from "./issuance.js";
import { pendingKey, waitingTransactionTtl, type PendingOperation, type PendingRequest } from "./pending_request.js";
import type { TransactionRecord } from "./transaction.js";

/**
 * Store a request that waits (RFC 9810 §5.3.22, RFC 9483 §4.4) and its
 * transaction, both living until the request expires. The transaction is
 * created first, so a transactionID already in use is refused before a
 * request is queued; and a transaction must not wait for a request that
 * was never stored, so if the request cannot be written the transaction
 * is taken back and the client starts again.
 */
export async function storeWaiting(
  context: EngineContext,
  key: string,
  transaction: TransactionRecord,
  pending: { id: string; record: PendingRequest | PendingOperation },
  now: Date,
): Promise<void> {
  const ttlSeconds = waitingTransactionTtl(pending.record.expiresAt, now, context.config.limits.transactionTtlSeconds);
  // Our own waiting transaction: the one that carries this answer's nonce.
  const ours = (t: TransactionRecord) => t.state === "pending" && t.senderNonce === transaction.senderNonce;
  try {
    if (!(await context.store.create(key, transaction, { ttlSeconds }))) {
      throw new CmpError("transactionIdInUse", "this transactionID is already in use; start a new transaction");
    }
    await context.store.put(pendingKey(pending.id), pending.record, { ttlSeconds });
  } catch (error) {
    if (!(error instanceof CmpError)) {
      await deleteTransactionNaming(context, key, ours).catch((e) => warnUndo(context, "take back the waiting transaction", e));
    }
    throw error;
  }
}

/**
 * The transaction of a request that waits: pending, bound to this answer's
 * senderNonce and the request's nonces (nonces.ts), with no certificate yet,
 * naming its waiting request; `fields` adds what the kind of request keeps.
 */
export function waitingTransaction(
  exchange: Exchange,
  certReqId: number,
  pendingId: string,
  fields: Partial<TransactionRecord> = {},
): TransactionRecord {
  return {
    profile: exchange.profile.name,
    requestType: exchange.request.type,
    state: "pending",
    certReqId,
    senderNonce: toHex(exchange.senderNonce),
    requestNonces: requestNonces(exchange),
    serial: "",
    certificate: "",
    certHashAlgorithm: "",
    createdAt: exchange.now.toISOString(),
    pendingId,
    ...fields,
  };
}
