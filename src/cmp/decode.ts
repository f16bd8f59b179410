import { AsnParser } from "@peculiar/asn1-schema";
import { PKIMessage } from "../asn1/pki_message.js";
import { bodyType, type PKIBodyType } from "../asn1/pki_body.js";

export interface DecodedRequest {
  message: PKIMessage;
  type: PKIBodyType;
  /** The received DER of header and body (what protection covers, RFC 9810 §5.1.3). */
  headerDer: Uint8Array;
  bodyDer: Uint8Array;
}

/**
 * Decode a request, or return undefined when the bytes are not a
 * PKIMessage at all (the caller answers HTTP 400 with badDataFormat).
 * Trailing bytes after the message are refused too: what is not covered
 * by protection must not ride along.
 */
export function decodeRequest(bytes: Uint8Array): DecodedRequest | undefined {
  if (bytes.length < 2 || bytes[0] !== 0x30 || derTotalLength(bytes) !== bytes.length) return undefined;
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
  return { message, type, headerDer: message.headerRaw, bodyDer: message.bodyRaw };
}

/** Length of the DER element at the start of `bytes` (header included), or -1 if malformed. */
function derTotalLength(bytes: Uint8Array): number {
  const first = bytes[1]!;
  if (first < 0x80) return 2 + first;
  const count = first & 0x7f;
  if (count === 0 || count > 4 || bytes.length < 2 + count) return -1;
  let length = 0;
  for (let index = 0; index < count; index++) length = length * 256 + bytes[2 + index]!;
  return 2 + count + length;
}
