import { AsnArray, AsnProp, AsnPropTypes, AsnType, AsnTypeTypes } from "@peculiar/asn1-schema";
import { AlgorithmIdentifier, DistributionPointName, GeneralNames, Time } from "@peculiar/asn1-x509";
import { Controls } from "./attribute_type_and_value.js";
import { CertTemplate } from "./cert_template.js";

// The values of genm/genp InfoTypeAndValues this server reads or writes
// (RFC 9810 §5.3.19, RFC 9483 §4.3). The CMP module is EXPLICIT TAGS
// (RFC 9810 Appendix F), so the [0]/[1] below are explicit.

/**
 * ```asn1
 * CertReqTemplateContent ::= SEQUENCE {
 *    certTemplate           CertTemplate,
 *    keySpec                Controls OPTIONAL }
 * ```
 * RFC 9810 §5.3.19.16: the genp value of id-it-certReqTemplate.
 */
export class CertReqTemplateContent {
  @AsnProp({ type: CertTemplate })
  certTemplate = new CertTemplate();

  @AsnProp({ type: Controls, optional: true })
  keySpec?: Controls;

  constructor(params: Partial<CertReqTemplateContent> = {}) {
    Object.assign(this, params);
  }
}

/**
 * ```asn1
 * CRLSource ::= CHOICE {
 *    dpn          [0] DistributionPointName,
 *    issuer       [1] GeneralNames }
 * ```
 * RFC 9810 §5.3.19.17.
 */
@AsnType({ type: AsnTypeTypes.Choice })
export class CRLSource {
  @AsnProp({ type: DistributionPointName, context: 0 })
  dpn?: DistributionPointName;

  @AsnProp({ type: GeneralNames, context: 1 })
  issuer?: GeneralNames;

  constructor(params: Partial<CRLSource> = {}) {
    Object.assign(this, params);
  }
}

/**
 * ```asn1
 * CRLStatus ::= SEQUENCE {
 *    source       CRLSource,
 *    thisUpdate   Time OPTIONAL }
 * ```
 * RFC 9810 §5.3.19.17.
 */
export class CRLStatus {
  @AsnProp({ type: CRLSource })
  source = new CRLSource();

  @AsnProp({ type: Time, optional: true })
  thisUpdate?: Time;

  constructor(params: Partial<CRLStatus> = {}) {
    Object.assign(this, params);
  }
}

/** SEQUENCE SIZE (1..MAX) OF CRLStatus: the genm value of id-it-crlStatusList (RFC 9810 §5.3.19.17). */
@AsnType({ type: AsnTypeTypes.Sequence, itemType: CRLStatus })
export class CRLStatusList extends AsnArray<CRLStatus> {
  constructor(items?: CRLStatus[]) {
    super(items);
    Object.setPrototypeOf(this, CRLStatusList.prototype);
  }
}

/** SEQUENCE SIZE (1..MAX) OF AlgorithmIdentifier: the genp value of id-it-signKeyPairTypes (RFC 9810 §5.3.19.2). */
@AsnType({ type: AsnTypeTypes.Sequence, itemType: AlgorithmIdentifier })
export class AlgorithmIdentifiers extends AsnArray<AlgorithmIdentifier> {
  constructor(items?: AlgorithmIdentifier[]) {
    super(items);
    Object.setPrototypeOf(this, AlgorithmIdentifiers.prototype);
  }
}

/** SEQUENCE SIZE (1..MAX) OF OBJECT IDENTIFIER: the genp value of id-it-unsupportedOIDs (RFC 9810 §5.3.19.7). */
@AsnType({ type: AsnTypeTypes.Sequence, itemType: AsnPropTypes.ObjectIdentifier })
export class ObjectIdentifiers extends AsnArray<string> {
  constructor(items?: string[]) {
    super(items);
    Object.setPrototypeOf(this, ObjectIdentifiers.prototype);
  }
}
