import { AsnArray, AsnProp, AsnPropTypes, AsnType, AsnTypeTypes } from "@peculiar/asn1-schema";

/**
 * ```asn1
 * InfoTypeAndValue ::= SEQUENCE {
 *     infoType    INFO-TYPE-AND-VALUE.&id({SupportedInfoSet}),
 *     infoValue   INFO-TYPE-AND-VALUE.&Type({SupportedInfoSet}{@infoType}) }
 * ```
 * RFC 9810 §5.3.19. infoValue is OPTIONAL in RFC 4210 and is omitted by
 * clients for queries (e.g. an empty id-it-caCerts request), so it is
 * optional here; the value stays raw DER until someone needs it.
 */
export class InfoTypeAndValue {
  @AsnProp({ type: AsnPropTypes.ObjectIdentifier })
  infoType = "";

  @AsnProp({ type: AsnPropTypes.Any, optional: true })
  infoValue?: ArrayBuffer;

  constructor(params: Partial<InfoTypeAndValue> = {}) {
    Object.assign(this, params);
  }
}

/** SEQUENCE SIZE (1..MAX) OF InfoTypeAndValue: PKIHeader.generalInfo, GenMsgContent, GenRepContent. */
@AsnType({ type: AsnTypeTypes.Sequence, itemType: InfoTypeAndValue })
export class InfoTypeAndValues extends AsnArray<InfoTypeAndValue> {
  constructor(items?: InfoTypeAndValue[]) {
    super(items);
    Object.setPrototypeOf(this, InfoTypeAndValues.prototype);
  }
}
