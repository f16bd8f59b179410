import { sha1 } from "@noble/hashes/legacy.js";
import { readChildren, readElement } from "../asn1/der.js";

/**
 * Key identifier by RFC 5280 §4.2.1.2 method (1): the SHA-1 of the value of
 * the subjectPublicKey BIT STRING (without tag, length and unused-bits
 * octet). SHA-1 names the key here; it protects nothing, so its collision
 * weakness does not matter.
 */
export async function keyIdentifier(subjectPublicKeyInfo: Uint8Array): Promise<Uint8Array> {
  return keyIdentifierOfPublicKey(subjectPublicKeyOf(subjectPublicKeyInfo));
}

/** The same, from the subjectPublicKey octets of an already parsed SPKI. */
export async function keyIdentifierOfPublicKey(subjectPublicKey: Uint8Array): Promise<Uint8Array> {
  return sha1(subjectPublicKey);
}

/**
 * The subjectPublicKey octets of a DER SubjectPublicKeyInfo
 * (RFC 5280 §4.1: SEQUENCE { algorithm AlgorithmIdentifier, subjectPublicKey BIT STRING }).
 * Read with the plain DER walker: this runs once per issued certificate, and
 * the schema parser costs twenty times as much. Throws on anything else.
 */
export function subjectPublicKeyOf(subjectPublicKeyInfo: Uint8Array): Uint8Array {
  const spki = readElement(subjectPublicKeyInfo, 0);
  if (spki.tag !== 0x30 || spki.end !== subjectPublicKeyInfo.length) throw new Error("SubjectPublicKeyInfo: not one DER SEQUENCE");
  const fields = readChildren(subjectPublicKeyInfo, spki);
  const [algorithm, bitString] = fields;
  if (fields.length !== 2 || algorithm!.tag !== 0x30 || bitString!.tag !== 0x03) {
    throw new Error("SubjectPublicKeyInfo: expected an AlgorithmIdentifier and a BIT STRING");
  }
  // A public key is whole octets: the unused-bits octet must be 0.
  if (bitString!.end - bitString!.contentStart < 2 || subjectPublicKeyInfo[bitString!.contentStart] !== 0) {
    throw new Error("SubjectPublicKeyInfo: subjectPublicKey is not octet-aligned");
  }
  return subjectPublicKeyInfo.subarray(bitString!.contentStart + 1, bitString!.end);
}
