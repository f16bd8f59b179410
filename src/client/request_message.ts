import type { Name } from "@peculiar/asn1-x509";
import { encodeExplicit, encodeOctetAlignedBitString, encodeSequence } from "../asn1/der.js";
import { InfoTypeAndValues, type InfoTypeAndValue } from "../asn1/info_type_and_value.js";
import { encodePKIHeader } from "../asn1/pki_header_der.js";
import { directoryName } from "../asn1/general_name_der.js";
import { derOf } from "../asn1/der_of.js";
import { protectedPart } from "../asn1/pki_message.js";
import { protectionAlgDer, type OutgoingProtection } from "./outgoing_protection.js";
import { serializeDer } from "../asn1/serialize_der.js";

export interface RequestHeader {
  pvno: number;
  sender: Name;
  recipient: Name;
  now: Date;
  transactionID: Uint8Array;
  senderNonce: Uint8Array;
  /** The server's last senderNonce; absent in the first message of a transaction (RFC 9810 §5.1.1). */
  recipNonce?: Uint8Array;
  generalInfo?: readonly InfoTypeAndValue[];
}

/**
 * A protected PKIMessage around an encoded body (RFC 9810 §5.1), built the
 * way src/cmp/response.ts builds answers: the header is encoded once, and
 * the protection covers exactly those bytes and the body's (§5.1.3).
 */
export async function encodeRequest(fields: RequestHeader, bodyDer: Uint8Array, protection: OutgoingProtection): Promise<Uint8Array> {
  const message = await protection.next();
  const headerDer = encodePKIHeader({
    pvno: fields.pvno,
    sender: derOf(fields.sender, (name) => directoryName(serializeDer(name))),
    recipient: derOf(fields.recipient, (name) => directoryName(serializeDer(name))),
    // Whole seconds: GeneralizedTime without fractions, as src/cmp/response.ts writes it.
    messageTime: new Date(Math.floor(fields.now.getTime() / 1000) * 1000),
    protectionAlg: protectionAlgDer(message.protectionAlg),
    senderKID: protection.senderKID ? new Uint8Array(protection.senderKID) : undefined,
    transactionID: fields.transactionID,
    senderNonce: fields.senderNonce,
    recipNonce: fields.recipNonce,
    generalInfo: fields.generalInfo && fields.generalInfo.length > 0
      ? serializeDer(new InfoTypeAndValues([...fields.generalInfo]))
      : undefined,
  });
  const bits = await message.protect(protectedPart(headerDer, bodyDer));
  const elements = [headerDer, bodyDer, encodeExplicit(0, encodeOctetAlignedBitString(bits))];
  if (protection.extraCerts.length > 0) elements.push(encodeExplicit(1, encodeSequence(protection.extraCerts)));
  return encodeSequence(elements);
}
