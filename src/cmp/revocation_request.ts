import { getUnlessNew } from "../store/message_store.js";
import { sameEncoding } from "../asn1/reencode.js";
import { CmpError } from "../asn1/pki_failure_info.js";
import type { RevDetails } from "../asn1/revocation.js";
import { PKIStatus, PKIStatusInfo } from "../asn1/pki_status.js";
import { PKIFreeText } from "../asn1/pki_free_text.js";
import { CERTIFICATE_HOLD, REMOVE_FROM_CRL, getCertificate, releaseHold, revokeCertificate, type CertificateRecord } from "../ca/certificate_record.js";
import { parseCertificate } from "../crypto/parsed_certificate.js";
import { checkCertDetails, requestedReason } from "./revocation_details.js";
import { serialNumberHex } from "../ca/serial_number.js";
import { rejectionStatus, rpBody } from "./bodies.js";
import type { Exchange, HandlerResult } from "./exchange.js";
import { closedTransaction, transactionKey, type TransactionRecord } from "./transaction.js";
import { nextNonces } from "./nonces.js";
import { fromBase64, toHex } from "../asn1/bytes.js";
import { revocationHoldReason } from "./approval.js";
import { waitForOperator } from "./waiting_operation.js";


/**
 * rr: revoke one certificate of this CA by issuer and serial number (RFC 9810
 * §5.3.9, RFC 9483 §4.2), with the reason from crlEntryDetails; what else
 * certDetails says must be true of it (revocation_details.ts). Allowed to the
 * certificate's own holder (signed with it) and to an RA the profile trusts.
 * A refusal specific to the certificate is an rp with status rejection; a
 * certificate already revoked stays as it was (certRevoked).
 *
 * certificateHold suspends the certificate and removeFromCRL lifts the hold
 * (RFC 5280 §5.3.1; EJBCA offers both): the holder may lift its own hold,
 * signing with the held certificate (protection.ts lets that one request
 * through), as may a trusted RA.
 *
 * The transaction is written before the revocation, naming the certificate:
 * an rr whose rp was lost (the revocation done or not) is repeated by its
 * sender with the same transactionID and a fresh senderNonce, and gets the
 * rp again, the revocation finished if it was not (nonces.ts). A replay (a
 * senderNonce seen before) is refused with transactionIdInUse, as any reuse
 * of the transactionID is.
 */
export async function handleRevocationRequest(exchange: Exchange): Promise<HandlerResult> {
  const { request, context, credentials, now } = exchange;
  const details = request.message.body.rr!;
  if (details.length !== 1) throw new CmpError("badRequest", `exactly one RevDetails is accepted per rr, not ${details.length} (RFC 9483 §4.2)`);

  const key = transactionKey(credentials.identity, exchange.transactionID);
  // A repeat is rare: on a MessageStore the commit's "absent" condition finds it, and the message runs again to recognise it.
  const existing = await getUnlessNew<TransactionRecord>(context.store, key);
  const repeat = existing && isRepeat(existing.value, details[0]!, exchange) ? existing : undefined;
  if (existing && !repeat) throw new CmpError("transactionIdInUse", "this transactionID is already in use; start a new transaction");

  let status: PKIStatusInfo;
  let outcome: string;
  try {
    const serial = certificateSerial(details[0]!, exchange);
    exchange.log.serial = serial;
    const reason = requestedReason(details[0]!.crlEntryDetails);
    const record = await getCertificate(context.store, serial);
    if (!record) throw new CmpError("badCertId", `this CA has no certificate with serial ${serial}`);
    const ownCertificate = credentials.kind === "signature" && credentials.issuedSerial === serial;
    if (!ownCertificate && !credentials.registrationAuthority) {
      throw new CmpError("notAuthorized", "only the certificate's holder (signing with it) or a trusted RA may revoke it");
    }
    // After the authorization: what a certificate holds is told only to who may revoke it.
    checkCertDetails(details[0]!.certDetails, parseCertificate(fromBase64(record.der)).certificate);
    if (repeat) {
      // Remember this repeat's nonce, so a replay of it is refused too.
      const moved: TransactionRecord = { ...repeat.value, ...nextNonces(repeat.value, "retry", request.message.header, exchange.senderNonce) };
      if (!(await context.store.compareAndSet(key, repeat.version, moved, { ttlSeconds: context.config.limits.transactionTtlSeconds }))) {
        throw new CmpError("transactionIdInUse", "this transactionID is already in use; start a new transaction");
      }
    } else {
      refuseFinished(record, reason);
      // RFC 9483 §4.4: an rr the profile holds waits for an operator; nothing is revoked until then.
      const hold = revocationHoldReason(exchange.profile, !ownCertificate);
      if (hold) {
        return await waitForOperator(exchange, {
          requestType: "rr",
          responseType: "rp",
          subjectText: record.subject,
          holdReason: hold,
          serial,
          revocationReason: reason,
        });
      }
      await startTransaction(exchange, key, serial);
    }
    ({ status, outcome } = await applyRevocation(exchange, serial, reason, repeat !== undefined));
  } catch (error) {
    if (!(error instanceof CmpError) || error.failInfo.includes("transactionIdInUse")) throw error;
    status = rejectionStatus(error);
    outcome = "refused";
    exchange.log.failInfo = [...error.failInfo];
    exchange.log.reason = error.message;
  }
  return { body: rpBody(status), responseType: "rp", outcome };
}

/**
 * Revoke (or hold, or lift a hold) now: the rr's checks passed, its
 * transaction is written, or an operator approved it (poll_operation.ts).
 * `repeat`: the same rr again, which finds its own change done and answers
 * as the first time. A refusal is thrown as CmpError, for an rp rejection.
 */
export async function applyRevocation(exchange: Exchange, serial: string, reason: number, repeat: boolean): Promise<{ status: PKIStatusInfo; outcome: string }> {
  const { context, now } = exchange;
  if (reason === REMOVE_FROM_CRL) {
    const release = await releaseHold(context.store, serial);
    if (release.outcome === "unknown") throw new CmpError("badCertId", `this CA has no certificate with serial ${serial}`);
    // A repeat finds the hold its first attempt lifted.
    if (release.outcome === "notHeld" && !(repeat && release.record.status !== "revoked")) refuseFinished(release.record, reason);
    const status = new PKIStatusInfo({ status: PKIStatus.accepted, statusString: new PKIFreeText([`hold on certificate ${serial} lifted`]) });
    return { status, outcome: repeat ? "hold lifted (repeated)" : "hold lifted" };
  }
  const revocation = await revokeCertificate(context.store, serial, reason, now, `rr:${exchange.credentials.identity}`);
  if (revocation.outcome === "unknown") throw new CmpError("badCertId", `this CA has no certificate with serial ${serial}`);
  // A repeat finds the revocation its first attempt made; anyone else found it revoked by another request.
  if (revocation.outcome === "alreadyRevoked" && !repeat) {
    throw new CmpError("certRevoked", `the certificate was already revoked at ${revocation.record.revokedAt}`);
  }
  // A statusString that says what happened: strict clients read it, as they read a rejection's.
  const held = reason === CERTIFICATE_HOLD;
  const status = new PKIStatusInfo({ status: PKIStatus.accepted, statusString: new PKIFreeText([`certificate ${serial} ${held ? "put on hold" : "revoked"}`]) });
  return { status, outcome: `${held ? "held" : "revoked"}${repeat ? " (repeated)" : ""}` };
}

/**
 * What the certificate's state rules out before anything is written
 * (RFC 5280 §5.3.1): a revoked one cannot be revoked again, except that a
 * hold can be made final; removeFromCRL lifts a hold and nothing else.
 */
function refuseFinished(record: CertificateRecord, reason: number): void {
  const held = record.status === "revoked" && record.revocationReason === CERTIFICATE_HOLD;
  if (reason === REMOVE_FROM_CRL) {
    if (held) return;
    if (record.status === "revoked") throw new CmpError("certRevoked", `the certificate was revoked at ${record.revokedAt}; only a certificateHold can be lifted`);
    throw new CmpError("badRequest", "the certificate is not on hold; removeFromCRL only lifts a certificateHold (RFC 5280 §5.3.1)");
  }
  if (record.status !== "revoked") return;
  if (held && reason !== CERTIFICATE_HOLD) return;
  throw new CmpError("certRevoked", `the certificate was already ${held ? "put on hold" : "revoked"} at ${record.revokedAt}`);
}

/**
 * An rr is one round trip; its transaction keeps the ID from being reused,
 * and names the certificate so that a repeat of this rr is known.
 */
async function startTransaction(exchange: Exchange, key: string, serial: string): Promise<void> {
  const { context } = exchange;
  const transaction = closedTransaction(exchange, "rr", { revokedSerial: serial });
  if (!(await context.store.create(key, transaction, { ttlSeconds: context.config.limits.transactionTtlSeconds }))) {
    throw new CmpError("transactionIdInUse", "this transactionID is already in use; start a new transaction");
  }
}

/** The same rr again with a fresh senderNonce: same profile, same certificate, a nonce not seen in this transaction. */
function isRepeat(transaction: TransactionRecord, details: RevDetails, exchange: Exchange): boolean {
  // A waiting rr is no repeat: resending it must not carry it out before the approval (RFC 9483 §4.4).
  if (transaction.requestType !== "rr" || transaction.state === "pending" || transaction.profile !== exchange.profile.name || !transaction.revokedSerial) return false;
  const nonce = exchange.request.message.header.senderNonce;
  if (!nonce || (transaction.requestNonces ?? []).includes(toHex(nonce))) return false;
  try {
    return certificateSerial(details, exchange) === transaction.revokedSerial;
  } catch {
    return false;
  }
}

/** certDetails must name this CA as issuer and a serial number (RFC 9483 §4.2). */
function certificateSerial(details: RevDetails, exchange: Exchange): string {
  const { issuer, serialNumber } = details.certDetails;
  if (!issuer || !serialNumber) throw new CmpError("badCertId", "certDetails must carry the issuer and serialNumber of the certificate");
  if (!sameEncoding(issuer, exchange.ca.name)) {
    throw new CmpError("badCertId", "the certificate was not issued by this CA");
  }
  try {
    return serialNumberHex(serialNumber);
  } catch (error) {
    throw new CmpError("badCertId", "the serial number is not a positive integer", { cause: error });
  }
}
