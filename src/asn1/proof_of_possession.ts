import { AsnProp, AsnPropTypes, AsnType, AsnTypeTypes } from "@peculiar/asn1-schema";
import { AlgorithmIdentifier, GeneralName, SubjectPublicKeyInfo } from "@peculiar/asn1-x509";

// RFC 4211 §4, an IMPLICIT TAGS module; tags on CHOICE types stay explicit.

/**
 * ```asn1
 * PKMACValue ::= SEQUENCE {
 *     algId  AlgorithmIdentifier,
 *     value  BIT STRING }
 * ```
 */
export class PKMACValue {
  @AsnProp({ type: AlgorithmIdentifier })
  algId = new AlgorithmIdentifier();

  @AsnProp({ type: AsnPropTypes.BitString })
  value: ArrayBuffer = new ArrayBuffer(0);

  constructor(params: Partial<PKMACValue> = {}) {
    Object.assign(this, params);
  }
}

/** The authInfo CHOICE of POPOSigningKeyInput. */
@AsnType({ type: AsnTypeTypes.Choice })
export class POPOSigningKeyInputAuthInfo {
  @AsnProp({ type: GeneralName, context: 0 })
  sender?: GeneralName;

  @AsnProp({ type: PKMACValue })
  publicKeyMAC?: PKMACValue;

  constructor(params: Partial<POPOSigningKeyInputAuthInfo> = {}) {
    Object.assign(this, params);
  }
}

/**
 * ```asn1
 * POPOSigningKeyInput ::= SEQUENCE {
 *     authInfo            CHOICE {
 *         sender              [0] GeneralName,
 *         publicKeyMAC        PKMACValue },
 *     publicKey           SubjectPublicKeyInfo }  -- from CertTemplate
 * ```
 */
export class POPOSigningKeyInput {
  @AsnProp({ type: POPOSigningKeyInputAuthInfo })
  authInfo = new POPOSigningKeyInputAuthInfo();

  @AsnProp({ type: SubjectPublicKeyInfo })
  publicKey = new SubjectPublicKeyInfo();

  constructor(params: Partial<POPOSigningKeyInput> = {}) {
    Object.assign(this, params);
  }
}

/**
 * ```asn1
 * POPOSigningKey ::= SEQUENCE {
 *     poposkInput           [0] POPOSigningKeyInput OPTIONAL,
 *     algorithmIdentifier   AlgorithmIdentifier,
 *     signature             BIT STRING }
 * ```
 * RFC 4211 §4.1: without poposkInput the signature is over the DER of
 * CertReqMsg.certReq.
 */
export class POPOSigningKey {
  @AsnProp({ type: POPOSigningKeyInput, context: 0, implicit: true, optional: true, raw: true })
  poposkInput?: POPOSigningKeyInput;
  /** The received DER of poposkInput (filled by the parser; what the signature covers). */
  poposkInputRaw?: Uint8Array;

  @AsnProp({ type: AlgorithmIdentifier })
  algorithmIdentifier = new AlgorithmIdentifier();

  @AsnProp({ type: AsnPropTypes.BitString })
  signature: ArrayBuffer = new ArrayBuffer(0);

  constructor(params: Partial<POPOSigningKey> = {}) {
    Object.assign(this, params);
  }
}

/**
 * ```asn1
 * POPOPrivKey ::= CHOICE {
 *     thisMessage       [0] BIT STRING,         -- Deprecated
 *     subsequentMessage [1] SubsequentMessage,
 *     dhMAC             [2] BIT STRING,         -- Deprecated
 *     agreeMAC          [3] PKMACValue,
 *     encryptedKey      [4] EnvelopedData }
 * SubsequentMessage ::= INTEGER { encrCert (0), challengeResp (1) }
 * ```
 * Not offered (only signature and raVerified are), so not decoded: the
 * alternative's tag is all the server reads, to say which one it refuses.
 * Decoding an EnvelopedData only to refuse it would answer an unsupported
 * proof of possession (badPOP) as a malformed message (badDataFormat)
 * whenever the schema library reads the EnvelopedData differently.
 */
export const POPO_PRIV_KEY_ALTERNATIVES: Readonly<Record<number, string>> = {
  0x80: "thisMessage",
  0x81: "subsequentMessage",
  0x82: "dhMAC",
  0xa3: "agreeMAC",
  0xa4: "encryptedKey (EnvelopedData)",
};

/**
 * ```asn1
 * ProofOfPossession ::= CHOICE {
 *     raVerified        [0] NULL,
 *     signature         [1] POPOSigningKey,
 *     keyEncipherment   [2] POPOPrivKey,
 *     keyAgreement      [3] POPOPrivKey }
 * ```
 */
@AsnType({ type: AsnTypeTypes.Choice })
export class ProofOfPossession {
  @AsnProp({ type: AsnPropTypes.Null, context: 0, implicit: true })
  raVerified?: null;

  @AsnProp({ type: POPOSigningKey, context: 1, implicit: true })
  signature?: POPOSigningKey;

  /** The POPOPrivKey as received (DER), undecoded (see POPO_PRIV_KEY_ALTERNATIVES). */
  @AsnProp({ type: AsnPropTypes.Any, context: 2 })
  keyEncipherment?: ArrayBuffer;

  @AsnProp({ type: AsnPropTypes.Any, context: 3 })
  keyAgreement?: ArrayBuffer;

  constructor(params: Partial<ProofOfPossession> = {}) {
    Object.assign(this, params);
  }
}
