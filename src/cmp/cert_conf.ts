import { CmpError } from "../asn1/pki_failure_info.js";
import { PVNO } from "../asn1/pki_header.js";
import { PKIStatus } from "../asn1/pki_status.js";
import { decideCertificate } from "../ca/certificate_record.js";
import { retireSuperseded } from "./issuance.js";
import { hashByOid } from "../crypto/algorithms.js";
import { digest } from "../crypto/digest.js";
import { pkiConfBody } from "./bodies.js";
import type { Exchange, HandlerResult } from "./exchange.js";
import { bytesEqual, fromBase64 } from "../asn1/bytes.js";
import { continuedTransaction, type TransactionRecord } from "./transaction.js";
import { nextNonces, stepOf } from "./nonces.js";
import { releaseUpdateClaim } from "./update_claim.js";

/**
 * certConf: the requester accepts or rejects the certificate it was sent
 * (RFC 9810 §5.3.18, RFC 9483 §4.1.1). A wrong certHash, nonce or
 * certReqId changes nothing; the first valid certConf closes the transaction.
 *
 * A certConf whose pkiConf was lost (the decision was written, the answer
 * never arrived) is repeated by the client with a fresh senderNonce and the
 * same recipNonce, certReqId, certHash and status: it gets pkiConf again and
 * finishes whatever of the decision the first attempt may not have written
 * (each of those steps is idempotent). A replay of a certConf already
 * answered (its senderNonce seen before) is refused with certConfirmed and
 * changes nothing (nonces.ts; docs/protocol.md).
 */
export async function handleCertConf(exchange: Exchange): Promise<HandlerResult> {
  const { request, context } = exchange;
  const header = request.message.header;
  const { key, entry } = await continuedTransaction(exchange, "no certificate of this transactionID awaits confirmation from this sender");
  const transaction = entry.value;
  if (transaction.state === "pending") {
    throw new CmpError("badRequest", "nothing was issued in this transaction yet: poll for it (pollReq)");
  }
  const decidedByCertConf = transaction.state === "closed" && (transaction.outcome === "confirmed" || transaction.outcome === "rejected");
  const alreadyDecided = () => new CmpError("certConfirmed", `the certificate of this transaction was already ${describe(transaction.outcome)}`);
  if (transaction.state !== "awaitingConfirmation" && !decidedByCertConf) throw alreadyDecided();
  let step: "current" | "retry";
  try {
    step = stepOf(transaction, header);
  } catch (error) {
    if (decidedByCertConf) throw alreadyDecided();
    throw error;
  }
  // Decided: only a repeat of the deciding certConf is answered. Waiting: only the answer to our certificate message counts.
  if (decidedByCertConf ? step !== "retry" : step !== "current") {
    if (decidedByCertConf) throw alreadyDecided();
    throw new CmpError("badRecipientNonce", "recipNonce does not match the senderNonce of our last message in this transaction");
  }

  const outcome = await checkCertStatus(exchange, transaction);
  const next = nextNonces(transaction, step, header, exchange.senderNonce);
  if (decidedByCertConf) {
    if (outcome !== transaction.outcome) throw alreadyDecided();
    // Remember this repeat's nonce, so a replay of it is known too.
    const repeated: TransactionRecord = { ...transaction, ...next };
    if (!(await context.store.compareAndSet(key, entry.version, repeated, { ttlSeconds: context.config.limits.transactionTtlSeconds }))) {
      throw new CmpError("certConfirmed", "the certificate of this transaction was decided by a concurrent certConf");
    }
  } else {
    const closed: TransactionRecord = { ...transaction, state: "closed", outcome, ...next };
    // compare-and-set: of two racing certConf messages exactly one decides.
    if (!(await context.store.compareAndSet(key, entry.version, closed, { ttlSeconds: context.config.limits.transactionTtlSeconds }))) {
      throw new CmpError("certConfirmed", "the certificate of this transaction was decided by a concurrent certConf");
    }
  }
  await applyDecision(exchange, transaction, outcome, key);
  exchange.log.serial = transaction.serial;
  return { body: pkiConfBody(), responseType: "pkiconf", outcome: decidedByCertConf ? `${outcome} (repeated)` : outcome };
}

/** The one CertStatus checked against what was issued: confirmed or rejected. */
async function checkCertStatus(exchange: Exchange, transaction: TransactionRecord): Promise<"confirmed" | "rejected"> {
  const header = exchange.request.message.header;
  const statuses = exchange.request.message.body.certConf!;
  if (statuses.length !== 1) {
    throw new CmpError("badRequest", `certConf must confirm exactly the one certificate issued, not ${statuses.length} (RFC 9483 §4.1.1)`);
  }
  const certStatus = statuses[0]!;
  if (!confirmsRequest(certStatus.certReqId, transaction)) {
    // RFC 9483 §4.1.1: certReqId is fixed (0); another names no request of this transaction.
    throw new CmpError("badRequest", `certReqId ${certStatus.certReqId} does not match the request (${transaction.certReqId})`);
  }
  // hashAlg exists only in cmp2021 messages (RFC 9810 §5.3.18).
  if (certStatus.hashAlg && header.pvno !== PVNO.cmp2021) {
    throw new CmpError("badRequest", "CertStatus.hashAlg requires pvno 3 (cmp2021)");
  }
  const hash = certStatus.hashAlg ? hashByOid(certStatus.hashAlg.algorithm) : transaction.certHashAlgorithm;
  const expected = await digest(hash, fromBase64(transaction.certificate));
  if (!bytesEqual(expected, new Uint8Array(certStatus.certHash))) {
    throw new CmpError("badCertId", "certHash does not match the certificate issued in this transaction");
  }
  const status = certStatus.statusInfo?.status ?? PKIStatus.accepted;
  if (status !== PKIStatus.accepted && status !== PKIStatus.grantedWithMods && status !== PKIStatus.rejection) {
    throw new CmpError("badRequest", `certConf status ${status} is neither acceptance nor rejection`);
  }
  // RFC 9810 §5.2.3: failInfo explains a rejection; beside an acceptance it contradicts the status.
  if (status !== PKIStatus.rejection && certStatus.statusInfo?.failInfo !== undefined && certStatus.statusInfo.failInfo.toNames().length > 0) {
    throw new CmpError("badRequest", "certConf accepts the certificate and gives a failInfo; a failInfo belongs only to a rejection");
  }
  return status === PKIStatus.rejection ? "rejected" : "confirmed";
}

/**
 * The CertStatus answers the transaction's request: certReqId 0 after
 * ir/cr/kur (RFC 9483 §4.1.1). After a p10cr, whose cp carries -1 (RFC 9810
 * §5.3.4), both -1 (OpenSSL) and 0 (clients that number the CertStatus like
 * any other) are accepted: there is only one certificate either can mean.
 */
function confirmsRequest(certReqId: number, transaction: TransactionRecord): boolean {
  return certReqId === transaction.certReqId || (transaction.certReqId === -1 && certReqId === 0);
}

/**
 * What follows from the decision, each step idempotent so that a repeated
 * certConf (or the expiry sweep) can finish it: the certificate's record,
 * and for kur the old certificate, replaced or free to be updated again.
 */
export async function applyDecision(exchange: Exchange, transaction: TransactionRecord, outcome: "confirmed" | "rejected", key: string): Promise<void> {
  const { store } = exchange.context;
  // A revocation that came first wins: decideCertificate changes only an `issued` record.
  const record = await decideCertificate(store, transaction.serial, outcome, exchange.now);
  if (outcome === "confirmed" && record?.status === "confirmed") await retireSuperseded(exchange, transaction.supersedes, transaction.serial);
  if (outcome === "rejected") await releaseUpdateClaim(store, transaction.supersedes, key);
}

function describe(outcome: TransactionRecord["outcome"]): string {
  return outcome === "implicitlyConfirmed" ? "implicitly confirmed" : (outcome ?? "decided");
}
