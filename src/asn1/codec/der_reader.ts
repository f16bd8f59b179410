import { DecodeError } from "../decode_error.js";

/**
 * One DER element (X.690 §8.1) inside a buffer: its identifier octet, where
 * its contents start and where it ends. Nothing is copied.
 */
export interface DerElement {
  bytes: Uint8Array;
  tag: number;
  start: number;
  contentStart: number;
  end: number;
}

/**
 * Read the element at `offset`, strictly DER (X.690 §10.1): a single-octet
 * tag (no PKIX structure needs tag numbers above 30), a definite length in
 * its minimal form below 2^31, contents inside `limit`. Anything else is a
 * DecodeError, never a guess.
 */
export function readDerElement(bytes: Uint8Array, offset: number, limit: number): DerElement {
  if (offset + 2 > limit) throw new DecodeError("DER element cut off");
  const tag = bytes[offset]!;
  if ((tag & 0x1f) === 0x1f) throw new DecodeError("multi-octet DER tags are not used here");
  if ((tag & 0xdf) === 0) throw new DecodeError("universal tag 0 (end-of-contents) is not DER");
  let length = bytes[offset + 1]!;
  let contentStart = offset + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0) throw new DecodeError("indefinite length is BER, not DER");
    if (count > 4) throw new DecodeError("DER length too long");
    if (contentStart + count > limit) throw new DecodeError("DER length cut off");
    length = 0;
    for (let index = 0; index < count; index++) length = length * 256 + bytes[contentStart + index]!;
    // X.690 §10.1: the fewest octets, and the short form below 128.
    if (length < 128 || bytes[contentStart] === 0) throw new DecodeError("DER length not in its minimal form");
    if (length >= 2 ** 31) throw new DecodeError("DER length too large");
    contentStart += count;
  }
  const end = contentStart + length;
  if (end > limit) throw new DecodeError("DER contents cut off");
  return { bytes, tag, start: offset, contentStart, end };
}

/** The elements that make up a constructed element's contents, which they must fill exactly. */
export function derChildren(element: DerElement): DerElement[] {
  if (!(element.tag & 0x20)) throw new DecodeError("a primitive DER element has no children");
  const children: DerElement[] = [];
  let offset = element.contentStart;
  while (offset < element.end) {
    const child = readDerElement(element.bytes, offset, element.end);
    children.push(child);
    offset = child.end;
  }
  return children;
}

/** The contents octets, as a view. */
export function derContents(element: DerElement): Uint8Array {
  return element.bytes.subarray(element.contentStart, element.end);
}

/** The whole element's octets, as a view. */
export function derEncoding(element: DerElement): Uint8Array {
  return element.bytes.subarray(element.start, element.end);
}
