import { AsnProp, AsnPropTypes, AsnType, AsnTypeTypes } from "@peculiar/asn1-schema";
import { AlgorithmIdentifier } from "@peculiar/asn1-x509";
import { EnvelopedData } from "./enveloped_data.js";

/**
 * ```asn1
 * EncryptedValue ::= SEQUENCE {
 *     intendedAlg   [0] AlgorithmIdentifier  OPTIONAL,
 *     symmAlg       [1] AlgorithmIdentifier  OPTIONAL,
 *     encSymmKey    [2] BIT STRING           OPTIONAL,
 *     keyAlg        [3] AlgorithmIdentifier  OPTIONAL,
 *     valueHint     [4] OCTET STRING         OPTIONAL,
 *     encValue       BIT STRING }
 * ```
 * RFC 4211 §6.4.1 (deprecated by RFC 9810 in favour of EnvelopedData).
 */
export class EncryptedValue {
  @AsnProp({ type: AlgorithmIdentifier, context: 0, implicit: true, optional: true })
  intendedAlg?: AlgorithmIdentifier;

  @AsnProp({ type: AlgorithmIdentifier, context: 1, implicit: true, optional: true })
  symmAlg?: AlgorithmIdentifier;

  @AsnProp({ type: AsnPropTypes.BitString, context: 2, implicit: true, optional: true })
  encSymmKey?: ArrayBuffer;

  @AsnProp({ type: AlgorithmIdentifier, context: 3, implicit: true, optional: true })
  keyAlg?: AlgorithmIdentifier;

  @AsnProp({ type: AsnPropTypes.OctetString, context: 4, implicit: true, optional: true })
  valueHint?: ArrayBuffer;

  @AsnProp({ type: AsnPropTypes.BitString })
  encValue: ArrayBuffer = new ArrayBuffer(0);

  constructor(params: Partial<EncryptedValue> = {}) {
    Object.assign(this, params);
  }
}

/**
 * ```asn1
 * EncryptedKey ::= CHOICE {
 *     encryptedValue        EncryptedValue,   -- Deprecated
 *     envelopedData     [0] EnvelopedData }
 * ```
 * RFC 4211 §6.4, RFC 9810 §5.2.2.
 */
@AsnType({ type: AsnTypeTypes.Choice })
export class EncryptedKey {
  @AsnProp({ type: EncryptedValue })
  encryptedValue?: EncryptedValue;

  @AsnProp({ type: EnvelopedData, context: 0, implicit: true })
  envelopedData?: EnvelopedData;

  constructor(params: Partial<EncryptedKey> = {}) {
    Object.assign(this, params);
  }
}
