import { PKIStatus } from "../asn1/pki_status.js";
import type { EncryptedKey } from "../asn1/encrypted_key.js";
import type { DecodedRequest } from "../cmp/decode.js";
import { parseCertificate } from "../crypto/parsed_certificate.js";
import { CmpClientError } from "./errors.js";
import { describeStatusInfo, formatStatusInfo, type StatusInfo } from "./status.js";

export type CertResponseOutcome =
  | { kind: "waiting"; status: StatusInfo }
  | { kind: "certificate"; certificate: Uint8Array; caPubs: Uint8Array[]; status: StatusInfo; privateKey?: EncryptedKey };

/** Statuses that come with a certificate (RFC 9810 §5.2.3); the warnings are passed on in the result's status. */
const ISSUED: ReadonlySet<number> = new Set([
  PKIStatus.accepted,
  PKIStatus.grantedWithMods,
  PKIStatus.revocationWarning,
  PKIStatus.revocationNotification,
  PKIStatus.keyUpdateWarning,
]);

/**
 * Read an authentic ip/cp/kup (RFC 9810 §5.3.4) as OpenSSL's client does:
 * exactly one CertResponse (RFC 9483 §4.1.1), for our certReqId; `waiting`
 * means poll (§5.3.22); `rejection` is the server's refusal (thrown as
 * "rejected" with its PKIStatusInfo); otherwise a plain certificate must
 * be there (encryptedCert answers key-encipherment POP, which we never send).
 */
export function readCertResponse(response: DecodedRequest, certReqId: number): CertResponseOutcome {
  const type = response.type as "ip" | "cp" | "kup";
  const body = response.message.body[type]!;
  const responses = body.response;
  if (responses.length !== 1) {
    throw new CmpClientError("protocol", `the ${type} holds ${responses.length} CertResponses; exactly one answers our request (RFC 9483 §4.1.1)`);
  }
  const answer = responses[0]!;
  if (answer.certReqId !== certReqId) {
    throw new CmpClientError("protocol", `the ${type} answers certReqId ${answer.certReqId}, we asked with ${certReqId}`);
  }
  const status = describeStatusInfo(answer.status);
  if (answer.status.status === PKIStatus.waiting) return { kind: "waiting", status };
  if (answer.status.status === PKIStatus.rejection) {
    throw new CmpClientError("rejected", `the request was rejected: ${formatStatusInfo(status)}`, { statusInfo: status, authenticated: true });
  }
  if (!ISSUED.has(answer.status.status)) {
    throw new CmpClientError("protocol", `the ${type} has PKIStatus ${answer.status.status}, which is not a certificate response status`);
  }
  // The schema keeps the certificates as the DER the server sent: certHash
  // (RFC 9810 §5.3.18) is over the certificate exactly as issued.
  const certificateDer = answer.certifiedKeyPair?.certOrEncCert.certificate;
  if (!certificateDer) {
    const encrypted = answer.certifiedKeyPair?.certOrEncCert.encryptedCert !== undefined;
    throw new CmpClientError(
      "protocol",
      encrypted ? `the ${type} carries an encrypted certificate, which is not supported` : `the ${type} says ${status.status} but carries no certificate`,
    );
  }
  const certificate = new Uint8Array(certificateDer);
  const caPubs = (body.caPubs ?? []).map((der) => new Uint8Array(der));
  for (const [index, caCertificate] of caPubs.entries()) {
    // Handed to the caller as bytes, so checked here to be certificates (parsed
    // once per process: the cache is keyed by the bytes, and a CA's repeat).
    try {
      parseCertificate(caCertificate);
    } catch (cause) {
      throw new CmpClientError("protocol", `the ${type} has a caPubs entry (${index}) that is not a certificate: ${(cause as Error).message}`, { cause });
    }
  }
  // A centrally generated key (RFC 9483 §4.1.6), opened by the enrollment that asked for one (central_key.ts).
  return { kind: "certificate", certificate, caPubs, status, privateKey: answer.certifiedKeyPair?.privateKey };
}
