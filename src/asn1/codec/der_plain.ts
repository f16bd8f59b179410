/**
 * Whether `bytes` are exactly one DER element that asn1js, parsing and
 * re-encoding it (as asn1-schema does for an ANY, AsnAnyConverter), gives
 * back octet for octet. The encoder then writes an ANY's octets as they are
 * instead of round-tripping them through asn1js; anything this does not
 * vouch for takes that round trip, so the result is the same either way.
 *
 * Vouched for: single-octet tags (X.690 §8.1.2.2), definite lengths in the
 * fewest octets (§10.1), constructed universal types only SEQUENCE and SET
 * (§10.2: DER strings are primitive), and for the universal primitives
 * asn1js interprets, their DER form: a one-octet BOOLEAN, minimal INTEGER
 * and ENUMERATED (§8.3.2), an empty NULL (§8.8.2), a BIT STRING whose
 * count of unused bits is in range (§8.6.2), OBJECT IDENTIFIER arcs in the
 * fewest octets (§8.19.2) and small enough for asn1js to keep as numbers,
 * and times in their DER forms (§11.7, §11.8). Other universal primitives
 * asn1js might reinterpret are left to it.
 */
export function isPlainDer(bytes: Uint8Array): boolean {
  return plainElement(bytes, 0, bytes.length, 0) === bytes.length;
}

const MAX_DEPTH = 64;

/** The end of the plain DER element at `offset` within `limit`, or -1. */
function plainElement(bytes: Uint8Array, offset: number, limit: number, depth: number): number {
  if (depth > MAX_DEPTH || offset + 2 > limit) return -1;
  const tag = bytes[offset]!;
  if ((tag & 0x1f) === 0x1f || (tag & 0xdf) === 0) return -1;
  let length = bytes[offset + 1]!;
  let start = offset + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 4 || start + count > limit || bytes[start] === 0) return -1;
    length = 0;
    for (let index = 0; index < count; index++) length = length * 256 + bytes[start + index]!;
    if (length < 0x80) return -1;
    start += count;
  }
  const end = start + length;
  if (end > limit) return -1;
  if (tag & 0x20) {
    if ((tag & 0xc0) === 0 && tag !== 0x30 && tag !== 0x31) return -1;
    for (let at = start; at < end; ) {
      at = plainElement(bytes, at, end, depth + 1);
      if (at < 0) return -1;
    }
    return end;
  }
  if ((tag & 0xc0) !== 0) return end;
  return plainUniversal(bytes, tag, start, end) ? end : -1;
}

/** Single-octet-per-unit strings asn1js keeps as they are: UTF8String, NumericString to GeneralString but times, UniversalString, BMPString. */
const VERBATIM_STRINGS = new Set([0x0c, 0x12, 0x13, 0x14, 0x15, 0x16, 0x19, 0x1a, 0x1b, 0x1c, 0x1e]);

function plainUniversal(bytes: Uint8Array, tag: number, start: number, end: number): boolean {
  const length = end - start;
  switch (tag) {
    case 0x01:
      return length === 1 && (bytes[start] === 0 || bytes[start] === 0xff);
    case 0x02:
    case 0x0a:
      return length >= 1 && !(length > 1 && ((bytes[start] === 0 && !(bytes[start + 1]! & 0x80)) || (bytes[start] === 0xff && bytes[start + 1]! & 0x80)));
    case 0x03:
      return length >= 1 && bytes[start]! <= 7 && !(length === 1 && bytes[start] !== 0);
    case 0x04:
      return true;
    case 0x05:
      return length === 0;
    case 0x06:
      return plainArcs(bytes, start, end);
    case 0x17:
      return /^\d{12}Z$/.test(latin1(bytes, start, end));
    case 0x18:
      return /^\d{14}(\.\d*[1-9])?Z$/.test(latin1(bytes, start, end));
    default:
      return VERBATIM_STRINGS.has(tag);
  }
}

/** OBJECT IDENTIFIER contents: at least one arc, each in the fewest octets and at most 7 of them (below 2^49). */
function plainArcs(bytes: Uint8Array, start: number, end: number): boolean {
  if (start === end || bytes[end - 1]! & 0x80) return false;
  let octets = 0;
  for (let at = start; at < end; at++) {
    if (octets === 0 && bytes[at] === 0x80) return false;
    octets = bytes[at]! & 0x80 ? octets + 1 : 0;
    if (octets >= 7) return false;
  }
  return true;
}

function latin1(bytes: Uint8Array, start: number, end: number): string {
  if (end - start > 32) return "";
  return String.fromCharCode(...bytes.subarray(start, end));
}
