import { AsnProp, AsnPropTypes, BitString } from "@peculiar/asn1-schema";
import { PKIFreeText } from "./pki_free_text.js";
import { PKIFailureInfo, type FailInfoName } from "./pki_failure_info.js";

/**
 * ```asn1
 * PKIStatus ::= INTEGER {
 *     accepted (0), grantedWithMods (1), rejection (2), waiting (3),
 *     revocationWarning (4), revocationNotification (5), keyUpdateWarning (6) }
 * ```
 * RFC 9810 §5.2.3.
 */
export enum PKIStatus {
  accepted = 0,
  grantedWithMods = 1,
  rejection = 2,
  waiting = 3,
  revocationWarning = 4,
  revocationNotification = 5,
  keyUpdateWarning = 6,
}

/** The PKIFailureInfo BIT STRING, with named-bit helpers (DER drops trailing zero bits, X.690 §11.2.2). */
export class PKIFailureInfoBits extends BitString {
  static fromNames(names: readonly FailInfoName[]): PKIFailureInfoBits {
    let value = 0;
    for (const name of names) value |= 1 << PKIFailureInfo[name];
    return new PKIFailureInfoBits(value);
  }

  toNames(): FailInfoName[] {
    const bytes = new Uint8Array(this.value);
    const names: FailInfoName[] = [];
    for (const [name, bit] of Object.entries(PKIFailureInfo) as [FailInfoName, number][]) {
      const byte = bytes[bit >> 3];
      if (byte !== undefined && (byte & (0x80 >> (bit & 7))) !== 0) names.push(name);
    }
    return names;
  }
}

/**
 * ```asn1
 * PKIStatusInfo ::= SEQUENCE {
 *     status        PKIStatus,
 *     statusString  PKIFreeText     OPTIONAL,
 *     failInfo      PKIFailureInfo  OPTIONAL }
 * ```
 */
export class PKIStatusInfo {
  @AsnProp({ type: AsnPropTypes.Integer })
  status: number = PKIStatus.accepted;

  @AsnProp({ type: PKIFreeText, optional: true })
  statusString?: PKIFreeText;

  @AsnProp({ type: PKIFailureInfoBits, optional: true })
  failInfo?: PKIFailureInfoBits;

  constructor(params: Partial<PKIStatusInfo> = {}) {
    Object.assign(this, params);
  }
}
