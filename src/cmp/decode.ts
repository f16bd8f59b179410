import { AsnParser } from "@peculiar/asn1-schema";
import { readChildren, readElement } from "../asn1/der.js";
import { PKIMessage } from "../asn1/pki_message.js";
import { bodyType, type PKIBodyType } from "../asn1/pki_body.js";

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
 */
export function decodeRequest(bytes: Uint8Array): DecodedRequest | undefined {
  if (!isOneSequence(bytes)) return undefined;
  let message: PKIMessage;
  try {
    message = AsnParser.parse(bytes, PKIMessage);
  } catch {
    return undefined;
  }
  if (!message.headerRaw || !message.bodyRaw) return undefined;
  let type: PKIBodyType;
  try {
    type = bodyType(message.body);
  } catch {
    return undefined;
  }
  return { message, type, headerDer: message.headerRaw, bodyDer: message.bodyRaw, extraCertsDer: extraCertificates(bytes) };
}

/** The certificates inside `extraCerts [1] SEQUENCE OF CMPCertificate`, byte for byte. */
function extraCertificates(bytes: Uint8Array): Uint8Array[] {
  const message = readElement(bytes, 0);
  // After header and body: a body can itself be tagged [1] (ip).
  const extraCerts = readChildren(bytes, message)
    .slice(2)
    .find((element) => element.tag === 0xa1);
  if (!extraCerts) return [];
  const [sequence] = readChildren(bytes, extraCerts);
  if (!sequence) return [];
  return readChildren(bytes, sequence).map((certificate) => bytes.subarray(certificate.start, certificate.end));
}

/** Exactly one SEQUENCE TLV, nothing before or after it. */
function isOneSequence(bytes: Uint8Array): boolean {
  try {
    const element = readElement(bytes, 0);
    return element.tag === 0x30 && element.end === bytes.length;
  } catch {
    return false;
  }
}
