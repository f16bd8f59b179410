import { DecodeError } from "./decode_error.js";

/**
 * Bounds on what one decoded unit (a PKIMessage, a certificate, an
 * extension's value) may hold. They are checked by one walk over the bytes
 * before any schema parse, so that the cost of the parse that follows is
 * bounded by them: a schema parse spends time per element and, for an
 * OBJECT IDENTIFIER, time that grows faster than its length (asn1js, which
 * parsed here before the project's codec, took about 100 ms for an OID of
 * 30 000 arcs).
 */
export interface DerLimits {
  /** Deepest nesting of constructed elements (a PKIMessage needs about 12). */
  maxDepth: number;
  /** Most elements (TLVs) in one unit (a certificate has 100 to 300). */
  maxElements: number;
  /** Most arcs in one OBJECT IDENTIFIER (the longest in PKIX have about 12). */
  oidMaxArcs: number;
  /** Longest OBJECT IDENTIFIER contents in bytes (a 2.25 UUID OID needs 20). */
  oidMaxBytes: number;
}

export const DEFAULT_DER_LIMITS: DerLimits = {
  maxDepth: 32,
  maxElements: 4096,
  oidMaxArcs: 32,
  oidMaxBytes: 64,
};

/** How many elements a walk has seen so far: one budget shared by the parts of a message. */
export interface ElementBudget {
  elements: number;
}

/**
 * Check that `bytes` is exactly one DER element (X.690 §10) within
 * `limits`, or throw DecodeError. The rules are those of structure, which
 * every DER decoder relies on, and which BER would let an attacker bend:
 * - single-octet tags only (no PKIX structure uses tag numbers above 30);
 * - definite lengths in the minimal form (X.690 §10.1), below 2^32;
 * - constructed contents made exactly of whole elements;
 * - primitive encodings for the types DER requires them of (BIT STRING,
 *   OCTET STRING and the string types, X.690 §10.2), SEQUENCE and SET
 *   constructed, no end-of-contents;
 * - BOOLEAN of one octet, NULL empty, BIT STRING with 0..7 unused bits,
 *   OBJECT IDENTIFIER with minimal arcs (X.690 §8.19.2) within the limits.
 * INTEGER minimality and the contents of strings and times are left to the
 * schema: they are checked where they are read.
 */
export function checkDer(bytes: Uint8Array, limits: DerLimits = DEFAULT_DER_LIMITS, budget: ElementBudget = { elements: 0 }): void {
  if (bytes.length === 0) throw new DecodeError("no DER element");
  const end = walkOne(bytes, 0, bytes.length, 0, limits, budget);
  if (end !== bytes.length) throw new DecodeError(`${bytes.length - end} byte(s) after the DER element`);
}

/** Walk the elements in bytes[offset, end), at `depth`; returns where the last one ends. */
function walk(bytes: Uint8Array, offset: number, end: number, depth: number, limits: DerLimits, budget: ElementBudget): number {
  while (offset < end) offset = walkOne(bytes, offset, end, depth, limits, budget);
  return offset;
}

/** Walk the one element at `offset` (and all inside it); returns where it ends. */
function walkOne(bytes: Uint8Array, offset: number, end: number, depth: number, limits: DerLimits, budget: ElementBudget): number {
  if (depth > limits.maxDepth) {
    throw new DecodeError(`elements are nested deeper than ${limits.maxDepth} levels`, { kind: "limit" });
  }
  if (++budget.elements > limits.maxElements) {
    throw new DecodeError(`more than ${limits.maxElements} DER elements`, { kind: "limit" });
  }
  const tag = bytes[offset]!;
  if ((tag & 0x1f) === 0x1f) throw new DecodeError(`multi-octet tag at offset ${offset}`);
  // Universal 0 is end-of-contents (X.690 §8.1.5), reserved in either form: indefinite lengths are not DER.
  if ((tag & 0xdf) === 0) throw new DecodeError(`universal tag 0 (end-of-contents) at offset ${offset}: indefinite length is not DER`);
  const { contentStart, contentEnd } = readLength(bytes, offset + 1, end);
  const constructed = (tag & 0x20) !== 0;
  if ((tag & 0xc0) === 0) checkUniversal(tag, constructed, bytes, contentStart, contentEnd, limits);
  // Children end exactly at contentEnd: readLength keeps each inside its container.
  if (constructed) walk(bytes, contentStart, contentEnd, depth + 1, limits, budget);
  return contentEnd;
}

function readLength(bytes: Uint8Array, at: number, end: number): { contentStart: number; contentEnd: number } {
  if (at >= end) throw new DecodeError("element is cut short before its length");
  const first = bytes[at]!;
  let length = first;
  let contentStart = at + 1;
  if (first & 0x80) {
    const count = first & 0x7f;
    if (count === 0) throw new DecodeError(`indefinite length at offset ${at} is not DER`);
    if (count > 4) throw new DecodeError(`length of ${count} octets at offset ${at} is too large`);
    if (contentStart + count > end) throw new DecodeError("element is cut short in its length");
    if (bytes[contentStart] === 0) throw new DecodeError(`length at offset ${at} has a leading zero octet (not DER)`);
    length = 0;
    for (let index = 0; index < count; index++) length = length * 256 + bytes[contentStart + index]!;
    if (length < 0x80) throw new DecodeError(`length ${length} at offset ${at} is in the long form (not DER)`);
    contentStart += count;
  }
  const contentEnd = contentStart + length;
  if (contentEnd > end) throw new DecodeError(`element at offset ${at - 1} runs past the end of its container`);
  return { contentStart, contentEnd };
}

/** Universal tag numbers whose DER encoding is primitive (X.690 §10.2, §8.x). */
const PRIMITIVE_ONLY = new Set([1, 2, 3, 4, 5, 6, 9, 10, 12, 13, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 30]);

function checkUniversal(tag: number, constructed: boolean, bytes: Uint8Array, start: number, end: number, limits: DerLimits): void {
  const number = tag & 0x1f;
  const length = end - start;
  if (constructed && PRIMITIVE_ONLY.has(number)) throw new DecodeError(`universal type ${number} in the constructed form is not DER`);
  if (!constructed && (number === 16 || number === 17)) throw new DecodeError(`${number === 16 ? "SEQUENCE" : "SET"} in the primitive form`);
  switch (number) {
    case 1: // BOOLEAN
      if (length !== 1) throw new DecodeError("BOOLEAN is not one octet");
      break;
    case 2: // INTEGER
    case 10: // ENUMERATED
      if (length === 0) throw new DecodeError("INTEGER without contents");
      break;
    case 3: // BIT STRING
      if (length === 0 || bytes[start]! > 7 || (length === 1 && bytes[start] !== 0)) throw new DecodeError("BIT STRING with a wrong unused-bits octet");
      break;
    case 5: // NULL
      if (length !== 0) throw new DecodeError("NULL with contents");
      break;
    case 6: // OBJECT IDENTIFIER
    case 13: // RELATIVE-OID
      checkObjectIdentifier(bytes, start, end, limits);
      break;
  }
}

/** X.690 §8.19: base-128 arcs, each minimal (no leading 0x80), the last octet ending an arc. */
function checkObjectIdentifier(bytes: Uint8Array, start: number, end: number, limits: DerLimits): void {
  const length = end - start;
  if (length === 0) throw new DecodeError("OBJECT IDENTIFIER without contents");
  if (length > limits.oidMaxBytes) {
    throw new DecodeError(`OBJECT IDENTIFIER of ${length} bytes (at most ${limits.oidMaxBytes})`, { kind: "limit" });
  }
  let arcs = 0;
  let arcStart = true;
  for (let index = start; index < end; index++) {
    const octet = bytes[index]!;
    if (arcStart && octet === 0x80) throw new DecodeError("OBJECT IDENTIFIER arc with a leading 0x80 octet (not minimal)");
    arcStart = (octet & 0x80) === 0;
    if (arcStart) arcs++;
  }
  if (!arcStart) throw new DecodeError("OBJECT IDENTIFIER ends inside an arc");
  // The first subidentifier encodes two arcs (X.690 §8.19.4).
  if (arcs + 1 > limits.oidMaxArcs) {
    throw new DecodeError(`OBJECT IDENTIFIER of ${arcs + 1} arcs (at most ${limits.oidMaxArcs})`, { kind: "limit" });
  }
}
