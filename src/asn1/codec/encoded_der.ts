import * as asn1js from "asn1js";

/**
 * An element that is already DER, placed in a schema object to be written
 * exactly as it is: encodeDer copies its octets without looking inside.
 * For the parts that must stay byte-identical to their source (a name as a
 * request sent it, a cached algorithm, the CA's own name): a decode and
 * re-encode through a schema library need not reproduce them (X.690 §10),
 * and an ANY field would go through asn1js for anything unusual.
 *
 * It converts itself (toASN/fromASN) only so that AsnSerializer, in the
 * differential tests, can write the same structure: through asn1js, which
 * gives the same octets for DER. That is asn1js's one use here, and not on
 * the encoder's path.
 */
export class EncodedDer {
  constructor(readonly bytes: Uint8Array = new Uint8Array(0)) {}

  toASN(): asn1js.AsnType {
    const parsed = asn1js.fromBER(this.bytes.slice());
    if (parsed.offset === -1) throw new Error(`EncodedDer: ${parsed.result.error}`);
    return parsed.result;
  }

  fromASN(asn: asn1js.AsnType): this {
    (this as { bytes: Uint8Array }).bytes = new Uint8Array(asn.toBER(false));
    return this;
  }

  toSchema(name: string): asn1js.Any {
    return new asn1js.Any({ name });
  }
}
