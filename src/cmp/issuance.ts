import { AsnConvert } from "@peculiar/asn1-schema";
import { reencode } from "../asn1/reencode.js";
import { CRLReasons, GeneralNames, Name } from "@peculiar/asn1-x509";
import { fromBase64, toBase64, toHex } from "../asn1/bytes.js";
import { InfoTypeAndValue } from "../asn1/info_type_and_value.js";
import { id_it_implicitConfirm } from "../asn1/oids.js";
import { CmpError } from "../asn1/pki_failure_info.js";
import type { PKIHeader } from "../asn1/pki_header.js";
import { PKIFreeText } from "../asn1/pki_free_text.js";
import { PKIStatus, PKIStatusInfo } from "../asn1/pki_status.js";
import { issueCertificate, type IssuedCertificate } from "../ca/certificate_builder.js";
import { certificateKey, revokeCertificate, type CertificateRecord } from "../ca/certificate_record.js";
import { formatDistinguishedName } from "../ca/distinguished_name.js";
import { formatGeneralName } from "../ca/general_name_text.js";
import { certHashAlgorithm } from "../crypto/algorithms.js";
import { SignerError } from "../kms/signer.js";
import { holdReason } from "./approval.js";
import { certRepBody } from "./bodies.js";
import type { Exchange, HandlerResult } from "./exchange.js";
import { pendingKey, waitingTransactionTtl, type PendingRequest } from "./pending_request.js";
import { commitRegistration, planRegistration, type RegistrationPlan } from "./registration.js";
import { transactionKey, type TransactionRecord } from "./transaction.js";

const NULL_DER = Uint8Array.of(0x05, 0x00);

/** A certificate request that passed its checks: what to certify. */
export interface ApprovedRequest {
  /** 0 for ir/cr/kur, -1 for p10cr (RFC 9810 §5.3.4). */
  certReqId: number;
  subject: Name;
  subjectAltName?: GeneralNames;
  /** DER SubjectPublicKeyInfo, certified byte for byte. */
  publicKey: Uint8Array;
  /** The request asked for something not granted: answer grantedWithMods. */
  modified: boolean;
  /** kur: the serial of the certificate being updated. */
  supersedes?: string;
}

type ResponseType = "ip" | "cp" | "kup";

/** What is needed to sign, record and answer, whether now or after waiting. */
interface Delivery {
  approved: ApprovedRequest;
  responseType: ResponseType;
  implicitConfirm: boolean;
  registration?: Pick<RegistrationPlan, "username" | "kind" | "codeIv">;
}

/**
 * The first answer to ir/cr/kur/p10cr: issue, record, then answer
 * (DESIGN.md) — or answer `waiting` (RFC 9810 §5.2.3) when an operator must
 * approve or the signer is unavailable for now, and finish at a later pollReq.
 */
export async function issueAndAnswer(exchange: Exchange, requested: ApprovedRequest, responseType: ResponseType): Promise<HandlerResult> {
  const { request, profile, context, credentials } = exchange;
  const key = transactionKey(credentials.identity, exchange.transactionID);
  if (await context.store.get(key)) {
    throw new CmpError("transactionIdInUse", "this transactionID is already in use; start a new transaction");
  }
  // Client mode: the registered end entity decides, and is consumed at issuance.
  const registration = await planRegistration(exchange, requested);
  const delivery: Delivery = {
    approved: registration?.approved ?? requested,
    responseType,
    implicitConfirm: profile.implicitConfirm && asksImplicitConfirm(request.message.header),
    registration,
  };

  const hold = holdReason(profile, delivery.approved);
  if (hold) return wait(exchange, delivery, "approval", hold);
  let issued: IssuedCertificate;
  try {
    issued = await sign(exchange, delivery.approved);
  } catch (error) {
    if (error instanceof SignerError && error.transient) {
      context.warn("signer unavailable; the request waits", { transactionID: exchange.transactionID, error: error.message });
      return wait(exchange, delivery, "signer");
    }
    throw error;
  }
  // create-if-absent: of two racing requests with one transactionID, one wins (docs/store.md).
  return recordAndAnswer(exchange, delivery, issued, (transaction) =>
    context.store.create(key, transaction, { ttlSeconds: context.config.limits.transactionTtlSeconds }),
  );
}

/** A pending request whose time has come (approved, or a signer retry): sign and deliver, answering the pollReq. */
export async function issuePending(
  exchange: Exchange,
  pending: PendingRequest,
  writeTransaction: (transaction: TransactionRecord) => Promise<boolean>,
): Promise<HandlerResult> {
  const approved: ApprovedRequest = {
    certReqId: pending.certReqId,
    subject: AsnConvert.parse(fromBase64(pending.subject), Name),
    subjectAltName: pending.subjectAltName ? AsnConvert.parse(fromBase64(pending.subjectAltName), GeneralNames) : undefined,
    publicKey: fromBase64(pending.publicKey),
    modified: pending.modified,
    supersedes: pending.supersedes,
  };
  const delivery: Delivery = {
    approved,
    responseType: pending.responseType,
    implicitConfirm: pending.implicitConfirm,
    registration: pending.entity ? { username: pending.entity, kind: pending.requestType === "kur" ? "update" : "enroll", codeIv: pending.codeIv } : undefined,
  };
  const issued = await sign(exchange, approved);
  return recordAndAnswer(exchange, delivery, issued, writeTransaction);
}

function sign(exchange: Exchange, approved: ApprovedRequest): Promise<IssuedCertificate> {
  const { context, profile, now } = exchange;
  return issueCertificate({
    ca: context.ca,
    subject: approved.subject,
    subjectPublicKeyInfo: approved.publicKey,
    subjectAltName: approved.subjectAltName,
    profile: profile.certificate,
    now,
    randomBytes: context.randomBytes,
  });
}

/**
 * Claim the transaction (its record now says what was issued), consume the
 * registration, record the certificate, and only then answer with it.
 */
async function recordAndAnswer(
  exchange: Exchange,
  delivery: Delivery,
  issued: IssuedCertificate,
  writeTransaction: (transaction: TransactionRecord) => Promise<boolean>,
): Promise<HandlerResult> {
  const { request, profile, context, ca, now, credentials } = exchange;
  const { approved, implicitConfirm, responseType } = delivery;
  const key = transactionKey(credentials.identity, exchange.transactionID);
  exchange.log.serial = issued.serialNumber;

  const createdAt = now.toISOString();
  const transaction: TransactionRecord = {
    profile: profile.name,
    requestType: request.type === "pollReq" ? requestTypeOf(responseType) : request.type,
    state: implicitConfirm ? "closed" : "awaitingConfirmation",
    certReqId: approved.certReqId,
    senderNonce: toHex(exchange.senderNonce),
    serial: issued.serialNumber,
    certificate: toBase64(issued.der),
    certHashAlgorithm: certHashAlgorithm(context.ca.signer.algorithm).name,
    createdAt,
    outcome: implicitConfirm ? "implicitlyConfirmed" : undefined,
    supersedes: approved.supersedes,
    entity: delivery.registration?.username,
    sealedCode: credentials.kind === "mac" ? credentials.enrollment?.sealedCode : undefined,
  };
  if (!(await writeTransaction(transaction))) {
    throw new CmpError("transactionIdInUse", "this transactionID is already in use; start a new transaction");
  }
  if (delivery.registration) {
    try {
      await commitRegistration(context.store, delivery.registration, issued.serialNumber, now);
    } catch (error) {
      // The registration went to another request: this certificate is never recorded nor sent.
      await context.store.delete(key).catch(() => undefined);
      throw error;
    }
  }
  const record: CertificateRecord = {
    serial: issued.serialNumber,
    subject: formatDistinguishedName(approved.subject),
    issuer: formatDistinguishedName(ca.name),
    notBefore: issued.notBefore.toISOString(),
    notAfter: issued.notAfter.toISOString(),
    status: implicitConfirm ? "confirmed" : "issued",
    profile: profile.name,
    der: transaction.certificate,
    requester: credentials.identity,
    transactionID: exchange.transactionID,
    issuedAt: createdAt,
    decidedAt: implicitConfirm ? createdAt : undefined,
    supersedes: approved.supersedes,
    entity: delivery.registration?.username,
  };
  try {
    await context.store.put(certificateKey(issued.serialNumber), record);
  } catch (error) {
    // Not recorded, so never sent: free the transactionID for a retry.
    await context.store.delete(key).catch(() => undefined);
    throw new CmpError("systemUnavail", "the certificate could not be recorded; try again later", { cause: error });
  }
  if (implicitConfirm) await retireSuperseded(exchange, approved.supersedes);

  const status = new PKIStatusInfo({ status: approved.modified ? PKIStatus.grantedWithMods : PKIStatus.accepted });
  return {
    // caPubs: the trust anchor a new device stores (-cacertsout); ip only (DESIGN.md).
    body: certRepBody(responseType, { certReqId: approved.certReqId, status, certificate: issued.der }, responseType === "ip" ? ca.chain : undefined),
    responseType,
    outcome: implicitConfirm ? "issued (implicitly confirmed)" : "issued",
    generalInfo: implicitConfirm ? [new InfoTypeAndValue({ infoType: id_it_implicitConfirm, infoValue: NULL_DER.slice().buffer })] : undefined,
    // RFC 9483 §4.1.1: extraCerts SHOULD carry the chain of the new certificate.
    extraCerts: ca.chain,
  };
}

/**
 * Answer `waiting` with no certificate (RFC 9810 §5.2.3): the client polls
 * (§5.3.22). Everything needed to issue later is stored, so any instance can
 * answer the polls.
 */
async function wait(exchange: Exchange, delivery: Delivery, reason: "approval" | "signer", holdText?: string): Promise<HandlerResult> {
  const { request, profile, context, now, credentials } = exchange;
  const { approved } = delivery;
  const key = transactionKey(credentials.identity, exchange.transactionID);
  const id = `${credentials.identity}.${exchange.transactionID}`;
  const expiresAt = new Date(now.getTime() + (reason === "approval" ? profile.approval.pendingTtlSeconds : pendingSignerSeconds(exchange)) * 1000).toISOString();
  const pending: PendingRequest = {
    id,
    profile: profile.name,
    requestType: request.type as PendingRequest["requestType"],
    responseType: delivery.responseType,
    certReqId: approved.certReqId,
    subject: toBase64(reencode(approved.subject, "the subject")),
    subjectAltName: approved.subjectAltName ? toBase64(reencode(approved.subjectAltName, "the subjectAltName")) : undefined,
    publicKey: toBase64(approved.publicKey),
    subjectText: formatDistinguishedName(approved.subject),
    subjectAltNamesText: (approved.subjectAltName ?? []).map((name) => formatGeneralName(name) ?? "(other)"),
    modified: approved.modified,
    supersedes: approved.supersedes,
    entity: delivery.registration?.username,
    codeIv: delivery.registration?.codeIv,
    implicitConfirm: delivery.implicitConfirm,
    requester: credentials.identity,
    transactionKey: key,
    reason,
    holdReason: holdText,
    signingAttempts: reason === "signer" ? 1 : 0,
    status: "pending",
    createdAt: now.toISOString(),
    expiresAt,
  };
  const transaction: TransactionRecord = {
    profile: profile.name,
    requestType: request.type,
    state: "pending",
    certReqId: approved.certReqId,
    senderNonce: toHex(exchange.senderNonce),
    serial: "",
    certificate: "",
    certHashAlgorithm: "",
    createdAt: now.toISOString(),
    pendingId: id,
    entity: delivery.registration?.username,
    sealedCode: credentials.kind === "mac" ? credentials.enrollment?.sealedCode : undefined,
  };
  const ttlSeconds = waitingTransactionTtl(expiresAt, now, context.config.limits.transactionTtlSeconds);
  if (!(await context.store.create(key, transaction, { ttlSeconds }))) {
    throw new CmpError("transactionIdInUse", "this transactionID is already in use; start a new transaction");
  }
  await context.store.put(pendingKey(id), pending, { ttlSeconds });
  const text = reason === "approval" ? `waiting for approval: ${holdText}` : "the CA's signing service is unavailable; poll again";
  return {
    body: certRepBody(delivery.responseType, {
      certReqId: approved.certReqId,
      status: new PKIStatusInfo({ status: PKIStatus.waiting, statusString: new PKIFreeText([text]) }),
    }),
    responseType: delivery.responseType,
    outcome: reason === "approval" ? "waiting (approval)" : "waiting (signer)",
  };
}

/** How long a request waiting for the signer may wait: its retries, with room. */
function pendingSignerSeconds(exchange: Exchange): number {
  const { maxAttempts, checkAfterSeconds } = exchange.profile.signerRetry;
  return Math.max(600, maxAttempts * checkAfterSeconds * 10);
}

function requestTypeOf(responseType: ResponseType): TransactionRecord["requestType"] {
  return responseType === "ip" ? "ir" : responseType === "kup" ? "kur" : "cr";
}

/**
 * After a kur's new certificate is confirmed, revoke the one it replaces
 * (reason superseded) when the profile says so.
 */
export async function retireSuperseded(exchange: Exchange, serial: string | undefined): Promise<void> {
  if (!serial || !exchange.profile.keyUpdate.revokeOldCertificate) return;
  await revokeCertificate(exchange.context.store, serial, CRLReasons.superseded, exchange.now);
}

/** implicitConfirm is asked for in generalInfo (RFC 9810 §5.1.1.1). */
function asksImplicitConfirm(header: PKIHeader): boolean {
  return header.generalInfo?.some((info) => info.infoType === id_it_implicitConfirm) ?? false;
}
