import { digest } from "../crypto/digest.js";
import { parseCertificate } from "../crypto/parsed_certificate.js";
import { DecodeError } from "../asn1/decode_error.js";
import type { CertificateAuthority } from "../ca/authority.js";
import { getCertificate } from "../ca/certificate_record.js";
import { encodeAlgorithm } from "../ca/issuer.js";
import type { KeyAndCertificates } from "../ca/local_key_pair.js";
import { SignerError, type Signer } from "../kms/signer.js";
import type { Store } from "../store/store.js";
import { encodeResponderIdByKey, encodeResponseData, ocspErrorResponse, signOcspResponse, type OcspErrorStatus, type SingleResponse } from "./basic_ocsp_response.js";
import { matchCertId, subjectPublicKeyBits } from "./cert_id.js";
import { certStatusOf, type CertStatus } from "./cert_status.js";
import { DEFAULT_OCSP_REQUEST_LIMITS, parseOcspRequest, type OcspRequest, type OcspRequestLimits } from "./ocsp_request.js";

/**
 * The OCSP responder (RFC 6960, profiled by RFC 5019): DER OCSPRequest in,
 * DER OCSPResponse out, never an exception. It knows no HTTP
 * (src/http/ocsp.ts carries it) and reads one certificate record per
 * CertID, nothing else.
 */

export interface OcspContext {
  ca: CertificateAuthority;
  store: Store;
  /**
   * A delegated responder (RFC 6960 §4.2.2.2): its signer and certificate,
   * which the CA issued with id-kp-OCSPSigning; absent, the CA key signs.
   * Checked at start (src/ocsp/delegated_responder.ts).
   */
  responder?: KeyAndCertificates;
  /** nextUpdate = thisUpdate + validitySeconds (publication.ocsp.validitySeconds). */
  validitySeconds: number;
  now(): Date;
  limits?: OcspRequestLimits;
}

export type OcspOutcome = "successful" | OcspErrorStatus;

/** What was answered, for the HTTP layer's headers and its log line. */
export interface OcspAnswer {
  body: Uint8Array;
  outcome: OcspOutcome;
  /** Why an error status was chosen. */
  reason?: string;
  /** Per CertID asked: the serial (hex; absent for another issuer's) and the status answered. */
  certificates?: Array<{ serial?: string; status: CertStatus["status"] }>;
  /** Whether the request had a nonce (then the answer is for that request only). */
  nonce?: boolean;
  producedAt?: Date;
  nextUpdate?: Date;
  /** Something the operator should fix although the answer went out (an expired responder certificate). */
  warning?: string;
  /** An unexpected failure, answered internalError: for the operator's log. */
  error?: unknown;
}

export async function answerOcsp(bytes: Uint8Array, ctx: OcspContext): Promise<OcspAnswer> {
  try {
    return await answer(bytes, ctx);
  } catch (error) {
    // RFC 6960 §2.3: internalError, "the query should be retried, potentially with another responder".
    return { ...refusal("internalError", "unexpected failure"), error };
  }
}

async function answer(bytes: Uint8Array, ctx: OcspContext): Promise<OcspAnswer> {
  let request: OcspRequest;
  try {
    request = parseOcspRequest(bytes, ctx.limits ?? DEFAULT_OCSP_REQUEST_LIMITS);
  } catch (error) {
    if (error instanceof DecodeError) return refusal("malformedRequest", error.message);
    throw error;
  }

  const matches = await Promise.all(request.requests.map((entry) => matchCertId(ctx.ca, entry.certId)));
  // RFC 6960 §2.3 / RFC 5019 §2.2.3: a responder that can answer for none of
  // the certificates is "not capable of responding authoritatively". Other
  // issuers' certificates beside ours get "unknown" (§2.2: "usually because
  // the request indicates an unrecognized issuer"), so ours are still answered.
  if (!matches.some((match) => match.issuer === "ours")) return refusal("unauthorized", "no CertID names this CA");

  let statuses: CertStatus[];
  try {
    statuses = await Promise.all(
      matches.map(async (match) =>
        match.issuer === "ours" && match.serial !== undefined ? certStatusOf(await getCertificate(ctx.store, match.serial)) : ({ status: "unknown" } as const),
      ),
    );
  } catch (error) {
    // §2.3: "operational but unable to return a status": tryLater.
    return { ...refusal("tryLater", "the store did not answer"), error };
  }

  const now = wholeSeconds(ctx.now());
  const nextUpdate = new Date(now.getTime() + ctx.validitySeconds * 1000);
  const responses: SingleResponse[] = request.requests.map((entry, index) => ({
    certId: entry.der,
    certStatus: statuses[index]!,
    thisUpdate: now,
    nextUpdate,
  }));
  let signing = await preparedSigning(ctx.responder ?? ctx.ca);
  let warning: string | undefined;
  if (signing.notAfter && now > signing.notAfter) {
    // Checked at start, but a process may outlive the certificate: answers
    // under an expired responder certificate are refused by every client,
    // so the CA signs until the operator renews it.
    warning = `the delegated responder certificate expired at ${signing.notAfter.toISOString()}; the CA signed instead`;
    signing = await preparedSigning(ctx.ca);
  }
  const tbs = encodeResponseData({ responderId: signing.responderId, producedAt: now, responses, nonce: request.nonce });
  let body: Uint8Array;
  try {
    body = await signOcspResponse(signing.signer, signing.signatureAlgorithm, tbs, signing.certs);
  } catch (error) {
    // A KMS that is briefly away: tryLater; one that refuses for good: internalError.
    if (error instanceof SignerError) return { ...refusal(error.transient ? "tryLater" : "internalError", `signing failed: ${error.message}`), error };
    throw error;
  }
  return {
    body,
    outcome: "successful",
    certificates: matches.map((match, index) => ({ serial: match.issuer === "ours" ? match.serial : undefined, status: statuses[index]!.status })),
    nonce: request.nonce !== undefined,
    producedAt: now,
    nextUpdate,
    ...(warning ? { warning } : {}),
  };
}

function refusal(outcome: OcspErrorStatus, reason: string): OcspAnswer {
  return { body: ocspErrorResponse(outcome), outcome, reason };
}

function wholeSeconds(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}

/** What every answer of one signer repeats, worked out once per signer. */
interface PreparedSigning {
  signer: Signer;
  signatureAlgorithm: Uint8Array;
  responderId: Uint8Array;
  certs: Uint8Array[];
  /** The delegated responder certificate's notAfter; none for the CA. */
  notAfter?: Date;
}

const prepared = new WeakMap<object, Promise<PreparedSigning>>();

function preparedSigning(signer: KeyAndCertificates | CertificateAuthority): Promise<PreparedSigning> {
  let signing = prepared.get(signer);
  if (!signing) {
    signing = prepareSigning("chain" in signer ? { signer: signer.signer, certificates: [] } : signer);
    prepared.set(signer, signing);
    signing.catch(() => prepared.delete(signer));
  }
  return signing;
}

/**
 * The delegated responder's certificate travels in certs so that a client
 * holding only the CA certificate can check it (RFC 6960 §4.2.2.2); its
 * chain does not, since the CA issued it directly. The CA itself sends no
 * certificate: the client asking already has the issuer's (RFC 5019 §2.2.1
 * lets certs be left out).
 */
async function prepareSigning(responder: KeyAndCertificates): Promise<PreparedSigning> {
  const { signer } = responder;
  const keyHash = await digest("SHA-1", subjectPublicKeyBits(signer.publicKey));
  return {
    signer,
    signatureAlgorithm: encodeAlgorithm(signer.algorithm),
    responderId: encodeResponderIdByKey(keyHash),
    certs: responder.certificates.slice(0, 1),
    notAfter: responder.certificates[0] ? parseCertificate(responder.certificates[0]).notAfter : undefined,
  };
}
