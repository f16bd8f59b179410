import type { Name } from "@peculiar/asn1-x509";
import { bytesEqual } from "../asn1/bytes.js";
import { CmpError } from "../asn1/pki_failure_info.js";
import { parseCertificate, type ParsedCertificate } from "../crypto/parsed_certificate.js";
import { certConfBody } from "./cert_conf.js";
import { readCertResponse } from "./cert_response.js";
import type { ClientContext } from "./context.js";
import { CmpClientError } from "./errors.js";
import { grantsImplicitConfirm, implicitConfirmRequest } from "./implicit_confirm.js";
import { pollForCertificate } from "./polling.js";
import type { StatusInfo } from "./status.js";
import { Transaction } from "./transaction.js";
import { openCentralKey } from "./central_key.js";
import type { RecipientKey } from "../cms/open_enveloped_data.js";
import { certProfileInfo } from "./cert_profile.js";

export interface EnrollmentResult {
  /** The new certificate, DER, exactly as the server sent it. */
  certificate: Uint8Array;
  /** caPubs of the response (RFC 9810 §5.3.4): CA certificates the server suggests to trust; verify before trusting them. */
  caPubs: Uint8Array[];
  /** extraCerts of the response: the server's protection certificate and chain, often the issuing chain too. */
  extraCerts: Uint8Array[];
  /** The PKIStatusInfo of the CertResponse: accepted, or grantedWithMods with the server's text. */
  status: StatusInfo;
  /** True when the server granted implicit confirmation and no certConf was sent. */
  implicitlyConfirmed: boolean;
  transactionID: Uint8Array;
  /**
   * Central key generation (RFC 9483 §4.1.6): the private key the server
   * generated for the certificate, PKCS #8 DER, decrypted and checked.
   */
  privateKey?: Uint8Array;
}

const RESPONSE_TYPE = { ir: "ip", cr: "cp", kur: "kup", p10cr: "cp" } as const;

export interface Enrollment {
  type: keyof typeof RESPONSE_TYPE;
  body: Uint8Array;
  certReqId: number;
  /** The DER SubjectPublicKeyInfo the certificate must certify; absent when the server generates the key. */
  publicKey?: Uint8Array;
  sender: Name;
  /** Central key generation: what opens the private key the server returns (RFC 9483 §4.1.6). */
  centralKey?: { recipient: RecipientKey };
  /** The certificate profile asked for in generalInfo (RFC 9810 §5.1.1.4). */
  certProfile?: string;
}

/**
 * One certificate enrollment (RFC 9483 §4.1): request, polling while the
 * server says `waiting`, the checks of the certificate, and certConf unless
 * implicit confirmation was asked for and granted (RFC 9810 §5.1.1.1; a
 * grant we did not ask for is ignored). A certificate for another key than
 * ours is refused the way OpenSSL refuses it: with a certConf that rejects
 * it (incorrectData), so the server does not count it as issued, and then
 * a "protocol" error.
 */
export async function enroll(context: ClientContext, enrollment: Enrollment): Promise<EnrollmentResult> {
  const responseType = RESPONSE_TYPE[enrollment.type];
  const transaction = new Transaction(context, enrollment.sender);
  const askImplicit = context.implicitConfirm;
  const profile = certProfileInfo(enrollment.certProfile === undefined ? undefined : [enrollment.certProfile]);
  const generalInfo = [...(askImplicit ? [implicitConfirmRequest()] : []), ...(profile ? [profile] : [])];
  let response = await transaction.exchange(enrollment.body, [responseType], generalInfo.length > 0 ? generalInfo : undefined);
  let outcome = readCertResponse(response, enrollment.certReqId);
  if (outcome.kind === "waiting") {
    ({ response, outcome } = await pollForCertificate(transaction, responseType, enrollment.certReqId, context.pollLimitMs));
  }
  const implicit = askImplicit && grantsImplicitConfirm(response.message.header);

  let parsed: ParsedCertificate;
  try {
    parsed = parseCertificate(outcome.certificate);
  } catch (cause) {
    throw new CmpClientError("protocol", `the ${responseType} carries a certificate that cannot be read: ${(cause as Error).message}`, { cause });
  }
  if (enrollment.publicKey && !bytesEqual(parsed.spki, enrollment.publicKey)) {
    const reason = `the certificate ${parsed.label} certifies another public key than the one requested`;
    if (!implicit) await rejectCertificate(transaction, outcome.certificate, parsed, enrollment.certReqId, reason);
    throw new CmpClientError("protocol", `certificate refused: ${reason}`);
  }
  let privateKey: Uint8Array | undefined;
  if (enrollment.centralKey) {
    try {
      privateKey = await openCentralKey(outcome.privateKey, enrollment.centralKey.recipient, parsed, [...response.extraCertsDer, ...outcome.caPubs]);
    } catch (error) {
      // A certificate whose key we cannot have is of no use: tell the server, so it does not count as issued.
      if (!implicit && error instanceof CmpClientError) await rejectCertificate(transaction, outcome.certificate, parsed, enrollment.certReqId, error.message);
      throw error;
    }
  }
  if (!implicit) {
    await transaction.exchange(await confirmation(outcome.certificate, parsed, enrollment.certReqId), ["pkiconf"]);
  }
  return {
    certificate: outcome.certificate,
    caPubs: outcome.caPubs,
    extraCerts: response.extraCertsDer.map((der) => der.slice()),
    status: outcome.status,
    implicitlyConfirmed: implicit,
    transactionID: transaction.transactionID.slice(),
    privateKey,
  };
}

async function confirmation(certificate: Uint8Array, parsed: ParsedCertificate, certReqId: number, rejection?: string): Promise<Uint8Array> {
  try {
    return await certConfBody(certificate, parsed.signatureAlgorithm, certReqId, rejection ? { failInfo: "incorrectData", reason: rejection } : undefined);
  } catch (error) {
    // certHash needs the hash of the certificate's signature; a refused algorithm (SHA-1, ...) leaves none.
    if (error instanceof CmpError) throw new CmpClientError("protocol", `cannot confirm the certificate ${parsed.label}: ${error.message}`, { cause: error });
    throw error;
  }
}

/** Tell the server we refuse the certificate; the refusal itself is what the caller hears about. */
async function rejectCertificate(transaction: Transaction, certificate: Uint8Array, parsed: ParsedCertificate, certReqId: number, reason: string): Promise<void> {
  try {
    await transaction.exchange(await confirmation(certificate, parsed, certReqId, reason), ["pkiconf"]);
  } catch {
    // The server may be gone or refuse the certConf; the certificate stays refused either way.
  }
}
