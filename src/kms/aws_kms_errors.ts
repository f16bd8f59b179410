import { SignerError } from "./signer.js";

/**
 * Turn whatever a KMS call threw into a SignerError that says whether
 * waiting can help. The engine answers transient failures with `waiting`
 * and retries at the client's pollReq (RFC 9810 §5.2.3, Profile.signerRetry);
 * permanent ones fail the request at once. Messages name the key and the
 * AWS error code so the operator can act, and never carry credentials: only
 * the key id, the code, the HTTP status and AWS's own message are used.
 */

/**
 * Codes worth retrying (AWS KMS API Reference, "Common Errors" and the
 * per-operation errors of Sign/GetPublicKey): the request was valid, the
 * service was busy or broken for a moment.
 */
const TRANSIENT_CODES = new Set([
  "ThrottlingException",
  "KMSInternalException",
  "DependencyTimeoutException",
  "ServiceUnavailable",
  "ServiceUnavailableException",
  "InternalFailure",
  "RequestTimeout",
  "RequestTimeoutException",
  "TimeoutError",
  "TooManyRequestsException",
]);

/**
 * Codes that the same request will meet again until someone changes the key,
 * its policy or the configuration (listed for the reader; any other 4xx is
 * treated the same way).
 */
const PERMANENT_CODES = new Set([
  "NotFoundException",
  "DisabledException",
  "KMSInvalidStateException",
  "AccessDeniedException",
  "InvalidKeyUsageException",
  "IncorrectKeyException",
  "InvalidGrantTokenException",
  "KeyUnavailableException",
  "ValidationException",
  "UnrecognizedClientException",
  "InvalidSignatureException",
  "MissingAuthenticationTokenException",
]);

/**
 * Error codes of a request that never got an HTTP answer: the connection
 * failed or was cut (Node's socket errors; the SDK's own timeout names).
 */
const NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EAI_AGAIN", "ENETUNREACH", "EHOSTUNREACH", "UND_ERR_SOCKET", "UND_ERR_CONNECT_TIMEOUT"]);

interface AwsErrorShape {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  $fault?: unknown;
  $metadata?: { httpStatusCode?: unknown };
  cause?: unknown;
}

export interface KmsCall {
  operation: "Sign" | "GetPublicKey";
  keyId: string;
  /** Set when our own request deadline fired: the call was aborted, not refused. */
  timedOutAfterMs?: number;
}

export function kmsSignerError(error: unknown, call: KmsCall): SignerError {
  const prefix = `AWS KMS ${call.operation} with key ${call.keyId}`;
  if (call.timedOutAfterMs !== undefined) {
    return new SignerError(`${prefix} timed out after ${call.timedOutAfterMs} ms`, true, { cause: error });
  }
  const shape = (typeof error === "object" && error !== null ? error : {}) as AwsErrorShape;
  const code = typeof shape.name === "string" && shape.name !== "Error" ? shape.name : typeof shape.code === "string" ? shape.code : "Error";
  const status = typeof shape.$metadata?.httpStatusCode === "number" ? shape.$metadata.httpStatusCode : undefined;
  const detail = clip(typeof shape.message === "string" ? shape.message : String(error));
  const what = status !== undefined ? `${code} (HTTP ${status})` : code;
  const transient = isTransient(shape, code, status);
  return new SignerError(`${prefix} failed: ${what}: ${detail}`, transient, { cause: error });
}

function isTransient(shape: AwsErrorShape, code: string, status: number | undefined): boolean {
  if (TRANSIENT_CODES.has(code)) return true;
  if (PERMANENT_CODES.has(code)) return false;
  if (status !== undefined) return status >= 500 || status === 429;
  if (shape.$fault === "server") return true;
  // No HTTP answer at all: a network failure is transient; anything else
  // (no region, no credentials, a malformed endpoint) is configuration.
  return isNetworkFailure(shape);
}

function isNetworkFailure(shape: AwsErrorShape): boolean {
  // fetch (workerd, Node's undici) rejects with TypeError when the
  // connection fails; Node's http module with a socket error code.
  if (shape instanceof TypeError) return true;
  if (typeof shape.code === "string" && NETWORK_CODES.has(shape.code)) return true;
  if (shape.name === "AbortError") return true;
  const cause = shape.cause as AwsErrorShape | undefined;
  return typeof cause === "object" && cause !== null && typeof cause.code === "string" && NETWORK_CODES.has(cause.code);
}

/** AWS messages can be long (policies, ARNs); a log line needs the start. */
function clip(text: string): string {
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}
