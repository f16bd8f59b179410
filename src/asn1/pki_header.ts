import { AsnProp, AsnPropTypes } from "@peculiar/asn1-schema";
import { AlgorithmIdentifier, GeneralName } from "@peculiar/asn1-x509";
import { InfoTypeAndValues } from "./info_type_and_value.js";
import { PKIFreeText } from "./pki_free_text.js";

/** pvno values (RFC 9810 §7): cmp2000 is what OpenSSL 3.0 speaks; cmp2021 adds RFC 9480/9810 features. */
export const PVNO = { cmp1999: 1, cmp2000: 2, cmp2021: 3 } as const;

/**
 * ```asn1
 * PKIHeader ::= SEQUENCE {
 *     pvno                INTEGER     { cmp1999(1), cmp2000(2), cmp2021(3) },
 *     sender              GeneralName,
 *     recipient           GeneralName,
 *     messageTime     [0] GeneralizedTime         OPTIONAL,
 *     protectionAlg   [1] AlgorithmIdentifier{ALGORITHM, {...}} OPTIONAL,
 *     senderKID       [2] KeyIdentifier           OPTIONAL,
 *     recipKID        [3] KeyIdentifier           OPTIONAL,
 *     transactionID   [4] OCTET STRING            OPTIONAL,
 *     senderNonce     [5] OCTET STRING            OPTIONAL,
 *     recipNonce      [6] OCTET STRING            OPTIONAL,
 *     freeText        [7] PKIFreeText             OPTIONAL,
 *     generalInfo     [8] SEQUENCE SIZE (1..MAX) OF InfoTypeAndValue OPTIONAL }
 * ```
 * RFC 9810 §5.1.1; the module uses EXPLICIT TAGS.
 */
export class PKIHeader {
  @AsnProp({ type: AsnPropTypes.Integer })
  pvno: number = PVNO.cmp2000;

  @AsnProp({ type: GeneralName })
  sender = new GeneralName();

  @AsnProp({ type: GeneralName })
  recipient = new GeneralName();

  @AsnProp({ type: AsnPropTypes.GeneralizedTime, context: 0, optional: true })
  messageTime?: Date;

  @AsnProp({ type: AlgorithmIdentifier, context: 1, optional: true })
  protectionAlg?: AlgorithmIdentifier;

  @AsnProp({ type: AsnPropTypes.OctetString, context: 2, optional: true })
  senderKID?: ArrayBuffer;

  @AsnProp({ type: AsnPropTypes.OctetString, context: 3, optional: true })
  recipKID?: ArrayBuffer;

  @AsnProp({ type: AsnPropTypes.OctetString, context: 4, optional: true })
  transactionID?: ArrayBuffer;

  @AsnProp({ type: AsnPropTypes.OctetString, context: 5, optional: true })
  senderNonce?: ArrayBuffer;

  @AsnProp({ type: AsnPropTypes.OctetString, context: 6, optional: true })
  recipNonce?: ArrayBuffer;

  @AsnProp({ type: PKIFreeText, context: 7, optional: true })
  freeText?: PKIFreeText;

  @AsnProp({ type: InfoTypeAndValues, context: 8, optional: true })
  generalInfo?: InfoTypeAndValues;

  constructor(params: Partial<PKIHeader> = {}) {
    Object.assign(this, params);
  }
}
