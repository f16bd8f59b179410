import { AsnArray, AsnPropTypes, AsnType, AsnTypeTypes } from "@peculiar/asn1-schema";

/**
 * ```asn1
 * id-it-certProfile OBJECT IDENTIFIER ::= {id-it 21}
 * CertProfileValue ::= SEQUENCE SIZE (1..MAX) OF UTF8String
 * ```
 * RFC 9810 §5.1.1.4: the certificate profiles a request names in its
 * PKIHeader generalInfo, one per CertReqMsg or genm InfoTypeAndValue, in order.
 */
@AsnType({ type: AsnTypeTypes.Sequence, itemType: AsnPropTypes.Utf8String })
export class CertProfileValue extends AsnArray<string> {
  constructor(items?: string[]) {
    super(items);
    Object.setPrototypeOf(this, CertProfileValue.prototype);
  }
}
