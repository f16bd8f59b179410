import type { FailInfoName } from "../asn1/pki_failure_info.js";
import type { StatusInfo } from "./status.js";

/**
 * What went wrong, by who is to blame and what the caller can do:
 * - "http": the transport: no connection, a Content-Type other than
 *   application/pkixcmp (RFC 9811 §3.2), a body that is too large, an HTTP
 *   status other than 200 without an authentic CMP error message (§3.1; an
 *   unprotected one is quoted in statusInfo).
 * - "protection": the response is not authentic: missing, wrong or
 *   untrusted protection (RFC 9810 §5.1.3), including unprotected errors.
 * - "protocol": a response that breaks the protocol: not a PKIMessage,
 *   wrong pvno, transactionID or nonce, an unexpected body type, a
 *   certificate for another key, ... (RFC 9810 §5.1.1, RFC 9483 §3.5).
 * - "rejected": the server refused the request with an authentic answer
 *   (an error message, or a PKIStatus of rejection).
 * - "timeout": no answer in time, or polling would outlast pollLimitMs.
 */
export type CmpClientErrorKind = "http" | "protection" | "protocol" | "rejected" | "timeout";

export class CmpClientError extends Error {
  readonly kind: CmpClientErrorKind;
  /** What the server said, when it said something (an error body, or a rejection status). */
  readonly statusInfo?: StatusInfo;
  /**
   * Whether statusInfo comes from a message whose protection verified. An
   * unprotected error (kind "protection") still carries the server's text,
   * for diagnosis, but anyone on the path could have written it.
   */
  readonly authenticated: boolean;
  /** The HTTP status, for kind "http" when a response arrived. */
  readonly httpStatus?: number;

  constructor(
    kind: CmpClientErrorKind,
    message: string,
    details: { statusInfo?: StatusInfo; authenticated?: boolean; httpStatus?: number; cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = "CmpClientError";
    this.kind = kind;
    this.statusInfo = details.statusInfo;
    this.authenticated = details.authenticated ?? false;
    this.httpStatus = details.httpStatus;
  }

  /** The server's PKIFailureInfo names, empty when it gave none. */
  get failInfo(): FailInfoName[] {
    return this.statusInfo?.failInfo ?? [];
  }

  /** The server's statusString, empty when it gave none. */
  get statusString(): string[] {
    return this.statusInfo?.statusString ?? [];
  }
}
