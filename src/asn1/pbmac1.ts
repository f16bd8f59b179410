import { AsnIntegerBigIntConverter, AsnProp, AsnPropTypes, AsnType, AsnTypeTypes } from "@peculiar/asn1-schema";
import { AlgorithmIdentifier } from "@peculiar/asn1-x509";

/**
 * ```asn1
 * id-PBMAC1 OBJECT IDENTIFIER ::= { pkcs-5 14 }
 * id-PBKDF2 OBJECT IDENTIFIER ::= { pkcs-5 12 }
 * id-PBES2 OBJECT IDENTIFIER ::= { pkcs-5 13 }
 * id-hmacWithSHA1 OBJECT IDENTIFIER ::= { digestAlgorithm 7 }
 * ```
 * RFC 8018 Appendix A.2, A.4, A.5 and B.1.1; RFC 9481 §4.4.1 and §6.1.2.
 * hmacWithSHA1 lives here because it is the DEFAULT of PBKDF2-params.prf;
 * id-PBES2 because Bouncy Castle writes it as PBMAC1's keyDerivationFunc
 * (see src/crypto/pbmac1.ts).
 */
export const id_PBMAC1 = "1.2.840.113549.1.5.14";
export const id_PBKDF2 = "1.2.840.113549.1.5.12";
export const id_PBES2 = "1.2.840.113549.1.5.13";
export const id_hmacWithSHA1 = "1.2.840.113549.2.7";

/**
 * ```asn1
 * PBMAC1-params ::= SEQUENCE {
 *   keyDerivationFunc AlgorithmIdentifier {{PBMAC1-KDFs}},
 *   messageAuthScheme AlgorithmIdentifier {{PBMAC1-MACs}} }
 * ```
 * RFC 8018 Appendix A.5.
 */
export class PBMAC1Params {
  @AsnProp({ type: AlgorithmIdentifier })
  public keyDerivationFunc = new AlgorithmIdentifier();

  @AsnProp({ type: AlgorithmIdentifier })
  public messageAuthScheme = new AlgorithmIdentifier();

  public constructor(params: Partial<PBMAC1Params> = {}) {
    Object.assign(this, params);
  }
}

/**
 * The salt CHOICE of PBKDF2-params (RFC 8018 Appendix A.2):
 * ```asn1
 * salt CHOICE {
 *   specified OCTET STRING,
 *   otherSource AlgorithmIdentifier {{PBKDF2-SaltSources}} }
 * ```
 */
@AsnType({ type: AsnTypeTypes.Choice })
export class PBKDF2Salt {
  @AsnProp({ type: AsnPropTypes.OctetString })
  public specified?: ArrayBuffer;

  @AsnProp({ type: AlgorithmIdentifier })
  public otherSource?: AlgorithmIdentifier;

  public constructor(params: Partial<PBKDF2Salt> = {}) {
    Object.assign(this, params);
  }
}

/**
 * ```asn1
 * algid-hmacWithSHA1 AlgorithmIdentifier {{PBKDF2-PRFs}} ::=
 *   { algorithm id-hmacWithSHA1, parameters NULL : NULL }
 * ```
 * RFC 8018 Appendix A.2. The serializer omits prf when it equals this, as
 * DER requires for DEFAULT values (X.690 §11.5).
 */
export const algid_hmacWithSHA1 = new AlgorithmIdentifier({ algorithm: id_hmacWithSHA1, parameters: null });

/**
 * ```asn1
 * PBKDF2-params ::= SEQUENCE {
 *   salt CHOICE {
 *     specified OCTET STRING,
 *     otherSource AlgorithmIdentifier {{PBKDF2-SaltSources}}
 *   },
 *   iterationCount INTEGER (1..MAX),
 *   keyLength INTEGER (1..MAX) OPTIONAL,
 *   prf AlgorithmIdentifier {{PBKDF2-PRFs}} DEFAULT algid-hmacWithSHA1 }
 * ```
 * RFC 8018 Appendix A.2. The integers are bigints so that any encoded value
 * decodes and can be refused by its size rather than by a parse error.
 */
export class PBKDF2Params {
  @AsnProp({ type: PBKDF2Salt })
  public salt = new PBKDF2Salt();

  @AsnProp({ type: AsnPropTypes.Integer, converter: AsnIntegerBigIntConverter })
  public iterationCount = 0n;

  @AsnProp({ type: AsnPropTypes.Integer, converter: AsnIntegerBigIntConverter, optional: true })
  public keyLength?: bigint;

  @AsnProp({ type: AlgorithmIdentifier, defaultValue: algid_hmacWithSHA1 })
  public prf = new AlgorithmIdentifier({ algorithm: id_hmacWithSHA1, parameters: null });

  public constructor(params: Partial<PBKDF2Params> = {}) {
    Object.assign(this, params);
  }
}

/**
 * ```asn1
 * PBES2-params ::= SEQUENCE {
 *   keyDerivationFunc AlgorithmIdentifier {{PBES2-KDFs}},
 *   encryptionScheme AlgorithmIdentifier {{PBES2-Encs}} }
 * ```
 * RFC 8018 Appendix A.4. Only recognised, to tell an encryption scheme sent
 * as PBMAC1's key derivation (unsupported) from bytes that mean nothing.
 */
export class PBES2Params {
  @AsnProp({ type: AlgorithmIdentifier })
  public keyDerivationFunc = new AlgorithmIdentifier();

  @AsnProp({ type: AlgorithmIdentifier })
  public encryptionScheme = new AlgorithmIdentifier();

  public constructor(params: Partial<PBES2Params> = {}) {
    Object.assign(this, params);
  }
}
