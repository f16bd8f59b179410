import { fromBase64 } from "../asn1/bytes.js";
import { CmpError } from "../asn1/pki_failure_info.js";
import { PKIBody } from "../asn1/pki_body.js";
import { PKIFreeText } from "../asn1/pki_free_text.js";
import { PollRep, PollRepContent } from "../asn1/poll.js";
import { SignerError } from "../kms/signer.js";
import type { Versioned } from "../store/store.js";
import { certRepBody, rejectionStatus } from "./bodies.js";
import type { Exchange, HandlerResult } from "./exchange.js";
import { certificateAnswer, issuePending, type TransactionWriter } from "./issuance.js";
import { nextNonces, stepOf } from "./nonces.js";
import { releaseUpdateClaim } from "./update_claim.js";
import {
  getPendingRequest,
  isPendingOperation,
  pendingKey,
  pendingModifications,
  ttlUntil,
  waitingTransactionTtl,
  type AnyPendingRequest,
  type PendingOperation,
  type PendingRequest,
} from "./pending_request.js";
import { operationAnswerAgain, pollOperation } from "./poll_operation.js";
import { mustAdvance, settle } from "./poll_writes.js";
import { continuedTransaction, transactionKey, type TransactionRecord } from "./transaction.js";
import { serializeDer } from "../asn1/serialize_der.js";
import { profileForCertProfile } from "./cert_profile.js";

/**
 * pollReq (RFC 9810 §5.3.22, RFC 9483 §4.4): while the request waits, a
 * pollRep with checkAfter; once it is decided, the final ip/cp/kup: the
 * certificate (then certConf as usual), or the rejection with its reason.
 * Every answer moves the transaction's nonce on, so the next message must
 * echo it. A pollReq repeated because its answer was lost (a fresh
 * senderNonce, the previous recipNonce: nonces.ts) gets that answer again:
 * the same certificate, the same rejection, or a new pollRep.
 */
export async function handlePollRequest(exchange: Exchange): Promise<HandlerResult> {
  const { request, context, credentials, now } = exchange;
  const header = request.message.header;
  const { key, entry } = await continuedTransaction(exchange, "no request of this transactionID is waiting for this sender");
  const transaction = entry.value;
  const step = stepOf(transaction, header);
  const polls = request.message.body.pollReq!;
  // RFC 9810 §5.3.22: "the index of a CertResponse data structure with status 'waiting' or -1 referring to the complete response".
  if (polls.length !== 1 || (polls[0]!.certReqId !== transaction.certReqId && polls[0]!.certReqId !== COMPLETE_RESPONSE)) {
    throw new CmpError("badCertId", `pollReq must ask for certReqId ${transaction.certReqId}${transaction.certReqId === COMPLETE_RESPONSE ? "" : ` or ${COMPLETE_RESPONSE}`}, once`);
  }
  const pendingId = transaction.pendingId ?? `${credentials.identity}.${exchange.transactionID}`;
  if (step === "retry" && transaction.state !== "pending") return answerAgain(exchange, entry, pendingId);
  if (transaction.state !== "pending" || !transaction.pendingId) {
    throw new CmpError("badRequest", "nothing waits in this transaction: the answer was already given");
  }
  const found = await getPendingRequest(context.store, transaction.pendingId);
  if (!found) throw new CmpError("badRequest", "the waiting request is no longer known (expired)");
  let current = found.value;
  if ((current.status === "pending" || current.status === "approved") && Date.parse(current.expiresAt) <= now.getTime()) {
    current = await settle(context.store, found, { status: "expired", decisionReason: "not decided in time" }, now);
  }
  // An expired request is only refused from here: nothing compares-and-sets it again, so the version read stays.
  const anyPending = { ...found, value: current };
  const pendingEntry = anyPending as Versioned<PendingRequest>;
  const pending = pendingEntry.value;
  // Every answer from here is our next message in the transaction.
  const ttlSeconds = waitingTransactionTtl(pending.expiresAt, now, context.config.limits.transactionTtlSeconds);
  const advance = (changes: Partial<TransactionRecord>) =>
    context.store.compareAndSet(key, entry.version, { ...transaction, ...changes, ...nextNonces(transaction, step, header, exchange.senderNonce) }, { ttlSeconds });
  // Take back an advance that named `serial` (its answer may have been lost): the transaction waits again.
  const writer: TransactionWriter = {
    write: (issued) => advance({ ...issued, pendingId: undefined }),
    undo: async (serial) => {
      const current = await context.store.get<TransactionRecord>(key);
      if (current?.value.serial === serial) await context.store.compareAndSet(key, current.version, transaction, { ttlSeconds });
    },
  };

  // An rr or genm (RFC 9483 §4.4): polled for the complete response, certReqId -1.
  if (isPendingOperation(anyPending.value)) {
    return pollOperation(exchange, anyPending as Versioned<PendingOperation>, advance, (checkAfter, reason) => pollRep(askedCertReqId(exchange), checkAfter, reason));
  }

  switch (pending.status) {
    case "pending":
      if (pending.reason === "approval") {
        await mustAdvance(advance({}));
        return pollRep(askedCertReqId(exchange), exchange.profile.approval.checkAfterSeconds, `waiting for approval: ${pending.holdReason ?? ""}`);
      }
      return retrySigning(exchange, pendingEntry, advance, writer);
    case "approved":
      return retrySigning(exchange, pendingEntry, advance, writer);
    case "rejected":
    case "expired": {
      await mustAdvance(advance({ state: "closed", outcome: pending.status === "rejected" ? "refused" : "expired" }));
      // Nothing replaces the certificate a kur wanted to update: it may be updated again.
      await releaseUpdateClaim(context.store, pending.supersedes, key);
      return refusal(exchange, pending);
    }
    case "failed":
      throw new CmpError("systemUnavail", "the CA's signing service failed; try again later with a new request");
    default:
      throw new CmpError("badRequest", `the waiting request was already ${pending.status}`);
  }
}

/**
 * The final answer of this poll step again, for a client whose answer was
 * lost: nothing is decided twice, only the nonces move on (so a replay of
 * this very message is refused).
 */
async function answerAgain(exchange: Exchange, entry: Versioned<TransactionRecord>, pendingId: string): Promise<HandlerResult> {
  const { context, now } = exchange;
  const transaction = entry.value;
  const header = exchange.request.message.header;
  const key = transactionKey(exchange.credentials.identity, exchange.transactionID);
  const anyPending = (await getPendingRequest(context.store, pendingId))?.value;
  if (!anyPending) throw new CmpError("badRequest", "nothing waits in this transaction: the answer was already given");
  const moved = { ...transaction, ...nextNonces(transaction, "retry", header, exchange.senderNonce) };
  const ttlSeconds = waitingTransactionTtl(anyPending.expiresAt, now, context.config.limits.transactionTtlSeconds);
  await mustAdvance(context.store.compareAndSet(key, entry.version, moved, { ttlSeconds }));
  if (isPendingOperation(anyPending)) return operationAnswerAgain(exchange, anyPending);
  const pending = anyPending;
  if (transaction.certificate && (transaction.state === "awaitingConfirmation" || transaction.outcome === "implicitlyConfirmed")) {
    return certificateAnswer(exchange, {
      responseType: pending.responseType,
      certReqId: transaction.certReqId,
      modifications: pendingModifications(pending),
      certificate: fromBase64(transaction.certificate),
      implicitConfirm: transaction.outcome === "implicitlyConfirmed",
    });
  }
  if (transaction.certificate) throw new CmpError("badRequest", "nothing waits in this transaction: the certificate was already decided");
  if (pending.status === "rejected" || pending.status === "expired") return refusal(exchange, pending);
  throw new CmpError("systemUnavail", "the CA's signing service failed; try again later with a new request");
}

/** The final ip/cp/kup of a request an operator rejected or that expired: rejection with the reason. */
function refusal(exchange: Exchange, pending: PendingRequest): HandlerResult {
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

/** Sign now; a signer still unavailable means another pollRep, until the attempts run out (systemUnavail). */
async function retrySigning(
  exchange: Exchange,
  pendingEntry: Versioned<PendingRequest>,
  advance: (changes: Partial<TransactionRecord>) => Promise<boolean>,
  writer: TransactionWriter,
): Promise<HandlerResult> {
  const { context, now, profile } = exchange;
  const pending = pendingEntry.value;
  let result: HandlerResult;
  try {
    // Under the certificate profile the request named when it came (RFC 9810 §5.1.1.4).
    result = await issuePending({ ...exchange, profile: profileForCertProfile(profile, pending.certificateProfile) }, pending, writer);
  } catch (error) {
    if (!(error instanceof SignerError && error.transient)) throw error;
    const attempts = pending.signingAttempts + 1;
    context.warn("signer unavailable at a poll", { transactionID: exchange.transactionID, attempts, error: error.message });
    if (attempts >= profile.signerRetry.maxAttempts) {
      await settle(context.store, pendingEntry, { status: "failed", signingAttempts: attempts, decisionReason: error.message }, now);
      await advance({ state: "closed", outcome: "refused" });
      await releaseUpdateClaim(context.store, pending.supersedes, pending.transactionKey);
      throw new CmpError("systemUnavail", `the CA's signing service failed ${attempts} times; try again later with a new request`, { cause: error });
    }
    await settle(context.store, pendingEntry, { signingAttempts: attempts }, now);
    await mustAdvance(advance({}));
    return pollRep(askedCertReqId(exchange), profile.signerRetry.checkAfterSeconds, "the CA's signing service is unavailable; poll again");
  }
  // The transaction already says what was issued; the request's own status is bookkeeping
  // (the expiry sweep reads the transaction before expiring it), so its failure must not cost the answer.
  await settle(context.store, pendingEntry, { status: "issued" }, now).catch((error) =>
    context.warn("could not mark the waiting request issued", { transactionID: exchange.transactionID, error: error instanceof Error ? error.message : String(error) }),
  );
  const unsent = result.unsent;
  result.unsent = async () => {
    await unsent?.();
    // The transaction waits again: so does its request, for the next poll.
    const entry = await getPendingRequest(context.store, pending.id);
    if (entry?.value.status === "issued") {
      await context.store.compareAndSet(pendingKey(pending.id), entry.version, { ...entry.value, status: pending.status }, { ttlSeconds: ttlUntil(pending.expiresAt, now) });
    }
  };
  return result;
}



/** certReqId -1 in a pollReq: polling for the complete response (RFC 9810 §5.3.22), as for an rr or genm (RFC 9483 §4.4). */
const COMPLETE_RESPONSE = -1;

/** The certReqId the pollReq asked for (checked above): its pollRep answers with the same (RFC 9483 §4.4). */
function askedCertReqId(exchange: Exchange): number {
  return exchange.request.message.body.pollReq![0]!.certReqId;
}

function pollRep(certReqId: number, checkAfter: number, reason: string): HandlerResult {
  const body = new PKIBody({
    pollRep: new PollRepContent([new PollRep({ certReqId, checkAfter, reason: new PKIFreeText([reason]) })]),
  });
  return { body: serializeDer(body), responseType: "pollRep", outcome: "waiting" };
}
