import { GeneralNames, Name } from "@peculiar/asn1-x509";
import { fromBase64, toBase64, toHex } from "../asn1/bytes.js";
import { InfoTypeAndValue } from "../asn1/info_type_and_value.js";
import { id_it_implicitConfirm } from "../asn1/oids.js";
import { CmpError } from "../asn1/pki_failure_info.js";
import type { PKIHeader } from "../asn1/pki_header.js";
import { PKIFreeText } from "../asn1/pki_free_text.js";
import { PKIStatus, PKIStatusInfo } from "../asn1/pki_status.js";
import { issueCertificate, planCertificate, type CertificatePlan, type IssueRequest, type IssuedCertificate } from "../ca/certificate_builder.js";
import { certificateKey, restoreSuperseded, supersedeCertificate, type CertificateRecord } from "../ca/certificate_record.js";
import type { EndEntity } from "../ca/end_entity.js";
import { formatDistinguishedName } from "../ca/distinguished_name.js";
import { askedKeyUsage, asksAnything, modificationsText, templateModifications, type AskedContent } from "../ca/template_modifications.js";
import type { KeyUsageName } from "../config/profile.js";
import { certHashAlgorithm } from "../crypto/algorithms.js";
import { SignerError } from "../kms/signer.js";
import { holdReason } from "./approval.js";
import { certRepBody } from "./bodies.js";
import type { Exchange, HandlerResult } from "./exchange.js";
import { wait } from "./waiting.js";
import { pendingModifications, type PendingRequest } from "./pending_request.js";
import { commitRegistration, planRegistration, revertRegistration, type RegistrationPlan } from "./registration.js";
import { transactionKey, type TransactionRecord } from "./transaction.js";
import { StoreError } from "../store/store.js";
import { getUnlessNew } from "../store/message_store.js";
import { claimForUpdate, releaseUpdateClaim } from "./update_claim.js";
import { undoAll, type Undo } from "./undo.js";
import { decodeDer } from "../asn1/codec/der_decoder.js";

const NULL_DER = Uint8Array.of(0x05, 0x00);

/** A certificate request that passed its checks: what to certify. */
export interface ApprovedRequest {
  /** 0 for ir/cr/kur, -1 for p10cr (RFC 9810 §5.3.4). */
  certReqId: number;
  subject: Name;
  subjectAltName?: GeneralNames;
  /** DER SubjectPublicKeyInfo, certified byte for byte. */
  publicKey: Uint8Array;
  /**
   * What the template (or the CSR's extensionRequest) asked for beyond
   * subject and key, compared with the certificate to answer accepted or
   * grantedWithMods; absent: nothing.
   */
  asked?: AskedContent;
  /** The keyUsage the request chose, where its profile lets it (CertificateProfile.keyUsageOverride). */
  keyUsage?: readonly KeyUsageName[];
  /** kur: the serial of the certificate being updated. */
  supersedes?: string;
  /**
   * Central key generation (RFC 9483 §4.1.6): the generated private key,
   * already EncryptedKey (envelopedData) for the requester. Only ever in
   * memory: such a request is answered now or refused, never kept waiting.
   */
  encryptedPrivateKey?: Uint8Array;
}

export type ResponseType = "ip" | "cp" | "kup";

/** What is needed to sign, record and answer, whether now or after waiting. */
export interface Delivery {
  approved: ApprovedRequest;
  responseType: ResponseType;
  implicitConfirm: boolean;
  registration?: Pick<RegistrationPlan, "username" | "kind" | "codeIv">;
  /** How the certificate differs from what was asked (src/ca/template_modifications.ts); empty: accepted. */
  modifications: readonly string[];
}

/**
 * The first answer to ir/cr/kur/p10cr: issue, record, then answer
 * (DESIGN.md) — or answer `waiting` (RFC 9810 §5.2.3) when an operator must
 * approve or the signer is unavailable for now, and finish at a later pollReq.
 */
export async function issueAndAnswer(exchange: Exchange, requested: ApprovedRequest, responseType: ResponseType): Promise<HandlerResult> {
  const { request, profile, context, credentials } = exchange;
  const key = transactionKey(credentials.identity, exchange.transactionID);
  // No read for a new transaction on a MessageStore: the commit's "absent" condition checks it (message_store.ts).
  if (await getUnlessNew(context.store, key)) {
    throw new CmpError("transactionIdInUse", "this transactionID is already in use; start a new transaction");
  }
  // Client mode: the registered end entity decides, and is consumed at issuance.
  const registration = await planRegistration(exchange, requested);
  const planned = registration?.approved ?? requested;
  // An asked keyUsage without a bit asks for nothing usable (RFC 5280 §4.2.1.3: at least one bit): the profile's stands.
  // keyCertSign is never granted: every certificate here has cA FALSE (RFC 5280 §4.2.1.9).
  const chosen = profile.certificate.keyUsageOverride ? askedKeyUsage(planned.asked)?.filter((bit) => bit !== "keyCertSign") : undefined;
  const approved: ApprovedRequest = chosen?.length ? { ...planned, keyUsage: chosen } : planned;
  // Decided now, against the request as it will be certified (client mode: the registered names), and kept if it waits.
  const judged = await modificationsOf(exchange, approved);
  const delivery: Delivery = {
    approved,
    responseType,
    implicitConfirm: profile.implicitConfirm && asksImplicitConfirm(request.message.header),
    registration,
    modifications: judged.modifications,
  };

  // kur: claim the certificate being replaced before anything is signed, so one kur of it wins (update_claim.ts).
  const replaced = delivery.approved.supersedes;
  // This request, told apart from a concurrent one with the same transactionID (a replay).
  const claimant = toHex(exchange.senderNonce);
  try {
    if (replaced) await claimForUpdate(context.store, replaced, key, claimant, exchange.now);
    const hold = holdReason(profile, delivery.approved);
    if (hold && delivery.approved.encryptedPrivateKey) {
      // A pending request is stored until it is decided; a generated private key never is (central_key_generation.ts).
      throw new CmpError("notAuthorized", `central key generation is not offered for requests that wait for approval (${hold})`);
    }
    if (hold) return await wait(exchange, delivery, "approval", hold);
    let issued: IssuedCertificate;
    try {
      // The plan compared above is the certificate signed now (same request, same time).
      issued = await sign(exchange, delivery.approved, judged.plan);
    } catch (error) {
      if (error instanceof SignerError && error.transient && delivery.approved.encryptedPrivateKey) {
        throw new CmpError("systemUnavail", "the CA could not sign the certificate now; try again later", { cause: error });
      }
      if (error instanceof SignerError && error.transient) {
        context.warn("signer unavailable; the request waits", { transactionID: exchange.transactionID, error: error.message });
        return await wait(exchange, delivery, "signer");
      }
      throw error;
    }
    // create-if-absent: of two racing requests with one transactionID, one wins (docs/store.md).
    const answer = await recordAndAnswer(exchange, delivery, issued, {
      write: (transaction) => context.store.create(key, transaction, { ttlSeconds: context.config.limits.transactionTtlSeconds }),
      undo: (serial) => deleteTransactionNaming(context, key, (transaction) => transaction.serial === serial),
    });
    const unsent = answer.unsent;
    answer.unsent = async () => {
      await unsent?.();
      if (replaced) await releaseUpdateClaim(context.store, replaced, key, claimant);
    };
    return answer;
  } catch (error) {
    // No successor leaves this request: the holder may update the certificate again.
    if (replaced) await releaseUpdateClaim(context.store, replaced, key, claimant).catch((e) => warnUndo(context, "release the update claim", e));
    throw error;
  }
}

/**
 * How the transaction record that names a new certificate is written: created
 * by the first message, or moved on from `pending` by a pollReq; and how that
 * write is taken back when a later step fails (it may have happened even if
 * its answer was lost, so the undo looks before it acts).
 */
export interface TransactionWriter {
  write(transaction: TransactionRecord): Promise<boolean>;
  undo(serial: string): Promise<void>;
}

/** A pending request whose time has come (approved, or a signer retry): sign and deliver, answering the pollReq. */
export async function issuePending(exchange: Exchange, pending: PendingRequest, writer: TransactionWriter): Promise<HandlerResult> {
  const approved: ApprovedRequest = {
    certReqId: pending.certReqId,
    subject: decodeDer(fromBase64(pending.subject), Name),
    subjectAltName: pending.subjectAltName ? decodeDer(fromBase64(pending.subjectAltName), GeneralNames) : undefined,
    publicKey: fromBase64(pending.publicKey),
    keyUsage: pending.keyUsage,
    supersedes: pending.supersedes,
  };
  const delivery: Delivery = {
    approved,
    responseType: pending.responseType,
    implicitConfirm: pending.implicitConfirm,
    registration: pending.entity
      ? { username: pending.entity, kind: pending.registrationKind ?? (pending.requestType === "kur" ? "update" : "enroll"), codeIv: pending.codeIv }
      : undefined,
    // The status the request was judged to get when it was asked: a delayed delivery answers the same.
    modifications: pendingModifications(pending),
  };
  const issued = await sign(exchange, approved);
  return recordAndAnswer(exchange, delivery, issued, writer);
}

function sign(exchange: Exchange, approved: ApprovedRequest, plan?: CertificatePlan): Promise<IssuedCertificate> {
  return issueCertificate(issueRequestOf(exchange, approved), plan);
}

function issueRequestOf(exchange: Exchange, approved: ApprovedRequest): IssueRequest {
  const { context, profile, now } = exchange;
  return {
    ca: context.ca,
    subject: approved.subject,
    subjectPublicKeyInfo: approved.publicKey,
    subjectAltName: approved.subjectAltName,
    profile: profile.certificate,
    keyUsage: approved.keyUsage,
    publicationBaseUrl: context.config.publication.baseUrl,
    now,
    randomBytes: context.randomBytes,
  };
}

/**
 * How the certificate this request gets differs from what it asked for
 * (RFC 9810 §5.2.3, RFC 9483 §4.1.1), worked out from the very plan the
 * certificate is built from, which signing now reuses. A request that asks
 * nothing beyond subject and key (openssl cmp's usual one) has nothing to
 * compare, and its certificate is planned when it is signed.
 */
async function modificationsOf(exchange: Exchange, approved: ApprovedRequest): Promise<{ modifications: string[]; plan?: CertificatePlan }> {
  if (!asksAnything(approved.asked)) return { modifications: [] };
  const plan = await planCertificate(issueRequestOf(exchange, approved));
  return { modifications: templateModifications(approved.asked!, plan), plan };
}

/**
 * Record the certificate, then write what names it (the transaction, the
 * registration, the replaced certificate), and only then answer with it
 * (DESIGN.md, "Issue, record, then answer"). The certificate's record comes
 * first, so nothing ever names a certificate the store does not hold. When
 * a step fails, the steps before it are undone in reverse order (and the
 * failing one too, whose write may have happened with its answer lost): the
 * certificate was never sent, so it must not count as issued, the one-time
 * enrollment code must work again, and the client may simply retry.
 */
async function recordAndAnswer(exchange: Exchange, delivery: Delivery, issued: IssuedCertificate, writer: TransactionWriter): Promise<HandlerResult> {
  const { request, profile, context, ca, now, credentials } = exchange;
  const { approved, implicitConfirm, responseType } = delivery;
  const { store } = context;
  const serial = issued.serialNumber;
  exchange.log.serial = serial;

  const createdAt = now.toISOString();
  const transaction: TransactionRecord = {
    profile: profile.name,
    requestType: request.type === "pollReq" ? requestTypeOf(responseType) : request.type,
    state: implicitConfirm ? "closed" : "awaitingConfirmation",
    certReqId: approved.certReqId,
    senderNonce: toHex(exchange.senderNonce),
    requestNonces: requestNonces(exchange),
    serial,
    certificate: toBase64(issued.der),
    certHashAlgorithm: certHashAlgorithm(context.ca.signer.algorithm).name,
    createdAt,
    outcome: implicitConfirm ? "implicitlyConfirmed" : undefined,
    supersedes: approved.supersedes,
    entity: delivery.registration?.username,
    sealedCode: credentials.kind === "mac" ? credentials.enrollment?.sealedCode : undefined,
  };
  const record: CertificateRecord = {
    serial,
    subject: formatDistinguishedName(approved.subject),
    issuer: formatDistinguishedName(ca.name),
    notBefore: issued.notBefore.toISOString(),
    notAfter: issued.notAfter.toISOString(),
    status: implicitConfirm ? "confirmed" : "issued",
    profile: profile.name,
    certificateProfile: profile.certificateProfile,
    der: transaction.certificate,
    requester: credentials.identity,
    transactionID: exchange.transactionID,
    issuedAt: createdAt,
    decidedAt: implicitConfirm ? createdAt : undefined,
    supersedes: approved.supersedes,
    entity: delivery.registration?.username,
  };

  const undo: Undo[] = [];
  try {
    undo.push({ what: "delete the unsent certificate's record", run: () => store.delete(certificateKey(serial)) });
    await store.put(certificateKey(serial), record);

    undo.push({ what: "take back the transaction", run: () => writer.undo(serial) });
    if (!(await writer.write(transaction))) {
      throw new CmpError("transactionIdInUse", "this transactionID is already in use; start a new transaction");
    }

    const registration = delivery.registration;
    if (registration) {
      let before: EndEntity | undefined;
      undo.push({ what: "revert the registration", run: () => revertRegistration(store, registration.username, serial, before) });
      await commitRegistration(store, registration, serial, now, (seen) => (before = seen));
    }

    const replaced = approved.supersedes;
    if (implicitConfirm && replaced) {
      let before: CertificateRecord | undefined;
      undo.push({ what: "restore the replaced certificate", run: () => restoreSuperseded(store, replaced, serial, before) });
      await retireSuperseded(exchange, replaced, serial, (seen) => (before = seen));
    }
  } catch (error) {
    await undoAll(undo, (what, e) => warnUndo(context, what, e));
    if (error instanceof StoreError) {
      throw new CmpError("systemUnavail", "the certificate could not be recorded; try again later", { cause: error });
    }
    throw error;
  }

  const answer = certificateAnswer(exchange, {
    responseType,
    certReqId: approved.certReqId,
    modifications: delivery.modifications,
    certificate: issued.der,
    privateKey: approved.encryptedPrivateKey,
    implicitConfirm,
  });
  answer.unsent = () => undoAll(undo, (what, e) => warnUndo(context, what, e));
  return answer;
}

/** ip/cp/kup with the certificate: the first answer, or the same again to a repeated pollReq whose answer was lost. */
export function certificateAnswer(
  exchange: Exchange,
  answer: {
    responseType: ResponseType;
    certReqId: number;
    modifications: readonly string[];
    certificate: Uint8Array;
    /** DER EncryptedKey of a centrally generated key (RFC 9483 §4.1.6). */
    privateKey?: Uint8Array;
    implicitConfirm: boolean;
  },
): HandlerResult {
  const { ca } = exchange;
  const { responseType, implicitConfirm, modifications } = answer;
  // RFC 9810 §5.2.3: grantedWithMods only when something asked for was changed or left out, and the statusString says what.
  const status =
    modifications.length > 0
      ? new PKIStatusInfo({ status: PKIStatus.grantedWithMods, statusString: new PKIFreeText([modificationsText(modifications)]) })
      : new PKIStatusInfo({ status: PKIStatus.accepted });
  return {
    body: certRepBody(
      responseType,
      { certReqId: answer.certReqId, status, certificate: answer.certificate, privateKey: answer.privateKey },
      caPubs(exchange, responseType),
    ),
    responseType,
    // RFC 9810 §5.2.2, §7: EnvelopedData is cmp2021 syntax, so a response that carries it is pvno 3.
    pvno: answer.privateKey ? 3 : undefined,
    outcome: implicitConfirm ? "issued (implicitly confirmed)" : "issued",
    generalInfo: implicitConfirm ? [new InfoTypeAndValue({ infoType: id_it_implicitConfirm, infoValue: NULL_DER.slice().buffer })] : undefined,
    // RFC 9483 §4.1.1: extraCerts SHOULD carry the chain of the new certificate. The root goes too, although a
    // client never trusts it for being there (§3.3): strict clients build the chain up to it from extraCerts alone.
    extraCerts: ca.chain,
  };
}

/**
 * RFC 9483 §4.1.1 (ip): caPubs MAY be used when the ir was protected with a
 * shared secret (the MAC then vouches for the anchor; a signing device
 * already has its trust anchors, §4.1.1 via §3.3), and then holds only the
 * root of the issued certificate's chain. A device stores it with
 * `openssl cmp -cacertsout`. Never in cp/kup.
 */
function caPubs(exchange: Exchange, responseType: ResponseType): readonly Uint8Array[] | undefined {
  if (responseType !== "ip" || exchange.credentials.kind !== "mac") return undefined;
  return exchange.ca.trustAnchors.length > 0 ? exchange.ca.trustAnchors : undefined;
}

/** Delete the transaction at `key` if it is the one `ours` recognises (a write of ours whose answer may have been lost). */
export async function deleteTransactionNaming(
  context: Exchange["context"],
  key: string,
  ours: (transaction: TransactionRecord) => boolean,
): Promise<void> {
  const entry = await context.store.get<TransactionRecord>(key);
  if (entry && ours(entry.value)) await context.store.delete(key);
}

/** The request's senderNonce, remembered so that a replay of it is known (nonces.ts). */
export function requestNonces(exchange: Exchange): string[] {
  const nonce = exchange.request.message.header.senderNonce;
  return nonce ? [toHex(nonce)] : [];
}

export function warnUndo(context: Exchange["context"], what: string, error: unknown): void {
  context.warn(`could not ${what} after a failure`, { error: error instanceof Error ? error.message : String(error) });
}

function requestTypeOf(responseType: ResponseType): TransactionRecord["requestType"] {
  return responseType === "ip" ? "ir" : responseType === "kup" ? "kur" : "cr";
}

/**
 * After a kur's new certificate is confirmed: the old one is replaced for
 * good (no second kur of it), and revoked (reason superseded) when the
 * profile says so (RFC 9483 §4.1.3).
 */
export async function retireSuperseded(
  exchange: Exchange,
  serial: string | undefined,
  successor: string,
  seen?: (before: CertificateRecord) => void,
): Promise<void> {
  if (!serial) return;
  await supersedeCertificate(exchange.context.store, serial, successor, exchange.profile.keyUpdate.revokeOldCertificate, exchange.now, seen);
}

/** implicitConfirm is asked for in generalInfo (RFC 9810 §5.1.1.1). */
function asksImplicitConfirm(header: PKIHeader): boolean {
  return header.generalInfo?.some((info) => info.infoType === id_it_implicitConfirm) ?? false;
}
