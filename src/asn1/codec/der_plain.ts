import { DecodeError } from "../decode_error.js";
import { derChildren, readDerElement, type DerElement } from "./der_reader.js";

/**
 * Whether `bytes` are exactly one DER element by its structure (X.690
 * §8.1, §10.1: single-octet tags, definite lengths in the fewest octets,
 * every constructed element's contents a run of such elements), as
 * der_reader.ts reads it. The encoder writes an ANY's octets as they are
 * when this holds (an ANY holds an encoding: an AlgorithmIdentifier's
 * parameters, an attribute's value), and refuses them otherwise.
 *
 * asn1-schema re-encoded an ANY through asn1js, which rewrote some
 * contents it interprets (a padded INTEGER, a non-DER time) and an
 * indefinite length; the project's encoder keeps what it was given, so a
 * received value copied into a response or a certificate is the one the
 * client sent. The differential run (scripts/codec_differential.ts) counts
 * where that differs from asn1js.
 */
export function isPlainDer(bytes: Uint8Array): boolean {
  try {
    const element = readDerElement(bytes, 0, bytes.length);
    return element.end === bytes.length && wellFormed(element, 0);
  } catch (error) {
    if (error instanceof DecodeError) return false;
    throw error;
  }
}

const MAX_DEPTH = 64;

function wellFormed(element: DerElement, depth: number): boolean {
  if (!(element.tag & 0x20)) return true;
  if (depth >= MAX_DEPTH) return false;
  return derChildren(element).every((child) => wellFormed(child, depth + 1));
}
