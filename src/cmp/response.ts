import { AsnConvert } from "@peculiar/asn1-schema";
import { GeneralName, Name } from "@peculiar/asn1-x509";
import { InfoTypeAndValue, InfoTypeAndValues } from "../asn1/info_type_and_value.js";
import { PKIHeader, PVNO } from "../asn1/pki_header.js";
import { protectedPart } from "../asn1/pki_message.js";
import { encodeExplicit, encodeOctetAlignedBitString, encodeSequence } from "../asn1/der.js";
import type { CaIdentity } from "./ca_identity.js";
import type { Credentials } from "./protection.js";

/** What a response is built from: the request's header, and who we are. */
export interface ResponseContext {
  request?: PKIHeader;
  credentials?: Credentials;
  ca: CaIdentity;
  now: Date;
  /** Our fresh senderNonce for this response, chosen up front so state can record it first. */
  senderNonce: Uint8Array;
}

/**
 * Wrap an encoded PKIBody in a PKIMessage: header answering the request
 * (RFC 9810 §5.1.1: same transactionID, recipNonce = its senderNonce, a fresh
 * senderNonce), protection mirroring the request's, and extraCerts.
 */
export async function encodeResponse(
  context: ResponseContext,
  bodyDer: Uint8Array,
  options: { generalInfo?: InfoTypeAndValue[]; extraCerts?: readonly Uint8Array[] } = {},
): Promise<Uint8Array> {
  const { request, credentials } = context;
  const header = new PKIHeader({
    // Answer in the request's version (OpenSSL 3.0 refuses pvno 3 unless it sent 3).
    pvno: request?.pvno === PVNO.cmp2021 ? PVNO.cmp2021 : PVNO.cmp2000,
    sender: context.ca.sender,
    recipient: request?.sender ?? new GeneralName({ directoryName: new Name() }),
    messageTime: new Date(Math.floor(context.now.getTime() / 1000) * 1000),
    protectionAlg: credentials?.mac.protectionAlg,
    // For MAC protection the senderKID names the shared secret (RFC 9483 §3.1).
    senderKID: credentials?.senderKID,
    transactionID: request?.transactionID,
    senderNonce: context.senderNonce.slice().buffer,
    recipNonce: request?.senderNonce,
    generalInfo: options.generalInfo && options.generalInfo.length > 0 ? new InfoTypeAndValues(options.generalInfo) : undefined,
  });
  const headerDer = new Uint8Array(AsnConvert.serialize(header));
  const elements = [headerDer, bodyDer];
  if (credentials) {
    const protection = await credentials.mac.sign(protectedPart(headerDer, bodyDer));
    elements.push(encodeExplicit(0, encodeOctetAlignedBitString(protection)));
  }
  if (options.extraCerts && options.extraCerts.length > 0) {
    elements.push(encodeExplicit(1, encodeSequence(options.extraCerts)));
  }
  return encodeSequence(elements);
}
