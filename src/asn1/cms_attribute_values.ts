import { AsnProp, AsnPropTypes, AsnType, AsnTypeTypes } from "@peculiar/asn1-schema";

/**
 * ```asn1
 * ContentType ::= OBJECT IDENTIFIER
 * ```
 * RFC 5652 §11.1: the value of the content-type signed attribute. Declared
 * as a one-alternative CHOICE so that it encodes as the bare OBJECT
 * IDENTIFIER an attribute value is.
 */
@AsnType({ type: AsnTypeTypes.Choice })
export class ContentTypeValue {
  @AsnProp({ type: AsnPropTypes.ObjectIdentifier })
  value = "";

  constructor(value = "") {
    this.value = value;
  }
}
