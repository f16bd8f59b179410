import { AsnArray, AsnProp, AsnPropTypes, AsnType, AsnTypeTypes } from "@peculiar/asn1-schema";
import { AlgorithmIdentifier } from "@peculiar/asn1-x509";

/**
 * ```asn1
 * OneAsymmetricKey ::= SEQUENCE {
 *   version                   Version,
 *   privateKeyAlgorithm       PrivateKeyAlgorithmIdentifier,
 *   privateKey                PrivateKey,
 *   attributes            [0] Attributes OPTIONAL,
 *   ...,
 *   [[2: publicKey        [1] PublicKey OPTIONAL ]],
 *   ... }
 * PrivateKeyInfo ::= OneAsymmetricKey
 * Version ::= INTEGER { v1(0), v2(1) } (v1, ..., v2)
 * PrivateKey ::= OCTET STRING
 * PublicKey ::= BIT STRING
 * ```
 * RFC 5958 §2 (an IMPLICIT TAGS module). WebCrypto's exportKey("pkcs8")
 * writes a v1 PrivateKeyInfo, which is one of these; attributes are kept as
 * their DER, never read.
 */
export class OneAsymmetricKey {
  @AsnProp({ type: AsnPropTypes.Integer })
  version = 0;

  @AsnProp({ type: AlgorithmIdentifier })
  privateKeyAlgorithm = new AlgorithmIdentifier();

  @AsnProp({ type: AsnPropTypes.OctetString })
  privateKey: ArrayBuffer = new ArrayBuffer(0);

  @AsnProp({ type: AsnPropTypes.Any, context: 0, implicit: true, optional: true })
  attributes?: ArrayBuffer;

  @AsnProp({ type: AsnPropTypes.BitString, context: 1, implicit: true, optional: true })
  publicKey?: ArrayBuffer;

  constructor(params: Partial<OneAsymmetricKey> = {}) {
    Object.assign(this, params);
  }
}

/**
 * ```asn1
 * AsymmetricKeyPackage ::= SEQUENCE SIZE (1..MAX) OF OneAsymmetricKey
 * ```
 * RFC 5958 §2: the content of id-ct-KP-aKeyPackage.
 */
@AsnType({ type: AsnTypeTypes.Sequence, itemType: OneAsymmetricKey })
export class AsymmetricKeyPackage extends AsnArray<OneAsymmetricKey> {
  constructor(items?: OneAsymmetricKey[]) {
    super(items);
    Object.setPrototypeOf(this, AsymmetricKeyPackage.prototype);
  }
}
