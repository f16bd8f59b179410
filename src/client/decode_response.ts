import { readChildren, readElement } from "../asn1/der.js";
import { decodeRequest, type DecodedRequest } from "../cmp/decode.js";

/**
 * Decode a response with the engine's decoder (one DER PKIMessage, nothing
 * after it), taking extraCerts from the right place: src/cmp/decode.ts
 * looks for the first [1] element of the message, which for an ip body
 * (itself tagged [1], RFC 9810 §5.1.2) is the body, not extraCerts. A
 * server never receives an ip, so only a client meets this.
 *
 *   PKIMessage ::= SEQUENCE { header, body, protection [0] OPTIONAL, extraCerts [1] OPTIONAL }
 */
export function decodeResponse(bytes: Uint8Array): DecodedRequest | undefined {
  const decoded = decodeRequest(bytes);
  if (!decoded) return undefined;
  const [, , ...trailer] = readChildren(bytes, readElement(bytes, 0));
  const extraCerts = trailer.find((element) => element.tag === 0xa1);
  const sequence = extraCerts ? readChildren(bytes, extraCerts)[0] : undefined;
  const certificates = sequence ? readChildren(bytes, sequence).map((element) => bytes.subarray(element.start, element.end)) : [];
  return { ...decoded, extraCertsDer: certificates };
}
