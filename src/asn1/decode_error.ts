/**
 * The one error type of decoding: bytes that are not the DER of what was
 * expected, or that exceed a decoding limit. Everything that turns received
 * bytes into objects throws this (src/asn1/parse_der.ts wraps the schema
 * library's own errors in it), so the engine can tell bad input
 * (badDataFormat, RFC 9810 §5.2.3) from a bug by type, not by luck.
 */
export class DecodeError extends Error {
  /** "limit": well-formed, but over a configured bound; "format": not DER of the expected type. */
  readonly kind: "format" | "limit";
  constructor(message: string, options?: { cause?: unknown; kind?: "format" | "limit" }) {
    super(message, options);
    this.name = "DecodeError";
    this.kind = options?.kind ?? "format";
  }
}
