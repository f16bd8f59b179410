import { parseDer } from "./parse_der.js";
import { AsnArray, AsnProp, AsnPropTypes, AsnType, AsnTypeTypes } from "@peculiar/asn1-schema";
import { CMPCertificates } from "./cmp_certificates.js";
import { encodeSequence } from "./der.js";
import { PKIBody } from "./pki_body.js";
import { PKIHeader } from "./pki_header.js";
import { serializeDer } from "./serialize_der.js";

/**
 * ```asn1
 * PKIMessage ::= SEQUENCE {
 *     header           PKIHeader,
 *     body             PKIBody,
 *     protection   [0] PKIProtection OPTIONAL,
 *     extraCerts   [1] SEQUENCE SIZE (1..MAX) OF CMPCertificate OPTIONAL }
 * PKIProtection ::= BIT STRING
 * ```
 * RFC 9810 §5.1. The parser keeps the received DER of header and body
 * (headerRaw, bodyRaw): protection is computed over
 * ProtectedPart ::= SEQUENCE { header, body } exactly as sent (§5.1.3),
 * which a re-encoding need not reproduce.
 */
export class PKIMessage {
  @AsnProp({ type: PKIHeader, raw: true })
  header = new PKIHeader();
  headerRaw?: Uint8Array;

  @AsnProp({ type: PKIBody, raw: true })
  body = new PKIBody();
  bodyRaw?: Uint8Array;

  @AsnProp({ type: AsnPropTypes.BitString, context: 0, optional: true })
  protection?: ArrayBuffer;

  @AsnProp({ type: CMPCertificates, context: 1, optional: true })
  extraCerts?: CMPCertificates;

  constructor(params: Partial<PKIMessage> = {}) {
    Object.assign(this, params);
  }
}

/**
 * ```asn1
 * PKIMessages ::= SEQUENCE SIZE (1..MAX) OF PKIMessage
 * NestedMessageContent ::= PKIMessages
 * ```
 */
@AsnType({ type: AsnTypeTypes.Sequence, itemType: PKIMessage })
export class PKIMessages extends AsnArray<PKIMessage> {
  constructor(items?: PKIMessage[]) {
    super(items);
    Object.setPrototypeOf(this, PKIMessages.prototype);
  }
}

/** Decode the raw NestedMessageContent of a `nested` body. */
export function parseNestedMessages(nested: ArrayBuffer): PKIMessages {
  return parseDer(nested, PKIMessages);
}

/**
 * ```asn1
 * ProtectedPart ::= SEQUENCE {
 *     header    PKIHeader,
 *     body      PKIBody }
 * ```
 * The DER that the protection covers, built from the encodings of header
 * and body as they are (received bytes, or our own encoding when sending).
 */
export function protectedPart(header: Uint8Array, body: Uint8Array): Uint8Array {
  return encodeSequence([header, body]);
}

/** Encode a header and body we built, returning their DER for protection and assembly. */
export function encodeHeaderAndBody(header: PKIHeader, body: PKIBody): { header: Uint8Array; body: Uint8Array } {
  return {
    header: serializeDer(header),
    body: serializeDer(body),
  };
}
