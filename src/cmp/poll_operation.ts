import { CmpError } from "../asn1/pki_failure_info.js";
import type { Versioned } from "../store/store.js";
import { errorBody, rejectionStatus, rpBody } from "./bodies.js";
import type { Exchange, HandlerResult } from "./exchange.js";
import { answerHeldGeneralMessage } from "./general_message.js";
import type { PendingOperation } from "./pending_request.js";
import { applyRevocation } from "./revocation_request.js";
import type { TransactionRecord } from "./transaction.js";
import { mustAdvance, settle } from "./poll_writes.js";

/**
 * pollReq for an rr or genm that waits for an operator (RFC 9483 §4.4, RFC
 * 9810 §5.3.22 "the final response to some other type of request"): until
 * the decision a pollRep (certReqId -1) with checkAfter; after an approval
 * the final answer, done now: the rp of the revocation (nothing was revoked
 * before), or the genp; after a rejection or expiry the refusal with its
 * reason: an rp with status rejection, or for a genm an error message.
 * `advance` moves the transaction's nonces on (and closes it), as for
 * certificate requests (poll_request.ts).
 */
export async function pollOperation(
  exchange: Exchange,
  entry: Versioned<PendingOperation>,
  advance: (changes: Partial<TransactionRecord>) => Promise<boolean>,
  pollRep: (checkAfter: number, reason: string) => HandlerResult,
): Promise<HandlerResult> {
  const { context, now } = exchange;
  let pending = entry.value;
  switch (pending.status) {
    case "pending":
      await mustAdvance(advance({}));
      return pollRep(exchange.profile.approval.checkAfterSeconds, `waiting for approval: ${pending.holdReason}`);
    case "approved": {
      // Decided first, so two polls racing cannot both carry it out; then done, then the transaction closed.
      pending = await settle(context.store, entry, { status: "completed" }, now);
      const answer = await finalAnswer(exchange, pending, false);
      await mustAdvance(advance({ state: "closed", revokedSerial: pending.serial }));
      return answer;
    }
    case "rejected":
    case "expired":
      await mustAdvance(advance({ state: "closed", outcome: pending.status === "rejected" ? "refused" : "expired" }));
      return refusal(exchange, pending);
    default:
      throw new CmpError("badRequest", `the waiting request was already ${pending.status}`);
  }
}

/**
 * The final answer once more, to a pollReq repeated because its answer was
 * lost (poll_request.ts answerAgain; the nonces have moved on): the
 * revocation found done by this very request, the genp computed again, or
 * the same refusal.
 */
export function operationAnswerAgain(exchange: Exchange, pending: PendingOperation): Promise<HandlerResult> {
  if (pending.status === "completed") return finalAnswer(exchange, pending, true);
  if (pending.status === "rejected" || pending.status === "expired") return Promise.resolve(refusal(exchange, pending));
  throw new CmpError("badRequest", "nothing waits in this transaction: the answer was already given");
}

/** Carry out the approved rr or genm: a refusal of the rr itself (revoked meanwhile, ...) is its rp rejection. */
async function finalAnswer(exchange: Exchange, pending: PendingOperation, repeat: boolean): Promise<HandlerResult> {
  if (pending.requestType === "genm") return answerHeldGeneralMessage(exchange, pending);
  exchange.log.serial = pending.serial;
  try {
    const { status, outcome } = await applyRevocation(exchange, pending.serial!, pending.revocationReason!, repeat);
    return { body: rpBody(status), responseType: "rp", outcome: `${outcome} (approved)` };
  } catch (error) {
    if (!(error instanceof CmpError)) throw error;
    exchange.log.failInfo = [...error.failInfo];
    exchange.log.reason = error.message;
    return { body: rpBody(rejectionStatus(error)), responseType: "rp", outcome: "refused" };
  }
}

/** Rejected by an operator (notAuthorized) or expired undecided (badRequest), with the reason: rp rejection, or for a genm an error. */
function refusal(exchange: Exchange, pending: PendingOperation): HandlerResult {
  const error =
    pending.status === "rejected"
      ? new CmpError("notAuthorized", `rejected by an operator: ${pending.decisionReason ?? "no reason given"}`)
      : new CmpError("badRequest", "the request expired before it was approved");
  exchange.log.failInfo = [...error.failInfo];
  exchange.log.reason = error.message;
  if (pending.requestType === "rr") {
    exchange.log.serial = pending.serial;
    return { body: rpBody(rejectionStatus(error)), responseType: "rp", outcome: pending.status };
  }
  return { body: errorBody(error), responseType: "error", outcome: pending.status };
}


