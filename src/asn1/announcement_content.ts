import { AsnProp, AsnType, AsnTypeTypes } from "@peculiar/asn1-schema";
import { Certificate } from "@peculiar/asn1-x509";

/**
 * ```asn1
 * CAKeyUpdAnnContent ::= SEQUENCE {
 *     oldWithNew   CMPCertificate, -- old pub signed with new priv
 *     newWithOld   CMPCertificate, -- new pub signed with old priv
 *     newWithNew   CMPCertificate  -- new pub signed with new priv }
 * ```
 * RFC 9810 §5.3.13.
 */
export class CAKeyUpdAnnContent {
  @AsnProp({ type: Certificate })
  oldWithNew = new Certificate();

  @AsnProp({ type: Certificate })
  newWithOld = new Certificate();

  @AsnProp({ type: Certificate })
  newWithNew = new Certificate();

  constructor(params: Partial<CAKeyUpdAnnContent> = {}) {
    Object.assign(this, params);
  }
}

/**
 * ```asn1
 * RootCaKeyUpdateContent ::= SEQUENCE {
 *    newWithNew       CMPCertificate,
 *    newWithOld   [0] CMPCertificate OPTIONAL,
 *    oldWithNew   [1] CMPCertificate OPTIONAL }
 * ```
 */
export class RootCaKeyUpdateContent {
  @AsnProp({ type: Certificate })
  newWithNew = new Certificate();

  @AsnProp({ type: Certificate, context: 0, optional: true })
  newWithOld?: Certificate;

  @AsnProp({ type: Certificate, context: 1, optional: true })
  oldWithNew?: Certificate;

  constructor(params: Partial<RootCaKeyUpdateContent> = {}) {
    Object.assign(this, params);
  }
}

/**
 * ```asn1
 * CAKeyUpdContent ::= CHOICE {
 *     cAKeyUpdAnnV2      CAKeyUpdAnnContent, -- deprecated
 *     cAKeyUpdAnnV3  [0] RootCaKeyUpdateContent }
 * ```
 */
@AsnType({ type: AsnTypeTypes.Choice })
export class CAKeyUpdContent {
  @AsnProp({ type: CAKeyUpdAnnContent })
  cAKeyUpdAnnV2?: CAKeyUpdAnnContent;

  @AsnProp({ type: RootCaKeyUpdateContent, context: 0 })
  cAKeyUpdAnnV3?: RootCaKeyUpdateContent;

  constructor(params: Partial<CAKeyUpdContent> = {}) {
    Object.assign(this, params);
  }
}
