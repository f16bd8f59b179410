/**
 * An element that is already DER, placed in a schema object to be written
 * exactly as it is: encodeDer copies its octets without looking inside, and
 * decodeDer gives a field of this type the element whole.
 * For the parts that must stay byte-identical to their source (a name as a
 * request sent it, a cached algorithm, the CA's own name): a decode and
 * re-encode through a schema library need not reproduce them (X.690 §10).
 *
 * It has no toASN/fromASN of its own: nothing on the server's path goes
 * through asn1js. The differential tests give it those, for AsnSerializer
 * (test/support/encoded_der_asn1js.ts).
 */
export class EncodedDer {
  constructor(readonly bytes: Uint8Array = new Uint8Array(0)) {}
}
