import { CmpError } from "../asn1/pki_failure_info.js";
import { pkiConfBody } from "./bodies.js";
import { applyDecision } from "./cert_conf.js";
import type { Exchange, HandlerResult } from "./exchange.js";
import { nextNonces, stepOf } from "./nonces.js";
import { getPendingRequest, pendingKey, ttlUntil } from "./pending_request.js";
import { releaseUpdateClaim } from "./update_claim.js";
import { continuedTransaction, type TransactionRecord } from "./transaction.js";

/**
 * An `error` message from the client (RFC 9810 §5.3.21): "If the client
 * sends this request, the server MUST respond with a pkiconf response or
 * another error message if any part of the header is not valid." It names
 * a transaction of this sender (transactionID, recipNonce as for certConf:
 * nonces.ts) and ends it:
 *
 *  - a certificate awaiting certConf is rejected, as by a certConf with
 *    status rejection (RFC 9483 §4.1.1): it never counts as issued, and a
 *    kur's old certificate may be updated again;
 *  - a request waiting for approval or for the signer is withdrawn
 *    (recorded as rejected, with the client's reason), so no certificate
 *    is issued for it later;
 *  - a transaction already ended stays as it is, and the error is
 *    acknowledged again (a repeat whose pkiConf was lost).
 */
export async function handleClientError(exchange: Exchange): Promise<HandlerResult> {
  const { request, context } = exchange;
  const header = request.message.header;
  const { key, entry } = await continuedTransaction(exchange, "no transaction of this transactionID is known for this sender");
  const transaction = entry.value;
  const step = stepOf(transaction, header);
  const reason = describeClientError(exchange);
  exchange.log.reason = reason;
  const ttlSeconds = context.config.limits.transactionTtlSeconds;
  const ended: TransactionRecord =
    transaction.state === "closed"
      ? { ...transaction, ...nextNonces(transaction, step, header, exchange.senderNonce) }
      : { ...transaction, state: "closed", outcome: "rejected", pendingId: undefined, ...nextNonces(transaction, step, header, exchange.senderNonce) };
  if (!(await context.store.compareAndSet(key, entry.version, ended, { ttlSeconds }))) {
    throw new CmpError("badRequest", "the transaction changed meanwhile (a concurrent message); send the error again");
  }
  if (transaction.state === "awaitingConfirmation") {
    await applyDecision(exchange, transaction, "rejected", key);
    exchange.log.serial = transaction.serial;
  } else if (transaction.state === "pending" && transaction.pendingId) {
    await withdrawPending(exchange, transaction.pendingId, reason);
  }
  const outcome = transaction.state === "closed" ? "error acknowledged (transaction already ended)" : "transaction ended by the client";
  return { body: pkiConfBody(), responseType: "pkiconf", outcome };
}

/** The waiting request will not be issued: rejected with the client's reason, and its kur claim released. */
async function withdrawPending(exchange: Exchange, id: string, reason: string): Promise<void> {
  const { store } = exchange.context;
  for (let attempt = 0; attempt < 5; attempt++) {
    const entry = await getPendingRequest(store, id);
    if (!entry || (entry.value.status !== "pending" && entry.value.status !== "approved")) return;
    const withdrawn = { ...entry.value, status: "rejected" as const, decisionReason: `withdrawn by the requester: ${reason}`, decidedAt: exchange.now.toISOString() };
    if (await store.compareAndSet(pendingKey(id), entry.version, withdrawn, { ttlSeconds: ttlUntil(withdrawn.expiresAt, exchange.now) })) {
      await releaseUpdateClaim(store, withdrawn.supersedes, withdrawn.transactionKey);
      return;
    }
  }
}

/** What the client said, for the log and the withdrawn request: its failInfo bits and text, bounded. */
function describeClientError(exchange: Exchange): string {
  const content = exchange.request.message.body.error!;
  const status = content.pKIStatusInfo;
  const bits = status.failInfo?.toNames() ?? [];
  const text = [...(status.statusString ?? []), ...(content.errorDetails ?? [])].join("; ");
  return `${bits.length > 0 ? bits.join(",") : "no failInfo"}${text ? `: ${text}` : ""}`.replace(/[^\x20-\x7e]/g, "?").slice(0, 300);
}
