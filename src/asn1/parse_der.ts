import { AsnParser } from "@peculiar/asn1-schema";
import { DecodeError } from "./decode_error.js";
import { checkDer, DEFAULT_DER_LIMITS, type DerLimits } from "./der_scan.js";

/**
 * asn1js by default tries to parse the contents of every OCTET STRING and
 * BIT STRING as ASN.1 too ("embedded" values), which the schemas never use:
 * what a field holds is parsed where it is read, through parseDer again.
 * Turned off, the walk in checkDer bounds everything asn1js will look at.
 */
const BER_OPTIONS = { berOptions: { parseEmbedded: false } };

/**
 * Decode received bytes as `type`: checkDer first (strict DER structure,
 * bounded depth, element count and OIDs), then the schema parse. Every
 * failure is a DecodeError, whatever threw it. The one way in for bytes
 * that come from outside (requests, the certificates they carry, the
 * values inside them).
 */
export function parseDer<T>(bytes: ByteSource, type: new () => T, limits: DerLimits = DEFAULT_DER_LIMITS): T {
  const view = asBytes(bytes);
  checkDer(view, limits);
  return parseChecked(view, type);
}

/** The schema parse of bytes that checkDer already passed (e.g. as part of a whole message). */
export function parseChecked<T>(bytes: Uint8Array, type: new () => T): T {
  try {
    return AsnParser.parse(bytes, type, BER_OPTIONS);
  } catch (cause) {
    throw new DecodeError(`not a DER ${type.name}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/** Bytes as the schemas hand them out: ArrayBuffer, a typed array, or asn1-schema's OctetString (a buffer with a view's shape). */
type ByteSource = ArrayBuffer | ArrayBufferView | { buffer: ArrayBuffer; byteOffset?: number; byteLength: number };

function asBytes(bytes: ByteSource): Uint8Array {
  if (bytes instanceof Uint8Array) return bytes;
  if (bytes instanceof ArrayBuffer) return new Uint8Array(bytes);
  return new Uint8Array(bytes.buffer as ArrayBuffer, bytes.byteOffset ?? 0, bytes.byteLength);
}
