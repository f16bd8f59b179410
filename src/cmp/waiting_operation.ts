import { toHex } from "../asn1/bytes.js";
import { CmpError } from "../asn1/pki_failure_info.js";
import { waitingErrorBody } from "./bodies.js";
import type { Exchange, HandlerResult } from "./exchange.js";
import { deleteTransactionNaming, requestNonces, warnUndo } from "./issuance.js";
import { pendingKey, waitingTransactionTtl, type PendingOperation } from "./pending_request.js";
import { transactionKey, type TransactionRecord } from "./transaction.js";

/** What an rr or genm that waits keeps, besides what every waiting request keeps. */
export type HeldOperation = Pick<PendingOperation, "requestType" | "responseType" | "subjectText" | "holdReason" | "serial" | "revocationReason" | "infoItems" | "certProfiles">;

/**
 * Answer an rr or genm with an error message of status `waiting` (RFC 9483
 * §4.4: "the PKI management entity MUST respond with a message including
 * the status 'waiting'"; RFC 9810 §5.3.21-22: for any request type, polling
 * is initiated with an error message with status "waiting"). Nothing is
 * done yet: the request is stored for an operator (admin API) and the
 * transaction waits; each pollReq, certReqId -1 ("referring to the complete
 * response", §5.3.22), gets a pollRep until the decision, then the final rp
 * or genp (poll_operation.ts). Only requests that passed every check wait:
 * a refusal is answered at once.
 */
export async function waitForOperator(exchange: Exchange, held: HeldOperation): Promise<HandlerResult> {
  const { profile, context, now, credentials } = exchange;
  const key = transactionKey(credentials.identity, exchange.transactionID);
  const id = `${credentials.identity}.${exchange.transactionID}`;
  const expiresAt = new Date(now.getTime() + profile.approval.pendingTtlSeconds * 1000).toISOString();
  const pending: PendingOperation = {
    id,
    profile: profile.name,
    ...held,
    certReqId: -1,
    subjectAltNamesText: [],
    implicitConfirm: false,
    requester: credentials.identity,
    transactionKey: key,
    reason: "approval",
    signingAttempts: 0,
    status: "pending",
    createdAt: now.toISOString(),
    expiresAt,
  };
  const transaction: TransactionRecord = {
    profile: profile.name,
    requestType: held.requestType,
    state: "pending",
    certReqId: -1,
    senderNonce: toHex(exchange.senderNonce),
    requestNonces: requestNonces(exchange),
    serial: "",
    certificate: "",
    certHashAlgorithm: "",
    createdAt: now.toISOString(),
    pendingId: id,
    // rr: the certificate it names, so that the pollReqs of its holder still get through once it is revoked (protection.ts).
    revokedSerial: held.serial,
  };
  const ttlSeconds = waitingTransactionTtl(expiresAt, now, context.config.limits.transactionTtlSeconds);
  const ours = (t: TransactionRecord) => t.state === "pending" && t.senderNonce === transaction.senderNonce;
  try {
    if (!(await context.store.create(key, transaction, { ttlSeconds }))) {
      throw new CmpError("transactionIdInUse", "this transactionID is already in use; start a new transaction");
    }
    await context.store.put(pendingKey(id), pending, { ttlSeconds });
  } catch (error) {
    // A transaction must not wait for a request that was never stored; the client starts again.
    if (!(error instanceof CmpError)) {
      await deleteTransactionNaming(context, key, ours).catch((e) => warnUndo(context, "take back the waiting transaction", e));
    }
    throw error;
  }
  exchange.log.reason = held.holdReason;
  return { body: waitingErrorBody(`waiting for approval: ${held.holdReason}`), responseType: "error", outcome: "waiting (approval)" };
}
