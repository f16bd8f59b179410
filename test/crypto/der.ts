/**
 * Byte helpers for test vectors. Walking and building DER is done with
 * src/asn1/der.ts (readElement, readChildren, encodeTlv, concatBytes), which
 * works on raw TLVs and is independent of the schemas under test; this file
 * adds only what that module lacks.
 *
 * Plain JS (no Buffer, no node: modules), so the helpers also run inside workerd.
 */
import type { DerElement } from "../../src/asn1/der.js";

/** The whole encoding (tag, length and contents) of `element`, copied out of `der`. */
export function bytesOf(der: Uint8Array, element: DerElement): Uint8Array {
  return der.slice(element.start, element.end);
}

/** The contents octets of `element`, copied out of `der`. */
export function contentOf(der: Uint8Array, element: DerElement): Uint8Array {
  return der.slice(element.contentStart, element.end);
}

export function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export function fromHex(text: string): Uint8Array {
  const clean = text.replace(/\s+/g, "");
  if (clean.length % 2 !== 0 || /[^0-9a-f]/i.test(clean)) throw new Error(`not hex: ${text}`);
  return Uint8Array.from(clean.match(/../g) ?? [], (pair) => parseInt(pair, 16));
}
