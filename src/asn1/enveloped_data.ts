import { AsnArray, AsnProp, AsnPropTypes, AsnType, AsnTypeTypes, OctetString } from "@peculiar/asn1-schema";
import {
  CMSVersion,
  EncryptedContentInfo,
  KEKRecipientInfo,
  KeyAgreeRecipientInfo,
  KeyDerivationAlgorithmIdentifier,
  KeyEncryptionAlgorithmIdentifier,
  KeyTransRecipientInfo,
  OriginatorInfo,
  OtherRecipientInfo,
  UnprotectedAttributes,
} from "@peculiar/asn1-cms";

// RFC 5652 §12.1 is an IMPLICIT TAGS module. @peculiar/asn1-cms 2.11.1 declares
// PasswordRecipientInfo's keyDerivationAlgorithm [0] as EXPLICIT, which no
// other implementation reads (OpenSSL refuses it); so PasswordRecipientInfo,
// and the RecipientInfo, RecipientInfos and EnvelopedData that contain it,
// are declared here. The other CMS types are @peculiar/asn1-cms's.

/**
 * ```asn1
 * PasswordRecipientInfo ::= SEQUENCE {
 *   version CMSVersion,   -- Always set to 0
 *   keyDerivationAlgorithm [0] KeyDerivationAlgorithmIdentifier OPTIONAL,
 *   keyEncryptionAlgorithm KeyEncryptionAlgorithmIdentifier,
 *   encryptedKey EncryptedKey }
 * ```
 * RFC 5652 §6.2.4 (RFC 3211 §2.2).
 */
export class PasswordRecipientInfo {
  @AsnProp({ type: AsnPropTypes.Integer })
  version: CMSVersion = CMSVersion.v0;

  @AsnProp({ type: KeyDerivationAlgorithmIdentifier, context: 0, implicit: true, optional: true })
  keyDerivationAlgorithm?: KeyDerivationAlgorithmIdentifier;

  @AsnProp({ type: KeyEncryptionAlgorithmIdentifier })
  keyEncryptionAlgorithm = new KeyEncryptionAlgorithmIdentifier();

  @AsnProp({ type: OctetString })
  encryptedKey = new OctetString();

  constructor(params: Partial<PasswordRecipientInfo> = {}) {
    Object.assign(this, params);
  }
}

/**
 * ```asn1
 * RecipientInfo ::= CHOICE {
 *   ktri KeyTransRecipientInfo,
 *   kari [1] KeyAgreeRecipientInfo,
 *   kekri [2] KEKRecipientInfo,
 *   pwri [3] PasswordRecipientInfo,
 *   ori [4] OtherRecipientInfo }
 * ```
 * RFC 5652 §6.2.
 */
@AsnType({ type: AsnTypeTypes.Choice })
export class RecipientInfo {
  @AsnProp({ type: KeyTransRecipientInfo, optional: true })
  ktri?: KeyTransRecipientInfo;

  @AsnProp({ type: KeyAgreeRecipientInfo, context: 1, implicit: true, optional: true })
  kari?: KeyAgreeRecipientInfo;

  @AsnProp({ type: KEKRecipientInfo, context: 2, implicit: true, optional: true })
  kekri?: KEKRecipientInfo;

  @AsnProp({ type: PasswordRecipientInfo, context: 3, implicit: true, optional: true })
  pwri?: PasswordRecipientInfo;

  @AsnProp({ type: OtherRecipientInfo, context: 4, implicit: true, optional: true })
  ori?: OtherRecipientInfo;

  constructor(params: Partial<RecipientInfo> = {}) {
    Object.assign(this, params);
  }
}

/** RecipientInfos ::= SET SIZE (1..MAX) OF RecipientInfo (RFC 5652 §6.1). */
@AsnType({ type: AsnTypeTypes.Set, itemType: RecipientInfo })
export class RecipientInfos extends AsnArray<RecipientInfo> {
  constructor(items?: RecipientInfo[]) {
    super(items);
    Object.setPrototypeOf(this, RecipientInfos.prototype);
  }
}

/**
 * ```asn1
 * EnvelopedData ::= SEQUENCE {
 *   version CMSVersion,
 *   originatorInfo [0] IMPLICIT OriginatorInfo OPTIONAL,
 *   recipientInfos RecipientInfos,
 *   encryptedContentInfo EncryptedContentInfo,
 *   unprotectedAttrs [1] IMPLICIT UnprotectedAttributes OPTIONAL }
 * ```
 * RFC 5652 §6.1.
 */
export class EnvelopedData {
  @AsnProp({ type: AsnPropTypes.Integer })
  version: CMSVersion = CMSVersion.v0;

  @AsnProp({ type: OriginatorInfo, context: 0, implicit: true, optional: true })
  originatorInfo?: OriginatorInfo;

  @AsnProp({ type: RecipientInfos })
  recipientInfos = new RecipientInfos();

  @AsnProp({ type: EncryptedContentInfo })
  encryptedContentInfo = new EncryptedContentInfo();

  @AsnProp({ type: UnprotectedAttributes, context: 1, implicit: true, optional: true })
  unprotectedAttrs?: UnprotectedAttributes;

  constructor(params: Partial<EnvelopedData> = {}) {
    Object.assign(this, params);
  }
}
