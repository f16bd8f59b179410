import { waitingErrorBody } from "./bodies.js";
import type { Exchange, HandlerResult } from "./exchange.js";
import type { PendingOperation } from "./pending_request.js";
import { storeWaiting, waitingTransaction } from "./waiting_store.js";
import { transactionKey } from "./transaction.js";

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
  // rr: the certificate it names, so that the pollReqs of its holder still get through once it is revoked (protection.ts).
  const transaction = waitingTransaction(exchange, -1, id, { requestType: held.requestType, revokedSerial: held.serial });
  await storeWaiting(context, key, transaction, { id, record: pending }, now);
  exchange.log.reason = held.holdReason;
  return { body: waitingErrorBody(`waiting for approval: ${held.holdReason}`), responseType: "error", outcome: "waiting (approval)" };
}
