/**
 * Stands in for @peculiar/utils in the Worker bundle (wrangler.toml
 * [alias]; "@peculiar/utils/bytes" and "/encoding" are aliased to the files
 * beside this one). The @peculiar ASN.1 packages call four of its
 * functions: isBufferSource and toArrayBuffer (asn1-schema's OctetString
 * and BitString), equal (asn1-x509's AlgorithmIdentifier.isEqual) and
 * hex.encode (asn1-x509's iPAddress and Name text). The package's entry
 * module brings all of it, with a converter registry and PEM, base64 and
 * UTF-16 codecs that nothing in the Worker uses (about 12 KB). These are
 * the same functions, line for line as @peculiar/utils 1.x has them
 * (build/esm/bytes/buffer-source.js, equal.js, encoding/hex.js), so that
 * an OctetString built from a view, or compared, behaves as in Node;
 * test/runtime/peculiar_utils.test.ts holds them to the real ones.
 */

type BufferSource = ArrayBuffer | SharedArrayBuffer | ArrayBufferView;
type ViewLike = { buffer: ArrayBufferLike; byteOffset: number; byteLength: number };

function tagOf(value: unknown): string {
  return Object.prototype.toString.call(value);
}

function isArrayBuffer(value: unknown): value is ArrayBuffer {
  return tagOf(value) === "[object ArrayBuffer]";
}

function isArrayBufferLike(value: unknown): value is ArrayBufferLike {
  return isArrayBuffer(value) || (typeof SharedArrayBuffer !== "undefined" && tagOf(value) === "[object SharedArrayBuffer]");
}

/** A view, or anything shaped like one over an ArrayBuffer (asn1-schema's OctetString is). */
function isArrayBufferViewLike(value: unknown): value is ViewLike {
  if (ArrayBuffer.isView(value)) return true;
  if (!value || typeof value !== "object") return false;
  const view = value as Partial<ViewLike>;
  return typeof view.byteOffset === "number" && typeof view.byteLength === "number" && isArrayBufferLike(view.buffer);
}

export function isBufferSource(value: unknown): value is BufferSource {
  return isArrayBufferLike(value) || isArrayBufferViewLike(value);
}

function assertBufferSource(value: unknown): asserts value is BufferSource {
  if (!isBufferSource(value)) throw new TypeError("Expected ArrayBuffer, SharedArrayBuffer, or ArrayBufferView");
}

export function toUint8Array(data: unknown): Uint8Array {
  assertBufferSource(data);
  if (isArrayBufferLike(data)) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** The ArrayBuffer itself, or a copy of a view's bytes. */
export function toArrayBuffer(data: unknown): ArrayBuffer {
  assertBufferSource(data);
  if (isArrayBuffer(data)) return data;
  const buffer = new ArrayBuffer(data.byteLength);
  new Uint8Array(buffer).set(toUint8Array(data));
  return buffer;
}
