import { AsnProp, AsnPropTypes } from "@peculiar/asn1-schema";
import { encodeDer } from "./codec/der_encoder.js";
import { EncodedDer } from "./codec/encoded_der.js";
import { encodeTlv } from "./der.js";

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
 * A PKIHeader (RFC 9810 §5.1.1, EXPLICIT tags) as we send it: the fields
 * of pki_header.ts, with those that are structures already encoded
 * (EncodedDer) and written as they are: the CA's name and signature
 * algorithm encoded once per process, the recipient as the request sent it.
 * The rest are encoded by the schema encoder like any other field.
 */
class PKIHeaderParts {
  @AsnProp({ type: AsnPropTypes.Integer })
  pvno = 2;

  @AsnProp({ type: EncodedDer })
  sender = new EncodedDer();

  @AsnProp({ type: EncodedDer })
  recipient = new EncodedDer();

  @AsnProp({ type: AsnPropTypes.GeneralizedTime, context: 0, optional: true })
  messageTime?: Date;

  @AsnProp({ type: EncodedDer, context: 1, optional: true })
  protectionAlg?: EncodedDer;

  @AsnProp({ type: AsnPropTypes.OctetString, context: 2, optional: true })
  senderKID?: Uint8Array;

  @AsnProp({ type: AsnPropTypes.OctetString, context: 3, optional: true })
  recipKID?: Uint8Array;

  @AsnProp({ type: AsnPropTypes.OctetString, context: 4, optional: true })
  transactionID?: Uint8Array;

  @AsnProp({ type: AsnPropTypes.OctetString, context: 5, optional: true })
  senderNonce?: Uint8Array;

  @AsnProp({ type: AsnPropTypes.OctetString, context: 6, optional: true })
  recipNonce?: Uint8Array;

  @AsnProp({ type: EncodedDer, context: 7, optional: true })
  freeText?: EncodedDer;

  @AsnProp({ type: EncodedDer, context: 8, optional: true })
  generalInfo?: EncodedDer;
}

/**
 * Encode a PKIHeader from its parts. Every message we send has one; the
 * parts that are structures come encoded and are spliced in, so a name
 * copied from a request goes back octet for octet. The tests compare the
 * result with the schema serializer's on the decoded header.
 */
export function encodePKIHeader(fields: PKIHeaderFields): Uint8Array {
  if (!Number.isInteger(fields.pvno) || fields.pvno < 0 || fields.pvno > 127) throw new Error(`pvno ${fields.pvno} is not a small INTEGER`);
  if (fields.messageTime) checkGeneralizedTime(fields.messageTime);
  const header = new PKIHeaderParts();
  header.pvno = fields.pvno;
  header.sender = new EncodedDer(fields.sender);
  header.recipient = new EncodedDer(fields.recipient);
  header.messageTime = fields.messageTime;
  header.protectionAlg = encoded(fields.protectionAlg);
  header.senderKID = fields.senderKID;
  header.recipKID = fields.recipKID;
  header.transactionID = fields.transactionID;
  header.senderNonce = fields.senderNonce;
  header.recipNonce = fields.recipNonce;
  header.freeText = encoded(fields.freeText);
  header.generalInfo = encoded(fields.generalInfo);
  return encodeDer(header);
}

function encoded(bytes: Uint8Array | undefined): EncodedDer | undefined {
  return bytes ? new EncodedDer(bytes) : undefined;
}

/** The times a GeneralizedTime can carry (X.690 §11.7: four-digit years); anything else is our bug, not a message to send. */
function checkGeneralizedTime(time: Date): void {
  if (Number.isNaN(time.getTime())) throw new Error("GeneralizedTime: invalid Date");
  const year = time.getUTCFullYear();
  if (year < 0 || year > 9999) throw new Error(`GeneralizedTime: year ${year} is out of range`);
}

/**
 * GeneralizedTime in DER (X.690 §11.7): UTC, "YYYYMMDDHHMMSS", fractional
 * seconds only when there are any and without trailing zeros, then "Z".
 */
export function encodeGeneralizedTime(time: Date): Uint8Array {
  checkGeneralizedTime(time);
  const two = (n: number) => String(n).padStart(2, "0");
  let text = `${String(time.getUTCFullYear()).padStart(4, "0")}${two(time.getUTCMonth() + 1)}${two(time.getUTCDate())}${two(time.getUTCHours())}${two(time.getUTCMinutes())}${two(time.getUTCSeconds())}`;
  const fraction = time.getUTCMilliseconds();
  if (fraction !== 0) text += `.${String(fraction).padStart(3, "0").replace(/0+$/, "")}`;
  return encodeTlv(0x18, [new TextEncoder().encode(`${text}Z`)]);
}
