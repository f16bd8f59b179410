import { AsnArray, AsnProp, AsnPropTypes, AsnType, AsnTypeTypes } from "@peculiar/asn1-schema";
import { Extensions } from "@peculiar/asn1-x509";
import { CertId } from "./cert_id.js";
import { CertTemplate } from "./cert_template.js";
import { CertificateLists } from "./cmp_certificates.js";
import { PKIStatusInfo } from "./pki_status.js";

/**
 * ```asn1
 * RevDetails ::= SEQUENCE {
 *     certDetails         CertTemplate,
 *     crlEntryDetails     Extensions{{...}}    OPTIONAL }
 * ```
 * RFC 9810 §5.3.9. crlEntryDetails carries the requested reasonCode.
 */
export class RevDetails {
  @AsnProp({ type: CertTemplate })
  certDetails = new CertTemplate();

  @AsnProp({ type: Extensions, optional: true })
  crlEntryDetails?: Extensions;

  constructor(params: Partial<RevDetails> = {}) {
    Object.assign(this, params);
  }
}

/**
 * ```asn1
 * RevReqContent ::= SEQUENCE OF RevDetails
 * ```
 */
@AsnType({ type: AsnTypeTypes.Sequence, itemType: RevDetails })
export class RevReqContent extends AsnArray<RevDetails> {
  constructor(items?: RevDetails[]) {
    super(items);
    Object.setPrototypeOf(this, RevReqContent.prototype);
  }
}

@AsnType({ type: AsnTypeTypes.Sequence, itemType: PKIStatusInfo })
export class PKIStatusInfos extends AsnArray<PKIStatusInfo> {
  constructor(items?: PKIStatusInfo[]) {
    super(items);
    Object.setPrototypeOf(this, PKIStatusInfos.prototype);
  }
}

@AsnType({ type: AsnTypeTypes.Sequence, itemType: CertId })
export class CertIds extends AsnArray<CertId> {
  constructor(items?: CertId[]) {
    super(items);
    Object.setPrototypeOf(this, CertIds.prototype);
  }
}

/**
 * ```asn1
 * RevRepContent ::= SEQUENCE {
 *     status       SEQUENCE SIZE (1..MAX) OF PKIStatusInfo,
 *     revCerts [0] SEQUENCE SIZE (1..MAX) OF CertId OPTIONAL,
 *     crls     [1] SEQUENCE SIZE (1..MAX) OF CertificateList OPTIONAL }
 * ```
 * RFC 9810 §5.3.10.
 */
export class RevRepContent {
  @AsnProp({ type: PKIStatusInfos })
  status = new PKIStatusInfos();

  @AsnProp({ type: CertIds, context: 0, optional: true })
  revCerts?: CertIds;

  @AsnProp({ type: CertificateLists, context: 1, optional: true })
  crls?: CertificateLists;

  constructor(params: Partial<RevRepContent> = {}) {
    Object.assign(this, params);
  }
}

/**
 * ```asn1
 * RevAnnContent ::= SEQUENCE {
 *     status              PKIStatus,
 *     certId              CertId,
 *     willBeRevokedAt     GeneralizedTime,
 *     badSinceDate        GeneralizedTime,
 *     crlDetails          Extensions{{...}}  OPTIONAL }
 * ```
 * RFC 9810 §5.3.15.
 */
export class RevAnnContent {
  @AsnProp({ type: AsnPropTypes.Integer })
  status = 0;

  @AsnProp({ type: CertId })
  certId = new CertId();

  @AsnProp({ type: AsnPropTypes.GeneralizedTime })
  willBeRevokedAt = new Date(0);

  @AsnProp({ type: AsnPropTypes.GeneralizedTime })
  badSinceDate = new Date(0);

  @AsnProp({ type: Extensions, optional: true })
  crlDetails?: Extensions;

  constructor(params: Partial<RevAnnContent> = {}) {
    Object.assign(this, params);
  }
}
