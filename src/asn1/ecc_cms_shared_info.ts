import { AsnProp, AsnPropTypes } from "@peculiar/asn1-schema";
import { AlgorithmIdentifier } from "@peculiar/asn1-x509";

/**
 * ```asn1
 * ECC-CMS-SharedInfo ::= SEQUENCE {
 *   keyInfo         AlgorithmIdentifier,
 *   entityUInfo [0] EXPLICIT OCTET STRING OPTIONAL,
 *   suppPubInfo [2] EXPLICIT OCTET STRING }
 * ```
 * RFC 5753 §7.2: the SharedInfo of the X9.63 KDF in ECDH key agreement:
 * the key wrap algorithm, the ukm if any, and the KEK length in bits as a
 * 32-bit big-endian number.
 */
export class EccCmsSharedInfo {
  @AsnProp({ type: AlgorithmIdentifier })
  keyInfo = new AlgorithmIdentifier();

  @AsnProp({ type: AsnPropTypes.OctetString, context: 0, optional: true })
  entityUInfo?: ArrayBuffer;

  @AsnProp({ type: AsnPropTypes.OctetString, context: 2 })
  suppPubInfo: ArrayBuffer = new ArrayBuffer(0);

  constructor(params: Partial<EccCmsSharedInfo> = {}) {
    Object.assign(this, params);
  }
}
