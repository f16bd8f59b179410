import { AsnIntegerArrayBufferConverter, AsnProp, AsnPropTypes } from "@peculiar/asn1-schema";
import { AlgorithmIdentifier } from "@peculiar/asn1-x509";

/**
 * The RSA structures the project reads and writes, declared here
 * rather than taken from @peculiar/asn1-rsa: that package builds its
 * default AlgorithmIdentifiers with AsnSerializer (asn1js) as it is
 * imported and each time one of its parameter classes is constructed, and the Worker
 * bundle has no asn1js (src/runtime/asn1js_absent.ts). Same names, fields,
 * tagging and defaults, so both encode alike (test/asn1/rsa.test.ts).
 */

/**
 * ```asn1
 * RSAPublicKey ::= SEQUENCE {
 *   modulus           INTEGER,  -- n
 *   publicExponent    INTEGER } -- e
 * ```
 * RFC 8017 §A.1.1.
 */
export class RSAPublicKey {
  @AsnProp({ type: AsnPropTypes.Integer, converter: AsnIntegerArrayBufferConverter })
  modulus = new ArrayBuffer(0);

  @AsnProp({ type: AsnPropTypes.Integer, converter: AsnIntegerArrayBufferConverter })
  publicExponent = new ArrayBuffer(0);

  constructor(params: Partial<RSAPublicKey> = {}) {
    Object.assign(this, params);
  }
}

export const id_sha1 = "1.3.14.3.2.26";
export const id_mgf1 = "1.2.840.113549.1.1.8";

/** sha1 with NULL parameters, the DEFAULT hash of RSASSA-PSS (RFC 8017 §A.2.3). */
const sha1 = () => new AlgorithmIdentifier({ algorithm: id_sha1, parameters: null });
/** mgf1SHA1, the DEFAULT mask generation: MGF1 over that sha1, its parameters the sha1 AlgorithmIdentifier's DER (30 09 06 05 2B 0E 03 02 1A 05 00). */
const SHA1_DER = [0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00];
const mgf1Sha1 = () => new AlgorithmIdentifier({ algorithm: id_mgf1, parameters: new Uint8Array(SHA1_DER).buffer });

/**
 * ```asn1
 * RSASSA-PSS-params ::= SEQUENCE {
 *   hashAlgorithm      [0] HashAlgorithm      DEFAULT sha1,
 *   maskGenAlgorithm   [1] MaskGenAlgorithm   DEFAULT mgf1SHA1,
 *   saltLength         [2] INTEGER            DEFAULT 20,
 *   trailerField       [3] TrailerField       DEFAULT trailerFieldBC }
 * ```
 * RFC 8017 §A.2.3. A field equal to its DEFAULT is left out (X.690 §11.5);
 * the encoder compares an AlgorithmIdentifier with its default by encoding.
 */
export class RsaSaPssParams {
  @AsnProp({ type: AlgorithmIdentifier, context: 0, defaultValue: sha1() })
  hashAlgorithm = sha1();

  @AsnProp({ type: AlgorithmIdentifier, context: 1, defaultValue: mgf1Sha1() })
  maskGenAlgorithm = mgf1Sha1();

  @AsnProp({ type: AsnPropTypes.Integer, context: 2, defaultValue: 20 })
  saltLength = 20;

  @AsnProp({ type: AsnPropTypes.Integer, context: 3, defaultValue: 1 })
  trailerField = 1;

  constructor(params: Partial<RsaSaPssParams> = {}) {
    Object.assign(this, params);
  }
}

export const id_pSpecified = "1.2.840.113549.1.1.9";
/** pSpecifiedEmpty, the DEFAULT label source of RSAES-OAEP: id-pSpecified with an empty OCTET STRING (04 00). */
const pSpecifiedEmpty = () => new AlgorithmIdentifier({ algorithm: id_pSpecified, parameters: new Uint8Array([0x04, 0x00]).buffer });

/**
 * ```asn1
 * RSAES-OAEP-params ::= SEQUENCE {
 *   hashAlgorithm      [0] HashAlgorithm     DEFAULT sha1,
 *   maskGenAlgorithm   [1] MaskGenAlgorithm  DEFAULT mgf1SHA1,
 *   pSourceAlgorithm   [2] PSourceAlgorithm  DEFAULT pSpecifiedEmpty }
 * ```
 * RFC 8017 §A.2.1 (RFC 4055 §4.1): the key transport of server-generated
 * keys to an RSA certificate (src/cms/key_transport.ts).
 */
export class RsaEsOaepParams {
  @AsnProp({ type: AlgorithmIdentifier, context: 0, defaultValue: sha1() })
  hashAlgorithm = sha1();

  @AsnProp({ type: AlgorithmIdentifier, context: 1, defaultValue: mgf1Sha1() })
  maskGenAlgorithm = mgf1Sha1();

  @AsnProp({ type: AlgorithmIdentifier, context: 2, defaultValue: pSpecifiedEmpty() })
  pSourceAlgorithm = pSpecifiedEmpty();

  constructor(params: Partial<RsaEsOaepParams> = {}) {
    Object.assign(this, params);
  }
}
