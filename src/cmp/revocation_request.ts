import { parseDer } from "../asn1/parse_der.js";
import { sameEncoding } from "../asn1/reencode.js";
import { CRLReason, CRLReasons, id_ce_cRLReasons } from "@peculiar/asn1-x509";
import { CmpError } from "../asn1/pki_failure_info.js";
import type { RevDetails } from "../asn1/revocation.js";
import { PKIStatus, PKIStatusInfo } from "../asn1/pki_status.js";
import { REVOCATION_REASONS, getCertificate, revokeCertificate } from "../ca/certificate_record.js";
import { serialNumberHex } from "../ca/serial_number.js";
import { rejectionStatus, rpBody } from "./bodies.js";
import type { Exchange, HandlerResult } from "./exchange.js";
import { transactionKey, type TransactionRecord } from "./transaction.js";


/**
 * rr: revoke one certificate of this CA by issuer and serial number (RFC 9810
 * §5.3.9, RFC 9483 §4.2), with the reason from crlEntryDetails. Allowed to the
 * certificate's own holder (signed with it) and to an RA the profile trusts.
 * A refusal specific to the certificate is an rp with status rejection; a
 * certificate already revoked stays as it was (certRevoked).
 */
export async function handleRevocationRequest(exchange: Exchange): Promise<HandlerResult> {
  const { request, context, credentials, now } = exchange;
  const details = request.message.body.rr!;
  if (details.length !== 1) throw new CmpError("badRequest", `exactly one RevDetails is accepted per rr, not ${details.length} (RFC 9483 §4.2)`);

  const key = transactionKey(credentials.identity, exchange.transactionID);
  if (await context.store.get(key)) throw new CmpError("transactionIdInUse", "this transactionID is already in use; start a new transaction");

  let status: PKIStatusInfo;
  let outcome: string;
  try {
    const serial = certificateSerial(details[0]!, exchange);
    exchange.log.serial = serial;
    const reason = requestedReason(details[0]!);
    const record = await getCertificate(context.store, serial);
    if (!record) throw new CmpError("badCertId", `this CA has no certificate with serial ${serial}`);
    const ownCertificate = credentials.kind === "signature" && credentials.issuedSerial === serial;
    if (!ownCertificate && !credentials.registrationAuthority) {
      throw new CmpError("notAuthorized", "only the certificate's holder (signing with it) or a trusted RA may revoke it");
    }
    const revocation = await revokeCertificate(context.store, serial, reason, now);
    if (revocation.outcome === "unknown") throw new CmpError("badCertId", `this CA has no certificate with serial ${serial}`);
    if (revocation.outcome === "alreadyRevoked") {
      throw new CmpError("certRevoked", `the certificate was already revoked at ${revocation.record.revokedAt}`);
    }
    status = new PKIStatusInfo({ status: PKIStatus.accepted });
    outcome = "revoked";
  } catch (error) {
    if (!(error instanceof CmpError)) throw error;
    status = rejectionStatus(error);
    outcome = "refused";
    exchange.log.failInfo = [...error.failInfo];
    exchange.log.reason = error.message;
  }

  if (outcome === "revoked") {
    // An rr is one round trip; the closed transaction only keeps its ID from being replayed.
    const transaction: Pick<TransactionRecord, "profile" | "requestType" | "state" | "createdAt"> = {
      profile: exchange.profile.name,
      requestType: "rr",
      state: "closed",
      createdAt: now.toISOString(),
    };
    await context.store.create(key, transaction, { ttlSeconds: context.config.limits.transactionTtlSeconds });
  }
  return { body: rpBody(status), responseType: "rp", outcome };
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

/** The reasonCode crlEntryDetails asks for (RFC 5280 §5.3.1); unspecified when absent. */
function requestedReason(details: RevDetails): number {
  const extension = details.crlEntryDetails?.find((e) => e.extnID === id_ce_cRLReasons);
  if (!extension) return CRLReasons.unspecified;
  let reason: number;
  try {
    reason = parseDer(extension.extnValue, CRLReason).reason;
  } catch (error) {
    throw new CmpError("badDataFormat", "the reasonCode in crlEntryDetails is malformed", { cause: error });
  }
  if (!REVOCATION_REASONS.has(reason)) throw new CmpError("badRequest", `revocation reason ${reason} is not supported`);
  return reason;
}
