import { AsnArray, AsnProp, AsnPropTypes, AsnType, AsnTypeTypes } from "@peculiar/asn1-schema";

/**
 * ```asn1
 * AttributeTypeAndValue ::= SEQUENCE {
 *     type         OBJECT IDENTIFIER,
 *     value        ANY DEFINED BY type }
 * ```
 * RFC 4211 §6 (the CRMF one: its value is any type, unlike X.501's).
 */
export class AttributeTypeAndValue {
  @AsnProp({ type: AsnPropTypes.ObjectIdentifier })
  type = "";

  @AsnProp({ type: AsnPropTypes.Any })
  value: ArrayBuffer = new ArrayBuffer(0);

  constructor(params: Partial<AttributeTypeAndValue> = {}) {
    Object.assign(this, params);
  }
}

/**
 * ```asn1
 * Controls  ::= SEQUENCE SIZE(1..MAX) OF AttributeTypeAndValue
 * ```
 * Also the shape of CertReqMsg.regInfo.
 */
@AsnType({ type: AsnTypeTypes.Sequence, itemType: AttributeTypeAndValue })
export class Controls extends AsnArray<AttributeTypeAndValue> {
  constructor(items?: AttributeTypeAndValue[]) {
    super(items);
    Object.setPrototypeOf(this, Controls.prototype);
  }
}
