import { InfoTypeAndValue } from "../asn1/info_type_and_value.js";
import { id_it_implicitConfirm } from "../asn1/oids.js";
import { CmpError } from "../asn1/pki_failure_info.js";
import type { PKIHeader } from "../asn1/pki_header.js";
import { PKIStatus, PKIStatusInfo } from "../asn1/pki_status.js";
import { issueCertificate } from "../ca/certificate_builder.js";
import { certificateKey, type CertificateRecord } from "../ca/certificate_record.js";
import { formatDistinguishedName } from "../ca/distinguished_name.js";
import { certHashAlgorithm } from "../crypto/algorithms.js";
import { certRepBody } from "./bodies.js";
import { checkCertTemplate } from "./cert_template_checks.js";
import type { Exchange, HandlerResult } from "./exchange.js";
import { toBase64, toHex } from "./hex.js";
import { templatePublicKey, verifyProofOfPossession } from "./proof_of_possession.js";
import { transactionKey, type TransactionRecord } from "./transaction.js";

const NULL_DER = Uint8Array.of(0x05, 0x00);

/**
 * ir: one CertReqMsg in, one certificate out (RFC 9810 §5.3.1, RFC 9483
 * §4.1.1). Everything is checked before anything is signed; the
 * transaction and certificate are recorded before the answer leaves
 * (DESIGN.md, "Issue, record, then answer").
 */
export async function handleCertRequest(exchange: Exchange): Promise<HandlerResult> {
  const { request, profile, context, ca, now, credentials } = exchange;
  const header = request.message.header;
  const messages = request.message.body.ir!;
  if (messages.length !== 1) {
    throw new CmpError("badRequest", `exactly one CertReqMsg is accepted per request, not ${messages.length} (RFC 9483 §4.1.1)`);
  }
  const message = messages[0]!;
  const certReqId = message.certReq.certReqId;
  if (certReqId !== 0) throw new CmpError("badRequest", `certReqId must be 0, not ${certReqId} (RFC 9483 §4.1.1)`);

  const publicKey = templatePublicKey(message);
  const template = checkCertTemplate(message.certReq.certTemplate, ca.name, publicKey);
  await verifyProofOfPossession(message, publicKey);

  const key = transactionKey(credentials.identity, exchange.transactionID);
  if (await context.store.get(key)) {
    throw new CmpError("transactionIdInUse", "this transactionID is already in use; start a new transaction");
  }

  const implicitConfirm = profile.implicitConfirm && asksImplicitConfirm(header);
  const issued = await issueCertificate({
    ca: context.ca,
    subject: template.subject,
    subjectPublicKeyInfo: publicKey,
    subjectAltName: template.subjectAltName,
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
    certReqId,
    senderNonce: toHex(exchange.senderNonce),
    serial: issued.serialNumber,
    certificate: toBase64(issued.der),
    certHashAlgorithm: certHashAlgorithm(context.ca.signer.algorithm).name,
    createdAt,
    outcome: implicitConfirm ? "implicitlyConfirmed" : undefined,
  };
  // create-if-absent: of two racing requests with one transactionID, one wins (docs/store.md).
  if (!(await context.store.create(key, transaction, { ttlSeconds: context.config.limits.transactionTtlSeconds }))) {
    throw new CmpError("transactionIdInUse", "this transactionID is already in use; start a new transaction");
  }
  const record: CertificateRecord = {
    serial: issued.serialNumber,
    subject: formatDistinguishedName(template.subject),
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
  };
  try {
    await context.store.put(certificateKey(issued.serialNumber), record);
  } catch (error) {
    // Not recorded, so never sent: free the transactionID for a retry.
    await context.store.delete(key).catch(() => undefined);
    throw new CmpError("systemUnavail", "the certificate could not be recorded; try again later", { cause: error });
  }

  const status = new PKIStatusInfo({ status: template.modified ? PKIStatus.grantedWithMods : PKIStatus.accepted });
  return {
    body: certRepBody("ip", { certReqId, status, certificate: issued.der }, ca.chain),
    responseType: "ip",
    outcome: implicitConfirm ? "issued (implicitly confirmed)" : "issued",
    generalInfo: implicitConfirm ? [new InfoTypeAndValue({ infoType: id_it_implicitConfirm, infoValue: NULL_DER.slice().buffer })] : undefined,
    // RFC 9483 §4.1.1: extraCerts SHOULD carry the chain of the new certificate.
    extraCerts: ca.chain,
  };
}

/** implicitConfirm is asked for in generalInfo (RFC 9810 §5.1.1.1). */
function asksImplicitConfirm(header: PKIHeader): boolean {
  return header.generalInfo?.some((info) => info.infoType === id_it_implicitConfirm) ?? false;
}
