import { AsnConvert } from "@peculiar/asn1-schema";
import { toHex } from "../asn1/bytes.js";
import { CmpError } from "../asn1/pki_failure_info.js";
import { PKIBody } from "../asn1/pki_body.js";
import { PKIFreeText } from "../asn1/pki_free_text.js";
import { PollRep, PollRepContent } from "../asn1/poll.js";
import { SignerError } from "../kms/signer.js";
import type { Store, Versioned } from "../store/store.js";
import { certRepBody, rejectionStatus } from "./bodies.js";
import type { Exchange, HandlerResult } from "./exchange.js";
import { issuePending } from "./issuance.js";
import { getPendingRequest, pendingKey, ttlUntil, waitingTransactionTtl, type PendingRequest } from "./pending_request.js";
import { transactionKey, type TransactionRecord } from "./transaction.js";

/**
 * pollReq (RFC 9810 §5.3.22, RFC 9483 §4.4): while the request waits, a
 * pollRep with checkAfter; once it is decided, the final ip/cp/kup: the
 * certificate (then certConf as usual), or the rejection with its reason.
 * Every answer moves the transaction's nonce on, so the next message must
 * echo it.
 */
export async function handlePollRequest(exchange: Exchange): Promise<HandlerResult> {
  const { request, context, credentials, now } = exchange;
  const header = request.message.header;
  const key = transactionKey(credentials.identity, exchange.transactionID);
  const entry = await context.store.get<TransactionRecord>(key);
  if (!entry || entry.value.profile !== exchange.profile.name) {
    throw new CmpError("badRequest", "no request of this transactionID is waiting for this sender");
  }
  const transaction = entry.value;
  if (!header.recipNonce || toHex(header.recipNonce) !== transaction.senderNonce) {
    throw new CmpError("badRecipientNonce", "recipNonce does not match the senderNonce of our last message in this transaction");
  }
  const polls = request.message.body.pollReq!;
  if (polls.length !== 1 || polls[0]!.certReqId !== transaction.certReqId) {
    throw new CmpError("badCertId", `pollReq must ask for certReqId ${transaction.certReqId}, once`);
  }
  if (transaction.state !== "pending" || !transaction.pendingId) {
    throw new CmpError("badRequest", "nothing waits in this transaction: the answer was already given");
  }
  const pendingEntry = await getPendingRequest(context.store, transaction.pendingId);
  if (!pendingEntry) throw new CmpError("badRequest", "the waiting request is no longer known (expired)");
  let pending = pendingEntry.value;

  if ((pending.status === "pending" || pending.status === "approved") && Date.parse(pending.expiresAt) <= now.getTime()) {
    pending = await settle(context.store, pendingEntry, { status: "expired", decisionReason: "not decided in time" }, now);
  }
  // Every answer from here is our next message in the transaction.
  const advance = (changes: Partial<TransactionRecord>) =>
    context.store.compareAndSet(key, entry.version, { ...transaction, ...changes, senderNonce: toHex(exchange.senderNonce) }, {
      ttlSeconds: waitingTransactionTtl(pending.expiresAt, now, context.config.limits.transactionTtlSeconds),
    });

  switch (pending.status) {
    case "pending":
      if (pending.reason === "approval") {
        await mustAdvance(advance({}));
        return pollRep(transaction.certReqId, exchange.profile.approval.checkAfterSeconds, `waiting for approval: ${pending.holdReason ?? ""}`);
      }
      return retrySigning(exchange, pendingEntry, advance);
    case "approved":
      return retrySigning(exchange, pendingEntry, advance);
    case "rejected":
    case "expired": {
      await mustAdvance(advance({ state: "closed", outcome: pending.status === "rejected" ? "refused" : "expired" }));
      const error = new CmpError(
        pending.status === "rejected" ? "notAuthorized" : "badRequest",
        pending.status === "rejected" ? `rejected by an operator: ${pending.decisionReason ?? "no reason given"}` : "the request expired before it was approved",
      );
      exchange.log.failInfo = [...error.failInfo];
      exchange.log.reason = error.message;
      return {
        body: certRepBody(pending.responseType, { certReqId: pending.certReqId, status: rejectionStatus(error) }),
        responseType: pending.responseType,
        outcome: pending.status,
      };
    }
    default:
      throw new CmpError("badRequest", `the waiting request was already ${pending.status}`);
  }
}

/** Sign now; a signer still unavailable means another pollRep, until the attempts run out (systemUnavail). */
async function retrySigning(
  exchange: Exchange,
  pendingEntry: Versioned<PendingRequest>,
  advance: (changes: Partial<TransactionRecord>) => Promise<boolean>,
): Promise<HandlerResult> {
  const { context, now, profile } = exchange;
  const pending = pendingEntry.value;
  try {
    const result = await issuePending(exchange, pending, (transaction) => advance({ ...transaction, pendingId: undefined }));
    await settle(context.store, pendingEntry, { status: "issued" }, now);
    return result;
  } catch (error) {
    if (!(error instanceof SignerError && error.transient)) throw error;
    const attempts = pending.signingAttempts + 1;
    context.warn("signer unavailable at a poll", { transactionID: exchange.transactionID, attempts, error: error.message });
    if (attempts >= profile.signerRetry.maxAttempts) {
      await settle(context.store, pendingEntry, { status: "failed", signingAttempts: attempts, decisionReason: error.message }, now);
      await advance({ state: "closed", outcome: "refused" });
      throw new CmpError("systemUnavail", `the CA's signing service failed ${attempts} times; try again later with a new request`, { cause: error });
    }
    await settle(context.store, pendingEntry, { signingAttempts: attempts }, now);
    await mustAdvance(advance({}));
    return pollRep(pending.certReqId, profile.signerRetry.checkAfterSeconds, "the CA's signing service is unavailable; poll again");
  }
}

async function settle(store: Store, entry: Versioned<PendingRequest>, changes: Partial<PendingRequest>, now: Date): Promise<PendingRequest> {
  const updated = { ...entry.value, ...changes };
  if (!(await store.compareAndSet(pendingKey(entry.value.id), entry.version, updated, { ttlSeconds: ttlUntil(updated.expiresAt, now) }))) {
    throw new CmpError("badRequest", "the waiting request changed meanwhile (a concurrent poll or decision); poll again");
  }
  return updated;
}

async function mustAdvance(written: Promise<boolean>): Promise<void> {
  if (!(await written)) throw new CmpError("badRequest", "the transaction changed meanwhile (a concurrent message); poll again");
}

function pollRep(certReqId: number, checkAfter: number, reason: string): HandlerResult {
  const body = new PKIBody({
    pollRep: new PollRepContent([new PollRep({ certReqId, checkAfter, reason: new PKIFreeText([reason]) })]),
  });
  return { body: new Uint8Array(AsnConvert.serialize(body)), responseType: "pollRep", outcome: "waiting" };
}
