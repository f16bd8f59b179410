import { AsnArray, AsnProp, AsnType, AsnTypeTypes } from "@peculiar/asn1-schema";
import { Certificate } from "@peculiar/asn1-x509";
import { CertifiedKeyPair } from "./cert_rep_message.js";
import { CMPCertificates } from "./cmp_certificates.js";
import { PKIStatusInfo } from "./pki_status.js";

@AsnType({ type: AsnTypeTypes.Sequence, itemType: CertifiedKeyPair })
export class CertifiedKeyPairs extends AsnArray<CertifiedKeyPair> {
  constructor(items?: CertifiedKeyPair[]) {
    super(items);
    Object.setPrototypeOf(this, CertifiedKeyPairs.prototype);
  }
}

/**
 * ```asn1
 * KeyRecRepContent ::= SEQUENCE {
 *     status                  PKIStatusInfo,
 *     newSigCert          [0] CMPCertificate OPTIONAL,
 *     caCerts             [1] SEQUENCE SIZE (1..MAX) OF CMPCertificate OPTIONAL,
 *     keyPairHist         [2] SEQUENCE SIZE (1..MAX) OF CertifiedKeyPair OPTIONAL }
 * ```
 * RFC 9810 §5.3.8.
 */
export class KeyRecRepContent {
  @AsnProp({ type: PKIStatusInfo })
  status = new PKIStatusInfo();

  @AsnProp({ type: Certificate, context: 0, optional: true })
  newSigCert?: Certificate;

  @AsnProp({ type: CMPCertificates, context: 1, optional: true })
  caCerts?: CMPCertificates;

  @AsnProp({ type: CertifiedKeyPairs, context: 2, optional: true })
  keyPairHist?: CertifiedKeyPairs;

  constructor(params: Partial<KeyRecRepContent> = {}) {
    Object.assign(this, params);
  }
}
