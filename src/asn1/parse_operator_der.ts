import { parseDer, type ByteSource } from "./parse_der.js";

/**
 * Operator input read once at start-up (a configured CA, CMP signer or
 * OCSP responder certificate, an extension inside one, a PKCS #8 key):
 * decoded by the same strict DER decoder as received messages, so the
 * Worker needs no second, lenient ASN.1 parser. Certificates are DER
 * (RFC 5280 §4.1) and so are PKCS #8 keys (RFC 5958 §2, as OpenSSL writes
 * them); one that is not (BER, X.690 §10) fails start-up with `what` and the
 * rule it breaks, e.g. "the CA certificate is not DER: length at offset 1
 * has a leading zero octet (not DER)". `openssl x509 -outform DER` (or
 * `openssl pkcs8 -topk8 -nocrypt -outform DER` for a key) re-encodes it.
 */
export function parseOperatorDer<T>(bytes: ByteSource, type: new () => T, what: string): T {
  try {
    return parseDer(bytes, type);
  } catch (error) {
    throw new Error(`${what} is not DER: ${(error as Error).message}`, { cause: error });
  }
}
