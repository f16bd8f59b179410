import { AsnArray, AsnProp, AsnPropTypes, AsnType, AsnTypeTypes } from "@peculiar/asn1-schema";
import { AlgorithmIdentifier } from "@peculiar/asn1-x509";
import { EnvelopedData } from "@peculiar/asn1-cms";

/**
 * ```asn1
 * Challenge ::= SEQUENCE {
 *    owf                 AlgorithmIdentifier{DIGEST-ALGORITHM, {...}} OPTIONAL,
 *    witness             OCTET STRING,
 *    challenge           OCTET STRING,
 *    encryptedRand   [0] EnvelopedData OPTIONAL }
 * ```
 * RFC 9810 §5.2.8.3.
 */
export class Challenge {
  @AsnProp({ type: AlgorithmIdentifier, optional: true })
  owf?: AlgorithmIdentifier;

  @AsnProp({ type: AsnPropTypes.OctetString })
  witness: ArrayBuffer = new ArrayBuffer(0);

  @AsnProp({ type: AsnPropTypes.OctetString })
  challenge: ArrayBuffer = new ArrayBuffer(0);

  @AsnProp({ type: EnvelopedData, context: 0, optional: true })
  encryptedRand?: EnvelopedData;

  constructor(params: Partial<Challenge> = {}) {
    Object.assign(this, params);
  }
}

/**
 * ```asn1
 * POPODecKeyChallContent ::= SEQUENCE OF Challenge
 * ```
 */
@AsnType({ type: AsnTypeTypes.Sequence, itemType: Challenge })
export class POPODecKeyChallContent extends AsnArray<Challenge> {
  constructor(items?: Challenge[]) {
    super(items);
    Object.setPrototypeOf(this, POPODecKeyChallContent.prototype);
  }
}

/**
 * ```asn1
 * POPODecKeyRespContent ::= SEQUENCE OF INTEGER
 * ```
 */
@AsnType({ type: AsnTypeTypes.Sequence, itemType: AsnPropTypes.Integer })
export class POPODecKeyRespContent extends AsnArray<number> {
  constructor(items?: number[]) {
    super(items);
    Object.setPrototypeOf(this, POPODecKeyRespContent.prototype);
  }
}
