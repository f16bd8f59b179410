import { AsnArray, AsnProp, AsnPropTypes, AsnType, AsnTypeTypes } from "@peculiar/asn1-schema";
import { GeneralName } from "@peculiar/asn1-x509";
import { CMPCertificatesDer } from "./cmp_certificates.js";
import { EncryptedKey } from "./encrypted_key.js";
import { PKIStatusInfo } from "./pki_status.js";

// RFC 9810 Appendix F is an EXPLICIT TAGS module; the CRMF types it imports
// (PKIPublicationInfo) keep their own implicit tagging.

/**
 * ```asn1
 * SinglePubInfo ::= SEQUENCE {
 *     pubMethod    INTEGER { dontCare (0), x500 (1), web (2), ldap (3) },
 *     pubLocation  GeneralName OPTIONAL }
 * ```
 * RFC 4211 §6.3.
 */
export class SinglePubInfo {
  @AsnProp({ type: AsnPropTypes.Integer })
  pubMethod = 0;

  @AsnProp({ type: GeneralName, optional: true })
  pubLocation?: GeneralName;

  constructor(params: Partial<SinglePubInfo> = {}) {
    Object.assign(this, params);
  }
}

@AsnType({ type: AsnTypeTypes.Sequence, itemType: SinglePubInfo })
export class SinglePubInfos extends AsnArray<SinglePubInfo> {
  constructor(items?: SinglePubInfo[]) {
    super(items);
    Object.setPrototypeOf(this, SinglePubInfos.prototype);
  }
}

/**
 * ```asn1
 * PKIPublicationInfo ::= SEQUENCE {
 *     action     INTEGER { dontPublish (0), pleasePublish (1) },
 *     pubInfos  SEQUENCE SIZE (1..MAX) OF SinglePubInfo OPTIONAL }
 * ```
 */
export class PKIPublicationInfo {
  @AsnProp({ type: AsnPropTypes.Integer })
  action = 0;

  @AsnProp({ type: SinglePubInfos, optional: true })
  pubInfos?: SinglePubInfos;

  constructor(params: Partial<PKIPublicationInfo> = {}) {
    Object.assign(this, params);
  }
}

/**
 * ```asn1
 * CertOrEncCert ::= CHOICE {
 *     certificate     [0] CMPCertificate,
 *     encryptedCert   [1] EncryptedKey }
 * ```
 */
@AsnType({ type: AsnTypeTypes.Choice })
export class CertOrEncCert {
  /** The certificate's DER as issued: certConf's certHash is over these bytes (RFC 9810 §5.3.18). */
  @AsnProp({ type: AsnPropTypes.Any, context: 0 })
  certificate?: ArrayBuffer;

  @AsnProp({ type: EncryptedKey, context: 1 })
  encryptedCert?: EncryptedKey;

  constructor(params: Partial<CertOrEncCert> = {}) {
    Object.assign(this, params);
  }
}

/**
 * ```asn1
 * CertifiedKeyPair ::= SEQUENCE {
 *     certOrEncCert       CertOrEncCert,
 *     privateKey      [0] EncryptedKey      OPTIONAL,
 *     publicationInfo [1] PKIPublicationInfo  OPTIONAL }
 * ```
 */
export class CertifiedKeyPair {
  @AsnProp({ type: CertOrEncCert })
  certOrEncCert = new CertOrEncCert();

  @AsnProp({ type: EncryptedKey, context: 0, optional: true })
  privateKey?: EncryptedKey;

  @AsnProp({ type: PKIPublicationInfo, context: 1, optional: true })
  publicationInfo?: PKIPublicationInfo;

  constructor(params: Partial<CertifiedKeyPair> = {}) {
    Object.assign(this, params);
  }
}

/**
 * ```asn1
 * CertResponse ::= SEQUENCE {
 *     certReqId           INTEGER,
 *     status              PKIStatusInfo,
 *     certifiedKeyPair    CertifiedKeyPair    OPTIONAL,
 *     rspInfo             OCTET STRING        OPTIONAL }
 * ```
 * certReqId is -1 when answering a p10cr (RFC 9810 §5.3.4).
 */
export class CertResponse {
  @AsnProp({ type: AsnPropTypes.Integer })
  certReqId = 0;

  @AsnProp({ type: PKIStatusInfo })
  status = new PKIStatusInfo();

  @AsnProp({ type: CertifiedKeyPair, optional: true })
  certifiedKeyPair?: CertifiedKeyPair;

  @AsnProp({ type: AsnPropTypes.OctetString, optional: true })
  rspInfo?: ArrayBuffer;

  constructor(params: Partial<CertResponse> = {}) {
    Object.assign(this, params);
  }
}

@AsnType({ type: AsnTypeTypes.Sequence, itemType: CertResponse })
export class CertResponses extends AsnArray<CertResponse> {
  constructor(items?: CertResponse[]) {
    super(items);
    Object.setPrototypeOf(this, CertResponses.prototype);
  }
}

/**
 * ```asn1
 * CertRepMessage ::= SEQUENCE {
 *     caPubs       [1] SEQUENCE SIZE (1..MAX) OF CMPCertificate OPTIONAL,
 *     response         SEQUENCE OF CertResponse }
 * ```
 */
export class CertRepMessage {
  @AsnProp({ type: CMPCertificatesDer, context: 1, optional: true })
  caPubs?: CMPCertificatesDer;

  @AsnProp({ type: CertResponses })
  response = new CertResponses();

  constructor(params: Partial<CertRepMessage> = {}) {
    Object.assign(this, params);
  }
}
