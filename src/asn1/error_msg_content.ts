import { AsnProp, AsnPropTypes } from "@peculiar/asn1-schema";
import { PKIFreeText } from "./pki_free_text.js";
import { PKIStatusInfo } from "./pki_status.js";

/**
 * ```asn1
 * ErrorMsgContent ::= SEQUENCE {
 *     pKIStatusInfo          PKIStatusInfo,
 *     errorCode              INTEGER           OPTIONAL,
 *     errorDetails           PKIFreeText       OPTIONAL }
 * ```
 * RFC 9810 §5.3.21.
 */
export class ErrorMsgContent {
  @AsnProp({ type: PKIStatusInfo })
  pKIStatusInfo = new PKIStatusInfo();

  @AsnProp({ type: AsnPropTypes.Integer, optional: true })
  errorCode?: number;

  @AsnProp({ type: PKIFreeText, optional: true })
  errorDetails?: PKIFreeText;

  constructor(params: Partial<ErrorMsgContent> = {}) {
    Object.assign(this, params);
  }
}
