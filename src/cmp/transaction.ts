import { CmpError } from "../asn1/pki_failure_info.js";
import type { Versioned } from "../store/store.js";
import type { Exchange } from "./exchange.js";
import type { PKIBodyType } from "../asn1/pki_body.js";
import type { Sealed } from "../crypto/sealed_secret.js";
import { toHex } from "../asn1/bytes.js";

/**
 * The state of one CMP transaction between its messages (RFC 9810 §5.1.1:
 * transactionID ties ir/ip/certConf/pkiConf together). Keyed by the sender's
 * identity and the transactionID, so one client cannot touch another's
 * transaction, and kept until its TTL so the transactionID cannot be reused.
 */
export interface TransactionRecord {
  profile: string;
  requestType: PKIBodyType;
  /** pending: answered `waiting`, decided at a later pollReq (pending_request.ts). */
  state: "pending" | "awaitingConfirmation" | "closed";
  certReqId: number;
  /** Our last senderNonce (hex): the client's next message must carry it as recipNonce. */
  senderNonce: string;
  /**
   * Our senderNonce before the last one (hex), and the senderNonces of the
   * requests answered at the last step (the first one and its retries): a
   * client whose answer was lost repeats its last step, echoing
   * previousSenderNonce with a fresh nonce of its own; a replay carries one
   * of requestNonces again and is refused (nonces.ts, docs/protocol.md).
   */
  previousSenderNonce?: string;
  requestNonces?: string[];
  /** The issued certificate, its serial and base64 DER (for the certHash check). */
  serial: string;
  certificate: string;
  /** WebCrypto name of the hash certConf's certHash uses by default (RFC 9810 §5.3.18). */
  certHashAlgorithm: string;
  createdAt: string;
  outcome?: "confirmed" | "rejected" | "implicitlyConfirmed" | "unconfirmed" | "refused" | "expired";
  /** rr: the serial of the certificate it revokes, so a repeat of it is recognised. */
  revokedSerial?: string;
  /** While pending: the PendingRequest's id. */
  pendingId?: string;
  /** kur: the serial of the certificate being updated, retired once the new one is confirmed. */
  supersedes?: string;
  /** Client mode: the end entity, and the enrollment code the transaction is MAC-keyed with (sealed). */
  entity?: string;
  sealedCode?: Sealed;
}

/**
 * The record of a one-round-trip exchange (rr, genm), closed as it starts: it
 * keeps the transactionID from being reused (RFC 9810 §5.1.1) and remembers
 * the request's senderNonce, so that a replay is refused and a repeat with a
 * fresh nonce is known (nonces.ts).
 */
export function closedTransaction(exchange: Exchange, requestType: PKIBodyType, fields: Partial<TransactionRecord> = {}): TransactionRecord {
  const nonce = exchange.request.message.header.senderNonce;
  return {
    profile: exchange.profile.name,
    requestType,
    state: "closed",
    certReqId: 0,
    senderNonce: toHex(exchange.senderNonce),
    requestNonces: nonce ? [toHex(nonce)] : [],
    serial: "",
    certificate: "",
    certHashAlgorithm: "",
    createdAt: exchange.now.toISOString(),
    ...fields,
  };
}

export function transactionKey(senderIdentity: string, transactionID: string): string {
  return `txn/${senderIdentity}/${transactionID}`;
}

/**
 * The transaction a later message (certConf, pollReq, error) continues: the
 * one this sender began under this transactionID and profile, or
 * badRequest saying `missing`.
 */
export async function continuedTransaction(exchange: Exchange, missing: string): Promise<{ key: string; entry: Versioned<TransactionRecord> }> {
  const key = transactionKey(exchange.credentials.identity, exchange.transactionID);
  const entry = await exchange.context.store.get<TransactionRecord>(key);
  if (!entry || entry.value.profile !== exchange.profile.name) throw new CmpError("badRequest", missing);
  return { key, entry };
}
