import { CmpError } from "../asn1/pki_failure_info.js";
import { PVNO } from "../asn1/pki_header.js";
import { PKIStatus } from "../asn1/pki_status.js";
import { decideCertificate } from "../ca/certificate_record.js";
import { retireSuperseded } from "./issuance.js";
import { hashByOid } from "../crypto/algorithms.js";
import { digest } from "../crypto/digest.js";
import { pkiConfBody } from "./bodies.js";
import type { Exchange, HandlerResult } from "./exchange.js";
import { bytesEqual, fromBase64, toHex } from "../asn1/bytes.js";
import { transactionKey, type TransactionRecord } from "./transaction.js";

/**
 * certConf: the requester accepts or rejects the certificate it was sent
 * (RFC 9810 §5.3.18, RFC 9483 §4.1.1). A wrong certHash, nonce or
 * certReqId changes nothing; the first valid certConf closes the transaction.
 */
export async function handleCertConf(exchange: Exchange): Promise<HandlerResult> {
  const { request, context, credentials, profile } = exchange;
  const header = request.message.header;
  const key = transactionKey(credentials.identity, exchange.transactionID);
  const entry = await context.store.get<TransactionRecord>(key);
  if (!entry || entry.value.profile !== profile.name) {
    throw new CmpError("badRequest", "no certificate of this transactionID awaits confirmation from this sender");
  }
  const transaction = entry.value;
  if (transaction.state === "pending") {
    throw new CmpError("badRequest", "nothing was issued in this transaction yet: poll for it (pollReq)");
  }
  if (transaction.state !== "awaitingConfirmation") {
    throw new CmpError("certConfirmed", `the certificate of this transaction was already ${describe(transaction.outcome)}`);
  }
  if (!header.recipNonce || toHex(header.recipNonce) !== transaction.senderNonce) {
    throw new CmpError("badRecipientNonce", "recipNonce does not match the senderNonce of our last message in this transaction");
  }

  const statuses = request.message.body.certConf!;
  if (statuses.length !== 1) {
    throw new CmpError("badRequest", `certConf must confirm exactly the one certificate issued, not ${statuses.length} (RFC 9483 §4.1.1)`);
  }
  const certStatus = statuses[0]!;
  if (certStatus.certReqId !== transaction.certReqId) {
    throw new CmpError("badCertId", `certReqId ${certStatus.certReqId} does not match the request (${transaction.certReqId})`);
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
  const outcome = status === PKIStatus.rejection ? "rejected" : "confirmed";
  const closed: TransactionRecord = { ...transaction, state: "closed", outcome, senderNonce: toHex(exchange.senderNonce) };
  // compare-and-set: of two racing certConf messages exactly one decides.
  if (!(await context.store.compareAndSet(key, entry.version, closed, { ttlSeconds: context.config.limits.transactionTtlSeconds }))) {
    throw new CmpError("certConfirmed", "the certificate of this transaction was decided by a concurrent certConf");
  }
  // A revocation that came first wins: decideCertificate changes only an `issued` record.
  const record = await decideCertificate(context.store, transaction.serial, outcome, exchange.now);
  if (record?.status === "confirmed") await retireSuperseded(exchange, transaction.supersedes);
  exchange.log.serial = transaction.serial;

  return { body: pkiConfBody(), responseType: "pkiconf", outcome };
}

function describe(outcome: TransactionRecord["outcome"]): string {
  return outcome === "implicitlyConfirmed" ? "implicitly confirmed" : (outcome ?? "decided");
}
