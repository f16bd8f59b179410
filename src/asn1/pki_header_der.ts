import { encodeExplicit, encodeSequence, encodeTlv } from "./der.js";

/**
 * The fields of a PKIHeader we send, each already DER (or plain bytes for
 * the OCTET STRINGs). See pki_header.ts for the ASN.1.
 */
export interface PKIHeaderFields {
  pvno: number;
  /** GeneralName, DER. */
  sender: Uint8Array;
  /** GeneralName, DER. */
  recipient: Uint8Array;
  messageTime?: Date;
  /** AlgorithmIdentifier, DER. */
  protectionAlg?: Uint8Array;
  senderKID?: Uint8Array;
  recipKID?: Uint8Array;
  transactionID?: Uint8Array;
  senderNonce?: Uint8Array;
  recipNonce?: Uint8Array;
  /** PKIFreeText, DER. */
  freeText?: Uint8Array;
  /** SEQUENCE SIZE (1..MAX) OF InfoTypeAndValue, DER. */
  generalInfo?: Uint8Array;
}

/**
 * Encode a PKIHeader (RFC 9810 §5.1.1, EXPLICIT tags) from its parts.
 * Every message we send has one, and the schema serializer took longer for
 * it than for the rest of most answers together; its parts are few and
 * fixed, and the parts that are structures come encoded (the CA's name and
 * signature algorithm once per process, the recipient as the request sent
 * it). The tests compare the result with the schema serializer's.
 */
export function encodePKIHeader(fields: PKIHeaderFields): Uint8Array {
  if (!Number.isInteger(fields.pvno) || fields.pvno < 0 || fields.pvno > 127) throw new Error(`pvno ${fields.pvno} is not a small INTEGER`);
  const elements = [encodeTlv(0x02, [Uint8Array.of(fields.pvno)]), fields.sender, fields.recipient];
  const optional = (tag: number, element: Uint8Array | undefined) => {
    if (element) elements.push(encodeExplicit(tag, element));
  };
  const octets = (bytes: Uint8Array | undefined) => (bytes ? encodeTlv(0x04, [bytes]) : undefined);
  optional(0, fields.messageTime ? encodeGeneralizedTime(fields.messageTime) : undefined);
  optional(1, fields.protectionAlg);
  optional(2, octets(fields.senderKID));
  optional(3, octets(fields.recipKID));
  optional(4, octets(fields.transactionID));
  optional(5, octets(fields.senderNonce));
  optional(6, octets(fields.recipNonce));
  optional(7, fields.freeText);
  optional(8, fields.generalInfo);
  return encodeSequence(elements);
}

/**
 * GeneralizedTime in DER (X.690 §11.7): UTC, "YYYYMMDDHHMMSS", fractional
 * seconds only when there are any and without trailing zeros, then "Z".
 */
export function encodeGeneralizedTime(time: Date): Uint8Array {
  const ms = time.getTime();
  if (Number.isNaN(ms)) throw new Error("GeneralizedTime: invalid Date");
  const year = time.getUTCFullYear();
  if (year < 0 || year > 9999) throw new Error(`GeneralizedTime: year ${year} is out of range`);
  const two = (n: number) => String(n).padStart(2, "0");
  let text = `${String(year).padStart(4, "0")}${two(time.getUTCMonth() + 1)}${two(time.getUTCDate())}${two(time.getUTCHours())}${two(time.getUTCMinutes())}${two(time.getUTCSeconds())}`;
  const fraction = time.getUTCMilliseconds();
  if (fraction !== 0) text += `.${String(fraction).padStart(3, "0").replace(/0+$/, "")}`;
  return encodeTlv(0x18, [new TextEncoder().encode(`${text}Z`)]);
}
