import { AsnArray, AsnProp, AsnPropTypes, AsnType, AsnTypeTypes } from "@peculiar/asn1-schema";
import { CertTemplate } from "./cert_template.js";
import { Controls } from "./attribute_type_and_value.js";
import { ProofOfPossession } from "./proof_of_possession.js";

/**
 * ```asn1
 * CertRequest ::= SEQUENCE {
 *     certReqId     INTEGER,
 *     certTemplate  CertTemplate,
 *     controls      Controls OPTIONAL }
 * ```
 * RFC 4211 §5.
 */
export class CertRequest {
  @AsnProp({ type: AsnPropTypes.Integer })
  certReqId = 0;

  @AsnProp({ type: CertTemplate })
  certTemplate = new CertTemplate();

  @AsnProp({ type: Controls, optional: true })
  controls?: Controls;

  constructor(params: Partial<CertRequest> = {}) {
    Object.assign(this, params);
  }
}

/**
 * ```asn1
 * CertReqMsg ::= SEQUENCE {
 *     certReq   CertRequest,
 *     popo      ProofOfPossession  OPTIONAL,
 *     regInfo   SEQUENCE SIZE(1..MAX) OF AttributeTypeAndValue OPTIONAL }
 * ```
 */
export class CertReqMsg {
  @AsnProp({ type: CertRequest, raw: true })
  certReq = new CertRequest();
  /** The received DER of certReq: what a POPOSigningKey without poposkInput signs (RFC 4211 §4.1). */
  certReqRaw?: Uint8Array;

  @AsnProp({ type: ProofOfPossession, optional: true })
  popo?: ProofOfPossession;

  @AsnProp({ type: Controls, optional: true })
  regInfo?: Controls;

  constructor(params: Partial<CertReqMsg> = {}) {
    Object.assign(this, params);
  }
}

/**
 * ```asn1
 * CertReqMessages ::= SEQUENCE SIZE (1..MAX) OF CertReqMsg
 * ```
 */
@AsnType({ type: AsnTypeTypes.Sequence, itemType: CertReqMsg })
export class CertReqMessages extends AsnArray<CertReqMsg> {
  constructor(items?: CertReqMsg[]) {
    super(items);
    Object.setPrototypeOf(this, CertReqMessages.prototype);
  }
}
