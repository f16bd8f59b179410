import { encodeDer } from "./codec/der_encoder.js";

/**
 * The DER of a schema object: the project's encoder (codec/der_encoder.ts),
 * driven by the same @peculiar/asn1-schema declarations, octet for octet
 * what AsnSerializer gives, without building an asn1js tree. The one way
 * the server and the client library encode a schema object.
 */
export function serializeDer(value: object): Uint8Array {
  return encodeDer(value);
}

/**
 * The same, as an ArrayBuffer of exactly those octets: what asn1-schema's
 * fields of type ANY (an AlgorithmIdentifier's parameters, an attribute's
 * value) and OctetString hold.
 */
export function serializeDerBuffer(value: object): ArrayBuffer {
  return encodeDer(value).buffer as ArrayBuffer;
}
