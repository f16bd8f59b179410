/**
 * A tiny DER walker and builder for tests, so that vectors are taken apart
 * and put together independently of the schemas under test.
 */
export interface Tlv {
  tag: number;
  /** Offset of the tag byte. */
  start: number;
  /** Offset of the first content byte. */
  contentStart: number;
  /** Offset just past the content. */
  end: number;
}

export function readTlv(der: Uint8Array, offset = 0): Tlv {
  const tag = der[offset]!;
  let pos = offset + 1;
  let length = der[pos++]!;
  if (length & 0x80) {
    const count = length & 0x7f;
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + der[pos++]!;
  }
  if (pos + length > der.length) throw new Error("truncated DER");
  return { tag, start: offset, contentStart: pos, end: pos + length };
}

/** The elements inside a constructed TLV. */
export function children(der: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  let pos = parent.contentStart;
  while (pos < parent.end) {
    const child = readTlv(der, pos);
    out.push(child);
    pos = child.end;
  }
  return out;
}

export function bytesOf(der: Uint8Array, tlv: Tlv): Uint8Array {
  return der.slice(tlv.start, tlv.end);
}

export function contentOf(der: Uint8Array, tlv: Tlv): Uint8Array {
  return der.slice(tlv.contentStart, tlv.end);
}

export function encodeTlv(tag: number, content: Uint8Array): Uint8Array {
  let header: number[];
  const n = content.length;
  if (n < 0x80) header = [tag, n];
  else if (n < 0x100) header = [tag, 0x81, n];
  else if (n < 0x10000) header = [tag, 0x82, n >> 8, n & 0xff];
  else header = [tag, 0x83, n >> 16, (n >> 8) & 0xff, n & 0xff];
  const out = new Uint8Array(header.length + n);
  out.set(header, 0);
  out.set(content, header.length);
  return out;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

// Plain JS (no Buffer), so the helpers also run inside workerd.
export function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export function fromHex(text: string): Uint8Array {
  const clean = text.replace(/\s+/g, "");
  if (clean.length % 2 !== 0 || /[^0-9a-f]/i.test(clean)) throw new Error(`not hex: ${text}`);
  return Uint8Array.from(clean.match(/../g) ?? [], (pair) => parseInt(pair, 16));
}
