import { toHex } from "../asn1/bytes.js";
import { CmpError } from "../asn1/pki_failure_info.js";
import type { PKIHeader } from "../asn1/pki_header.js";
import type { TransactionRecord } from "./transaction.js";

/**
 * Which step of the transaction a later message (certConf, pollReq) answers.
 *
 * RFC 9810 §5.1.1: "the recipNonce is copied from the senderNonce field of
 * the previous message in the transaction", and the nonces "protect the
 * PKIMessage against replay attacks". Over HTTP an answer can be lost after
 * the server acted on the request (a timeout, a dropped connection, a store
 * whose write committed but whose answer did not come back). The client then
 * repeats its step: a new message, so a fresh senderNonce, still echoing the
 * nonce of our last answer it did receive. That is `retry`: allowed, and
 * answered as the first attempt was, without changing anything twice. A
 * message whose senderNonce is one of the requests answered at that step
 * is a replay of it (only its sender can make a fresh one, because the
 * header is protected), and is refused.
 *
 *  - "current": recipNonce is our last senderNonce, the normal next step;
 *  - "retry": recipNonce is our senderNonce before that, with a new senderNonce.
 */
export function stepOf(transaction: TransactionRecord, header: PKIHeader): "current" | "retry" {
  const recipNonce = header.recipNonce ? toHex(header.recipNonce) : undefined;
  const senderNonce = header.senderNonce ? toHex(header.senderNonce) : undefined;
  if (recipNonce !== undefined && recipNonce === transaction.senderNonce) {
    // RFC 9483 §3.1: each message carries a new senderNonce; the one of the request just answered is not new.
    if (senderNonce !== undefined && (transaction.requestNonces ?? []).includes(senderNonce)) {
      throw new CmpError("badSenderNonce", "senderNonce repeats the senderNonce of the previous message of this transaction; each message needs a fresh one (RFC 9483 §3.1)");
    }
    return "current";
  }
  if (recipNonce !== undefined && recipNonce === transaction.previousSenderNonce && senderNonce !== undefined && !(transaction.requestNonces ?? []).includes(senderNonce)) {
    return "retry";
  }
  throw new CmpError("badRecipientNonce", "recipNonce does not match the senderNonce of our last message in this transaction");
}

/**
 * The nonce fields after we answer `header` with `ourNonce` (hex): the
 * normal next step moves them on; a retry answers the same step again,
 * so the nonce before it stays the one to echo should this answer be lost too.
 */
export function nextNonces(
  transaction: TransactionRecord,
  step: "current" | "retry",
  header: PKIHeader,
  ourNonce: Uint8Array,
): Pick<TransactionRecord, "senderNonce" | "previousSenderNonce" | "requestNonces"> {
  const request = header.senderNonce ? [toHex(header.senderNonce)] : [];
  return step === "current"
    ? { senderNonce: toHex(ourNonce), previousSenderNonce: transaction.senderNonce, requestNonces: request }
    : { senderNonce: toHex(ourNonce), previousSenderNonce: transaction.previousSenderNonce, requestNonces: [...(transaction.requestNonces ?? []), ...request].slice(-MAX_RETRIES) };
}

/** Retries of one step remembered (and so refused as replays); beyond it the oldest is forgotten. */
const MAX_RETRIES = 16;
