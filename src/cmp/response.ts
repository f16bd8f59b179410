import { encodeExplicit, encodeOctetAlignedBitString, encodeSequence } from "../asn1/der.js";
import { InfoTypeAndValue, InfoTypeAndValues } from "../asn1/info_type_and_value.js";
import { PVNO, type PKIHeader } from "../asn1/pki_header.js";
import { encodePKIHeader } from "../asn1/pki_header_der.js";
import { NULL_DN } from "../asn1/general_name_der.js";
import { senderDer } from "../asn1/header_fields.js";
import { protectedPart } from "../asn1/pki_message.js";
import type { MacKey } from "../crypto/mac_protection.js";
import type { CaIdentity } from "./ca_identity.js";
import type { CmpSigner } from "./cmp_signer.js";
import { bytesEqual } from "../asn1/bytes.js";
import { serializeDer } from "../asn1/serialize_der.js";

/**
 * How a response is protected (RFC 9483 §3.2): with the requester's MAC
 * secret and parameters, or with a CMP signer's key; undefined: unprotected.
 */
export type ResponseProtection =
  | { kind: "mac"; mac: MacKey; senderKID: ArrayBuffer }
  | { kind: "signature"; signer: CmpSigner };

/** What a response is built from: the request's header, and who we are. */
export interface ResponseContext {
  request?: PKIHeader;
  /** The request's header as received, for the fields the answer copies (the recipient is its sender). */
  requestDer?: Uint8Array;
  protection?: ResponseProtection;
  ca: CaIdentity;
  now: Date;
  /** Our fresh senderNonce for this response, chosen up front so state can record it first. */
  senderNonce: Uint8Array;
}

/**
 * Wrap an encoded PKIBody in a PKIMessage: header answering the request
 * (RFC 9810 §5.1.1: same transactionID, recipNonce = its senderNonce, a fresh
 * senderNonce), protection, and extraCerts.
 */
export async function encodeResponse(
  context: ResponseContext,
  bodyDer: Uint8Array,
  options: { generalInfo?: InfoTypeAndValue[]; extraCerts?: readonly Uint8Array[]; pvno?: 3 } = {},
): Promise<Uint8Array> {
  const { request, protection } = context;
  const signer = protection?.kind === "signature" ? protection.signer : undefined;
  const headerDer = encodePKIHeader({
    // Answer in the request's version (OpenSSL 3.0 refuses pvno 3 unless it sent 3), unless the body
    // needs cmp2021 syntax (RFC 9810 §7: EnvelopedData), which only a client that asked for it gets.
    pvno: request?.pvno === PVNO.cmp2021 || options.pvno === 3 ? PVNO.cmp2021 : PVNO.cmp2000,
    // RFC 9483 §3.1: a signed message's sender is its protection certificate's subject.
    sender: signer ? signer.senderDer : context.ca.senderDer,
    recipient: (context.requestDer && senderDer(context.requestDer)) ?? recipientOf(request),
    messageTime: new Date(Math.floor(context.now.getTime() / 1000) * 1000),
    protectionAlg:
      protection?.kind === "mac"
        ? serializeDer(protection.mac.protectionAlg)
        : signer?.algorithmDer,
    // senderKID names the MAC secret, or the signer's key (its SKI).
    senderKID: bytes(protection?.kind === "mac" ? protection.senderKID : signer?.keyIdentifier),
    transactionID: bytes(request?.transactionID),
    senderNonce: context.senderNonce,
    recipNonce: bytes(request?.senderNonce),
    generalInfo: options.generalInfo && options.generalInfo.length > 0
      ? serializeDer(new InfoTypeAndValues(options.generalInfo))
      : undefined,
  });
  const elements = [headerDer, bodyDer];
  if (protection) {
    const part = protectedPart(headerDer, bodyDer);
    const bits = protection.kind === "mac" ? await protection.mac.sign(part) : await protection.signer.signer.sign(part);
    elements.push(encodeExplicit(0, encodeOctetAlignedBitString(bits)));
  }
  // RFC 9483 §3.3: the protection certificate first, then its chain, then what else helps the client.
  const extraCerts = unique([...(signer?.certificates ?? []), ...(options.extraCerts ?? [])]);
  if (extraCerts.length > 0) elements.push(encodeExplicit(1, encodeSequence(extraCerts)));
  return encodeSequence(elements);
}

/** The recipient when the request's header bytes are not at hand: its sender re-encoded, else the NULL-DN. */
function recipientOf(request: PKIHeader | undefined): Uint8Array {
  return request ? serializeDer(request.sender) : NULL_DN;
}

function bytes(buffer: ArrayBuffer | undefined): Uint8Array | undefined {
  return buffer ? new Uint8Array(buffer) : undefined;
}

function unique(certificates: readonly Uint8Array[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const certificate of certificates) if (!out.some((seen) => bytesEqual(seen, certificate))) out.push(certificate);
  return out;
}
