import { OCSPResponseStatus } from "@peculiar/asn1-ocsp";
import { encodeExplicit, encodeOctetAlignedBitString, encodeSequence, encodeTlv } from "../asn1/der.js";
import type { Signer } from "../kms/signer.js";
import type { CertStatus } from "./cert_status.js";

/**
 * The signed answer, from DER pieces (as src/ca/crl_builder.ts builds CRLs):
 * every part is either fixed, cached per responder (responderID, the
 * signature algorithm, certs) or a few bytes, so building costs next to
 * nothing beside the signature. @peculiar/asn1-ocsp declares the same types;
 * tests parse what is built here with it.
 *
 *   OCSPResponse ::= SEQUENCE {                            -- RFC 6960 §4.2.1
 *     responseStatus         OCSPResponseStatus,
 *     responseBytes      [0] EXPLICIT ResponseBytes OPTIONAL }
 *   ResponseBytes ::= SEQUENCE {
 *     responseType           OBJECT IDENTIFIER,  -- id-pkix-ocsp-basic
 *     response               OCTET STRING }      -- DER of BasicOCSPResponse
 *   BasicOCSPResponse ::= SEQUENCE {
 *     tbsResponseData        ResponseData,
 *     signatureAlgorithm     AlgorithmIdentifier,
 *     signature              BIT STRING,
 *     certs              [0] EXPLICIT SEQUENCE OF Certificate OPTIONAL }
 *   ResponseData ::= SEQUENCE {
 *     version            [0] EXPLICIT Version DEFAULT v1,
 *     responderID            ResponderID,
 *     producedAt             GeneralizedTime,
 *     responses              SEQUENCE OF SingleResponse,
 *     responseExtensions [1] EXPLICIT Extensions OPTIONAL }
 *   ResponderID ::= CHOICE { byName [1] Name, byKey [2] KeyHash }
 *   SingleResponse ::= SEQUENCE {
 *     certID                 CertID,
 *     certStatus             CertStatus,
 *     thisUpdate             GeneralizedTime,
 *     nextUpdate         [0] EXPLICIT GeneralizedTime OPTIONAL,
 *     singleExtensions   [1] EXPLICIT Extensions OPTIONAL }
 *
 * The OCSP module uses EXPLICIT tags, except where CertStatus says IMPLICIT.
 */

export interface SingleResponse {
  /** The request's CertID, byte for byte. */
  certId: Uint8Array;
  certStatus: CertStatus;
  thisUpdate: Date;
  nextUpdate: Date;
}

export interface ResponseData {
  /** DER of the ResponderID (responderIdByKey). */
  responderId: Uint8Array;
  producedAt: Date;
  responses: readonly SingleResponse[];
  /** The request's nonce extension value, echoed in responseExtensions (RFC 6960 §4.4.1, RFC 8954). */
  nonce?: Uint8Array;
}

/** id-pkix-ocsp-basic, 1.3.6.1.5.5.7.48.1.1 */
const ID_PKIX_OCSP_BASIC = Uint8Array.of(0x06, 0x09, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01, 0x01);
/** id-pkix-ocsp-nonce, 1.3.6.1.5.5.7.48.1.2 */
const ID_PKIX_OCSP_NONCE = Uint8Array.of(0x06, 0x09, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01, 0x02);

export function encodeResponseData(data: ResponseData): Uint8Array {
  // version v1 is the DEFAULT, so DER leaves it out (X.690 §11.5).
  const fields = [data.responderId, generalizedTime(data.producedAt), encodeSequence(data.responses.map(encodeSingleResponse))];
  if (data.nonce) fields.push(encodeExplicit(1, encodeSequence([encodeSequence([ID_PKIX_OCSP_NONCE, encodeTlv(0x04, [data.nonce])])])));
  return encodeSequence(fields);
}

function encodeSingleResponse(response: SingleResponse): Uint8Array {
  return encodeSequence([
    response.certId,
    encodeCertStatus(response.certStatus),
    generalizedTime(response.thisUpdate),
    encodeExplicit(0, generalizedTime(response.nextUpdate)),
  ]);
}

function encodeCertStatus(certStatus: CertStatus): Uint8Array {
  switch (certStatus.status) {
    case "good":
      return Uint8Array.of(0x80, 0x00);
    case "unknown":
      return Uint8Array.of(0x82, 0x00);
    case "revoked": {
      const fields = [generalizedTime(certStatus.revocationTime)];
      // CRLReason ::= ENUMERATED (RFC 5280 §5.3.1): 0..10, one octet.
      if (certStatus.revocationReason !== undefined) fields.push(encodeExplicit(0, encodeTlv(0x0a, [Uint8Array.of(certStatus.revocationReason)])));
      return encodeTlv(0xa1, fields);
    }
  }
}

/** ResponderID byKey: [2] EXPLICIT KeyHash, the SHA-1 of the responder's subjectPublicKey bits (RFC 6960 §4.2.1). */
export function encodeResponderIdByKey(keyHash: Uint8Array): Uint8Array {
  return encodeExplicit(2, encodeTlv(0x04, [keyHash]));
}

/**
 * Sign ResponseData and wrap it into a successful OCSPResponse.
 * `certs`: DER certificates to carry (the delegated responder's), or none.
 * A SignerError passes through.
 */
export async function signOcspResponse(signer: Signer, signatureAlgorithm: Uint8Array, tbsResponseData: Uint8Array, certs: readonly Uint8Array[]): Promise<Uint8Array> {
  const signature = await signer.sign(tbsResponseData);
  const basic = [tbsResponseData, signatureAlgorithm, encodeOctetAlignedBitString(signature)];
  if (certs.length > 0) basic.push(encodeExplicit(0, encodeSequence(certs)));
  const responseBytes = encodeSequence([ID_PKIX_OCSP_BASIC, encodeTlv(0x04, [encodeSequence(basic)])]);
  return encodeSequence([enumerated(OCSPResponseStatus.successful), encodeExplicit(0, responseBytes)]);
}

export type OcspErrorStatus = "malformedRequest" | "internalError" | "tryLater" | "unauthorized";

/** An unsuccessful OCSPResponse: the status alone, unsigned (RFC 6960 §2.3). */
export function ocspErrorResponse(status: OcspErrorStatus): Uint8Array {
  return encodeSequence([enumerated(OCSPResponseStatus[status])]);
}

function enumerated(value: number): Uint8Array {
  return encodeTlv(0x0a, [Uint8Array.of(value)]);
}

/** GeneralizedTime YYYYMMDDHHMMSSZ, whole seconds (RFC 5280 §4.1.2.5.2, which RFC 6960 follows). */
export function generalizedTime(date: Date): Uint8Array {
  const text = date.toISOString().replace(/\.\d+Z$/, "Z").replace(/[-:T]/g, "");
  if (!/^\d{14}Z$/.test(text)) throw new RangeError(`${date.toISOString()} cannot be written as GeneralizedTime`);
  return encodeTlv(0x18, [new TextEncoder().encode(text)]);
}
