import { concatBytes, encodeIntegerContents, encodeSequence } from "../asn1/der.js";
import { CmpError } from "../asn1/pki_failure_info.js";

/**
 * ECDSA signatures in two spellings: WebCrypto produces and expects the raw
 * fixed-width concatenation r || s (IEEE P1363), X.509, CMS, CMP and cloud
 * KMSs carry the DER encoding
 *
 *   ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }   -- RFC 5480 §2.2, RFC 3279 §2.2.3
 *
 * This file is the one place that converts between them (DESIGN.md,
 * "WebCrypto in the core").
 */

/**
 * Raw r || s (both halves the same width) to DER ECDSA-Sig-Value.
 * The input comes from our own signer, so a bad length is a programming
 * error and throws a plain Error.
 */
export function ecdsaRawToDer(raw: Uint8Array): Uint8Array {
  if (raw.length === 0 || raw.length % 2 !== 0) {
    throw new Error(`raw ECDSA signature must be r || s of equal widths, got ${raw.length} bytes`);
  }
  const half = raw.length / 2;
  const r = derInteger(raw.subarray(0, half));
  const s = derInteger(raw.subarray(half));
  return encodeSequence([r, s]);
}

/**
 * DER ECDSA-Sig-Value to raw r || s, each left-padded to `fieldBytes`
 * (32 for P-256, 48 for P-384, 66 for P-521).
 *
 * The signature arrives from the network, so parsing is strict DER: BER
 * leniency (long-form short lengths, non-minimal or negative integers,
 * trailing bytes) would let one signature have many encodings. A malformed
 * value raises CmpError badDataFormat.
 */
export function ecdsaDerToRaw(der: Uint8Array, fieldBytes: number): Uint8Array {
  if (!Number.isInteger(fieldBytes) || fieldBytes <= 0) {
    throw new Error(`invalid ECDSA field width ${fieldBytes}`);
  }
  const reader = new DerReader(der);
  const seq = reader.read(0x30);
  if (!reader.done()) throw malformed("trailing bytes after the SEQUENCE");
  const inner = new DerReader(seq);
  const r = inner.read(0x02);
  const s = inner.read(0x02);
  if (!inner.done()) throw malformed("more than two elements in the SEQUENCE");
  const out = new Uint8Array(2 * fieldBytes);
  out.set(positiveIntegerBytes(r, fieldBytes, "r"), 0);
  out.set(positiveIntegerBytes(s, fieldBytes, "s"), fieldBytes);
  return out;
}

function malformed(reason: string): CmpError {
  return new CmpError("badDataFormat", `malformed ECDSA signature: ${reason}`);
}

/** Minimal DER INTEGER for an unsigned big-endian value. */
function derInteger(unsigned: Uint8Array): Uint8Array {
  let start = 0;
  while (start < unsigned.length - 1 && unsigned[start] === 0) start++;
  let value = unsigned.subarray(start);
  // A set high bit would read as negative (X.690 §8.3.3): prepend a zero byte.
  if (value[0]! & 0x80) value = concatBytes([Uint8Array.of(0), value]);
  return encodeIntegerContents(value);
}


/** The magnitude of a DER INTEGER's content, checked and left-padded to `width`. */
function positiveIntegerBytes(content: Uint8Array, width: number, name: string): Uint8Array {
  if (content.length === 0) throw malformed(`${name} is empty`);
  if (content[0]! & 0x80) throw malformed(`${name} is negative`);
  if (content.length > 1 && content[0] === 0 && !(content[1]! & 0x80)) {
    throw malformed(`${name} is not minimally encoded`);
  }
  const magnitude = content[0] === 0 ? content.subarray(1) : content;
  if (magnitude.length > width) throw malformed(`${name} is longer than the curve's ${width} bytes`);
  // r, s are in [1, n-1] (SEC 1 §4.1.4 step 1): zero is never a valid signature.
  if (magnitude.every((b) => b === 0)) throw malformed(`${name} is zero`);
  const out = new Uint8Array(width);
  out.set(magnitude, width - magnitude.length);
  return out;
}

/** Just enough of a strict DER reader for SEQUENCE { INTEGER, INTEGER }. */
class DerReader {
  private offset = 0;
  constructor(private readonly bytes: Uint8Array) {}

  done(): boolean {
    return this.offset === this.bytes.length;
  }

  read(tag: number): Uint8Array {
    const b = this.bytes;
    if (this.offset >= b.length) throw malformed("truncated");
    if (b[this.offset] !== tag) {
      throw malformed(`expected tag 0x${tag.toString(16)}, found 0x${b[this.offset]!.toString(16)}`);
    }
    this.offset++;
    if (this.offset >= b.length) throw malformed("truncated length");
    let length = b[this.offset++]!;
    if (length & 0x80) {
      const count = length & 0x7f;
      // Our values are at most a few hundred bytes: two length octets suffice.
      if (count === 0 || count > 2) throw malformed("unsupported length encoding");
      if (this.offset + count > b.length) throw malformed("truncated length");
      length = 0;
      for (let i = 0; i < count; i++) length = (length << 8) | b[this.offset++]!;
      // DER uses the shortest length form (X.690 §10.1).
      if (length < 0x80 || (count === 2 && length < 0x100)) throw malformed("non-minimal length");
    }
    if (this.offset + length > b.length) throw malformed("truncated content");
    const content = b.subarray(this.offset, this.offset + length);
    this.offset += length;
    return content;
  }
}

