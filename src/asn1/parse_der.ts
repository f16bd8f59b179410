import { DecodeError } from "./decode_error.js";
import { decodeDer } from "./codec/der_decoder.js";
import { typeName } from "./codec/type_name.js";
import { checkDer, DEFAULT_DER_LIMITS, type DerLimits } from "./der_scan.js";

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

/**
 * The schema parse of bytes that checkDer already passed (e.g. as part of a
 * whole message): the project's strict DER decoder (codec/der_decoder.ts),
 * driven by the same schema declarations, without tokenizing through asn1js.
 */
export function parseChecked<T>(bytes: Uint8Array, type: new () => T): T {
  try {
    return decodeDer(bytes, type);
  } catch (cause) {
    throw new DecodeError(`not a DER ${typeName(type)}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/** Bytes as the schemas hand them out: ArrayBuffer, a typed array, or asn1-schema's OctetString (a buffer with a view's shape). */
export type ByteSource = ArrayBuffer | ArrayBufferView | { buffer: ArrayBuffer; byteOffset?: number; byteLength: number };

function asBytes(bytes: ByteSource): Uint8Array {
  if (bytes instanceof Uint8Array) return bytes;
  if (bytes instanceof ArrayBuffer) return new Uint8Array(bytes);
  return new Uint8Array(bytes.buffer as ArrayBuffer, bytes.byteOffset ?? 0, bytes.byteLength);
}
