import { AsnParser } from "@peculiar/asn1-schema";
import { readChildren, readElement, type DerElement } from "../asn1/der.js";
import { PKIMessage } from "../asn1/pki_message.js";
import { bodyType, parsePKIBody, type PKIBodyType } from "../asn1/pki_body.js";
import { PKIHeader } from "../asn1/pki_header.js";

export interface DecodedRequest {
  message: PKIMessage;
  type: PKIBodyType;
  /** The received DER of header and body (what protection covers, RFC 9810 §5.1.3). */
  headerDer: Uint8Array;
  bodyDer: Uint8Array;
  /** The extraCerts as received, DER, in order (the protection certificate first, RFC 9483 §3.3). */
  extraCertsDer: Uint8Array[];
}

/**
 * Decode a request, or return undefined when the bytes are not a
 * PKIMessage at all (the caller answers HTTP 400 with badDataFormat).
 * Trailing bytes after the message are refused too: what is not covered
 * by protection must not ride along.
 *
 * ```asn1
 * PKIMessage ::= SEQUENCE {
 *     header           PKIHeader,
 *     body             PKIBody,
 *     protection   [0] PKIProtection OPTIONAL,
 *     extraCerts   [1] SEQUENCE SIZE (1..MAX) OF CMPCertificate OPTIONAL }
 * ```
 * The outer SEQUENCE is split here and header and body are parsed on their
 * own: a parse of the whole message would also parse every certificate in
 * extraCerts, which most messages never look at (a MAC-protected one) and
 * signature checking parses itself, once, where it needs it. extraCerts are
 * checked for shape only (SEQUENCE OF SEQUENCE, not empty) and kept as DER.
 */
export function decodeRequest(bytes: Uint8Array): DecodedRequest | undefined {
  let parts: MessageParts;
  try {
    parts = splitPKIMessage(bytes);
  } catch {
    return undefined;
  }
  let message: PKIMessage;
  let type: PKIBodyType;
  try {
    const body = parsePKIBody(parts.body);
    type = bodyType(body);
    const header = AsnParser.parse(parts.header, PKIHeader);
    message = new PKIMessage({ header, headerRaw: parts.header, body, bodyRaw: parts.body, protection: parts.protection?.slice().buffer });
  } catch {
    return undefined;
  }
  return { message, type, headerDer: parts.header, bodyDer: parts.body, extraCertsDer: parts.extraCerts };
}

interface MessageParts {
  header: Uint8Array;
  body: Uint8Array;
  /** The PKIProtection bits (octet-aligned). */
  protection?: Uint8Array;
  extraCerts: Uint8Array[];
}

/** The four fields of a PKIMessage, as DER views into `bytes`; throws unless `bytes` is exactly one well-formed PKIMessage shell. */
function splitPKIMessage(bytes: Uint8Array): MessageParts {
  const message = readElement(bytes, 0);
  if (message.tag !== 0x30 || message.end !== bytes.length) throw new Error("not one SEQUENCE");
  const [header, body, ...rest] = readChildren(bytes, message);
  if (header?.tag !== 0x30 || !body) throw new Error("no header and body");
  const view = (element: DerElement) => bytes.subarray(element.start, element.end);
  const parts: MessageParts = { header: view(header), body: view(body), extraCerts: [] };
  let next = rest.shift();
  if (next?.tag === 0xa0) {
    parts.protection = protectionBits(bytes, next);
    next = rest.shift();
  }
  if (next?.tag === 0xa1) {
    parts.extraCerts = certificateSequence(bytes, next).map(view);
    next = rest.shift();
  }
  if (next) throw new Error(`unexpected element 0x${next.tag.toString(16)} after the body`);
  return parts;
}

/** `[0] PKIProtection` (a BIT STRING): its bits, which are whole octets (a MAC or a signature). */
function protectionBits(bytes: Uint8Array, explicit: DerElement): Uint8Array {
  const [bitString, ...more] = readChildren(bytes, explicit);
  if (bitString?.tag !== 0x03 || more.length > 0 || bitString.end === bitString.contentStart) throw new Error("protection is not one BIT STRING");
  if (bytes[bitString.contentStart] !== 0) throw new Error("protection is not a whole number of octets");
  return bytes.subarray(bitString.contentStart + 1, bitString.end);
}

/** `[1] SEQUENCE SIZE (1..MAX) OF CMPCertificate`: the certificates' elements (each a SEQUENCE). */
function certificateSequence(bytes: Uint8Array, explicit: DerElement): DerElement[] {
  const [sequence, ...more] = readChildren(bytes, explicit);
  if (sequence?.tag !== 0x30 || more.length > 0) throw new Error("extraCerts is not one SEQUENCE");
  const certificates = readChildren(bytes, sequence);
  if (certificates.length === 0 || certificates.some((certificate) => certificate.tag !== 0x30)) {
    throw new Error("extraCerts is not a SEQUENCE SIZE (1..MAX) OF CMPCertificate");
  }
  return certificates;
}
