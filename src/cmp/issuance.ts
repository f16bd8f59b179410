import type { GeneralNames, Name } from "@peculiar/asn1-x509";
import { InfoTypeAndValue } from "../asn1/info_type_and_value.js";
import { id_it_implicitConfirm } from "../asn1/oids.js";
import { CmpError } from "../asn1/pki_failure_info.js";
import type { PKIHeader } from "../asn1/pki_header.js";
import { PKIStatus, PKIStatusInfo } from "../asn1/pki_status.js";
import { issueCertificate } from "../ca/certificate_builder.js";
import { CRLReasons } from "@peculiar/asn1-x509";
import { certificateKey, revokeCertificate, type CertificateRecord } from "../ca/certificate_record.js";
import { formatDistinguishedName } from "../ca/distinguished_name.js";
import { certHashAlgorithm } from "../crypto/algorithms.js";
import { certRepBody } from "./bodies.js";
import type { Exchange, HandlerResult } from "./exchange.js";
import { toBase64, toHex } from "../asn1/bytes.js";
import { planRegistration } from "./registration.js";
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

/**
 * Issue, record, then answer (DESIGN.md): sign the certificate, claim the
 * transactionID, record the certificate, and only then build ip/cp/kup with it.
 */
export async function issueAndAnswer(
  exchange: Exchange,
  requested: ApprovedRequest,
  responseType: "ip" | "cp" | "kup",
): Promise<HandlerResult> {
  const { request, profile, context, ca, now, credentials } = exchange;
  const key = transactionKey(credentials.identity, exchange.transactionID);
  if (await context.store.get(key)) {
    throw new CmpError("transactionIdInUse", "this transactionID is already in use; start a new transaction");
  }
  // Client mode: the registered end entity decides, and is consumed below.
  const registration = await planRegistration(exchange, requested);
  const approved = registration?.approved ?? requested;

  const implicitConfirm = profile.implicitConfirm && asksImplicitConfirm(request.message.header);
  const issued = await issueCertificate({
    ca: context.ca,
    subject: approved.subject,
    subjectPublicKeyInfo: approved.publicKey,
    subjectAltName: approved.subjectAltName,
    profile: profile.certificate,
    now,
    randomBytes: context.randomBytes,
  });
  exchange.log.serial = issued.serialNumber;

  const createdAt = now.toISOString();
  const transaction: TransactionRecord = {
    profile: profile.name,
    requestType: request.type,
    state: implicitConfirm ? "closed" : "awaitingConfirmation",
    certReqId: approved.certReqId,
    senderNonce: toHex(exchange.senderNonce),
    serial: issued.serialNumber,
    certificate: toBase64(issued.der),
    certHashAlgorithm: certHashAlgorithm(context.ca.signer.algorithm).name,
    createdAt,
    outcome: implicitConfirm ? "implicitlyConfirmed" : undefined,
    supersedes: approved.supersedes,
    entity: registration?.username,
    sealedCode: credentials.kind === "mac" ? credentials.enrollment?.sealedCode : undefined,
  };
  // create-if-absent: of two racing requests with one transactionID, one wins (docs/store.md).
  if (!(await context.store.create(key, transaction, { ttlSeconds: context.config.limits.transactionTtlSeconds }))) {
    throw new CmpError("transactionIdInUse", "this transactionID is already in use; start a new transaction");
  }
  if (registration) {
    try {
      await registration.commit(issued.serialNumber);
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
    entity: registration?.username,
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
    // caPubs: the trust anchor a new device stores (-cacertsout); ir only (DESIGN.md).
    body: certRepBody(responseType, { certReqId: approved.certReqId, status, certificate: issued.der }, responseType === "ip" ? ca.chain : undefined),
    responseType,
    outcome: implicitConfirm ? "issued (implicitly confirmed)" : "issued",
    generalInfo: implicitConfirm ? [new InfoTypeAndValue({ infoType: id_it_implicitConfirm, infoValue: NULL_DER.slice().buffer })] : undefined,
    // RFC 9483 §4.1.1: extraCerts SHOULD carry the chain of the new certificate.
    extraCerts: ca.chain,
  };
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
