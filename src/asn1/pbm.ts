import { AsnIntegerBigIntConverter, AsnProp, AsnPropTypes } from "@peculiar/asn1-schema";
import { AlgorithmIdentifier } from "@peculiar/asn1-x509";

/**
 * ```asn1
 * id-PasswordBasedMac OBJECT IDENTIFIER ::= { 1 2 840 113533 7 66 13 }
 * ```
 * RFC 4211 §4.4, RFC 9810 §5.1.3.1, RFC 9481 §6.1.1.
 */
export const id_PasswordBasedMac = "1.2.840.113533.7.66.13";

/**
 * ```asn1
 * PBMParameter ::= SEQUENCE {
 *    salt                OCTET STRING,
 *    owf                 AlgorithmIdentifier,
 *    -- AlgId for a One-Way Function
 *    iterationCount      INTEGER,
 *    -- number of times the OWF is applied
 *    mac                 AlgorithmIdentifier
 *    -- the MAC AlgId
 * }
 * ```
 * RFC 4211 §4.4. iterationCount is a bigint so that any encoded value,
 * however large or negative, decodes and can be refused by its size rather
 * than by a parse error.
 */
export class PBMParameter {
  @AsnProp({ type: AsnPropTypes.OctetString })
  public salt: ArrayBuffer = new ArrayBuffer(0);

  @AsnProp({ type: AlgorithmIdentifier })
  public owf = new AlgorithmIdentifier();

  @AsnProp({ type: AsnPropTypes.Integer, converter: AsnIntegerBigIntConverter })
  public iterationCount = 0n;

  @AsnProp({ type: AlgorithmIdentifier })
  public mac = new AlgorithmIdentifier();

  public constructor(params: Partial<PBMParameter> = {}) {
    Object.assign(this, params);
  }
}
