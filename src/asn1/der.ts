/**
 * The few DER readers and writers used to splice pre-encoded parts together
 * (certificates, CMP responses) and to find elements in received bytes.
 * Splicing is how the issuer Name, the requested SubjectPublicKeyInfo and
 * the certificates we send stay byte-identical to their sources: a parse and
 * re-serialize round trip through a schema library need not reproduce the
 * original octets (X.690 §10 DER, §8.1 TLV encoding).
 */

/** Concatenate byte arrays. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** DER length octets: short form below 128, else the minimal long form (X.690 §8.1.3, §10.1). */
export function encodeLength(length: number): Uint8Array {
  const octets = lengthOctets(length);
  const out = new Uint8Array(octets);
  writeLength(out, 0, length, octets);
  return out;
}

/** How many octets the DER length of `length` takes. */
function lengthOctets(length: number): number {
  if (length < 0x80) return 1;
  let count = 1;
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) count++;
  return count;
}

/** Write the DER length of `length`, `octets` long (lengthOctets), at `offset`; returns the offset after it. */
function writeLength(out: Uint8Array, offset: number, length: number, octets: number): number {
  if (length < 0x80) {
    out[offset] = length;
    return offset + 1;
  }
  const count = octets - 1;
  out[offset] = 0x80 | count;
  for (let index = count, rest = length; index >= 1; index--, rest = Math.floor(rest / 256)) out[offset + index] = rest & 0xff;
  return offset + count + 1;
}

/**
 * One TLV with a single-octet tag around already-encoded contents, written
 * into one allocation: certificates and answers are spliced from dozens of
 * these, and building each from three intermediate arrays was a tenth of
 * an ir's own (non-crypto) CPU.
 */
export function encodeTlv(tag: number, contents: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of contents) length += part.length;
  const octets = lengthOctets(length);
  const out = new Uint8Array(1 + octets + length);
  out[0] = tag;
  let offset = writeLength(out, 1, length, octets);
  for (const part of contents) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** SEQUENCE (universal 16, constructed). */
export function encodeSequence(elements: readonly Uint8Array[]): Uint8Array {
  return encodeTlv(0x30, elements);
}

/** [n] EXPLICIT around one encoded element (context-specific, constructed). */
export function encodeExplicit(tagNumber: number, element: Uint8Array): Uint8Array {
  return encodeTlv(0xa0 | tagNumber, [element]);
}

/** INTEGER from its already-minimal two's-complement contents. */
export function encodeIntegerContents(contents: Uint8Array): Uint8Array {
  return encodeTlv(0x02, [contents]);
}

/** BIT STRING of whole octets (no unused bits), as signatures are carried. */
export function encodeOctetAlignedBitString(value: Uint8Array): Uint8Array {
  return encodeTlv(0x03, [Uint8Array.of(0), value]);
}

/** One TLV found in a DER buffer: where it starts, where its contents start, where it ends. */
export interface DerElement {
  tag: number;
  start: number;
  contentStart: number;
  end: number;
}

/**
 * Read the TLV at `offset`. Only single-octet tags and definite lengths,
 * which is all DER certificates use (X.690 §10.1).
 */
export function readElement(bytes: Uint8Array, offset: number): DerElement {
  if (offset + 2 > bytes.length) throw new Error("DER: truncated element");
  const tag = bytes[offset]!;
  if ((tag & 0x1f) === 0x1f) throw new Error("DER: multi-octet tags are not supported");
  let length = bytes[offset + 1]!;
  let contentStart = offset + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 4) throw new Error("DER: unsupported length encoding");
    if (contentStart + count > bytes.length) throw new Error("DER: truncated length");
    length = 0;
    for (let index = 0; index < count; index++) length = length * 256 + bytes[contentStart + index]!;
    contentStart += count;
  }
  const end = contentStart + length;
  if (end > bytes.length) throw new Error("DER: element runs past the end of its container");
  return { tag, start: offset, contentStart, end };
}

/** The elements directly inside the constructed element `parent`. */
export function readChildren(bytes: Uint8Array, parent: DerElement): DerElement[] {
  const children: DerElement[] = [];
  for (let offset = parent.contentStart; offset < parent.end; ) {
    const child = readElement(bytes, offset);
    if (child.end > parent.end) throw new Error("DER: element runs past the end of its container");
    children.push(child);
    offset = child.end;
  }
  return children;
}
