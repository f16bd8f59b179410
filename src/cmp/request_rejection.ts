import { CmpError, type FailInfoName } from "../asn1/pki_failure_info.js";
import { certRepBody, rejectionStatus } from "./bodies.js";
import type { Exchange, HandlerResult } from "./exchange.js";

/**
 * Failures of the message as a whole (RFC 9483 §3.5: header, protection,
 * transaction, nonces, time) and of the server: these stay `error` messages,
 * whichever body they came from. Every other refusal raised while a
 * certificate request is handled belongs to that request.
 */
const MESSAGE_FAILURES: ReadonlySet<FailInfoName> = new Set([
  "badMessageCheck",
  "badTime",
  "badRecipientNonce",
  "badSenderNonce",
  "wrongIntegrity",
  "signerNotTrusted",
  "transactionIdInUse",
  "unsupportedVersion",
  "systemUnavail",
  "systemFailure",
]);

/** Whether a refusal belongs to the one certificate request rather than to the message. */
export function isRequestFailure(error: unknown): error is CmpError {
  return error instanceof CmpError && !error.failInfo.some((bit) => MESSAGE_FAILURES.has(bit));
}

/**
 * Handle one certificate request, answering a refusal of the request itself
 * (proof of possession, template, key, policy, oldCertID, certReqId, number
 * of CertReqMsgs) with ip/cp/kup carrying status rejection, its failInfo and
 * statusString (RFC 9810 §5.3.4; RFC 9483 §4.1.1 lets the CertResponse carry
 * the failure; OpenSSL's own server answers so). Nothing is stored for a
 * rejected request, so the client sends no certConf (RFC 9483 §4.1.1: only
 * a certificate is confirmed). Failures of the message stay `error`.
 */
export async function rejectingRequestFailures(
  exchange: Exchange,
  responseType: "ip" | "cp" | "kup",
  certReqId: number,
  handle: () => Promise<HandlerResult>,
): Promise<HandlerResult> {
  try {
    return await handle();
  } catch (error) {
    if (!isRequestFailure(error)) throw error;
    exchange.log.failInfo = [...error.failInfo];
    exchange.log.reason = error.message;
    return { body: certRepBody(responseType, { certReqId, status: rejectionStatus(error) }), responseType, outcome: "rejected" };
  }
}
