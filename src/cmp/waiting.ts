import { toBase64 } from "../asn1/bytes.js";
import { PKIFreeText } from "../asn1/pki_free_text.js";
import { PKIStatus, PKIStatusInfo } from "../asn1/pki_status.js";
import { reencode } from "../asn1/reencode.js";
import { formatDistinguishedName } from "../ca/distinguished_name.js";
import { formatGeneralName } from "../ca/general_name_text.js";
import { certRepBody } from "./bodies.js";
import type { Exchange, HandlerResult } from "./exchange.js";
import type { Delivery } from "./issuance.js";
import type { PendingRequest } from "./pending_request.js";
import { storeWaiting, waitingTransaction } from "./waiting_store.js";
import { transactionKey } from "./transaction.js";

/**
 * Answer `waiting` with no certificate (RFC 9810 §5.2.3): the client polls
 * (§5.3.22). Everything needed to issue later is stored, so any instance can
 * answer the polls.
 */
export async function wait(exchange: Exchange, delivery: Delivery, reason: "approval" | "signer", holdText?: string): Promise<HandlerResult> {
  const { request, profile, context, now, credentials } = exchange;
  const { approved } = delivery;
  const key = transactionKey(credentials.identity, exchange.transactionID);
  const id = `${credentials.identity}.${exchange.transactionID}`;
  const expiresAt = new Date(now.getTime() + (reason === "approval" ? profile.approval.pendingTtlSeconds : pendingSignerSeconds(exchange)) * 1000).toISOString();
  const pending: PendingRequest = {
    id,
    profile: profile.name,
    certificateProfile: profile.certificateProfile,
    requestType: request.type as PendingRequest["requestType"],
    responseType: delivery.responseType,
    certReqId: approved.certReqId,
    subject: toBase64(reencode(approved.subject, "the subject")),
    subjectAltName: approved.subjectAltName ? toBase64(reencode(approved.subjectAltName, "the subjectAltName")) : undefined,
    publicKey: toBase64(approved.publicKey),
    subjectText: formatDistinguishedName(approved.subject),
    subjectAltNamesText: (approved.subjectAltName ?? []).map((name) => formatGeneralName(name) ?? "(other)"),
    modifications: [...delivery.modifications],
    keyUsage: approved.keyUsage ? [...approved.keyUsage] : undefined,
    supersedes: approved.supersedes,
    entity: delivery.registration?.username,
    codeIv: delivery.registration?.codeIv,
    registrationKind: delivery.registration?.kind,
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
  const transaction = waitingTransaction(exchange, approved.certReqId, id, {
    entity: delivery.registration?.username,
    sealedCode: credentials.kind === "mac" ? credentials.enrollment?.sealedCode : undefined,
  });
  await storeWaiting(context, key, transaction, { id, record: pending }, now);
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

