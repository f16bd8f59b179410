import { AsnArray, AsnType, AsnTypeTypes } from "@peculiar/asn1-schema";
import { Certificate, CertificateList } from "@peculiar/asn1-x509";

/**
 * ```asn1
 * CMPCertificate ::= CHOICE { x509v3PKCert Certificate, ... }
 * ```
 * RFC 9810 §5.1: only the X.509 alternative exists, so a CMPCertificate is
 * decoded as a Certificate.
 *
 * SEQUENCE SIZE (1..MAX) OF CMPCertificate: extraCerts, caPubs, caCerts.
 */
@AsnType({ type: AsnTypeTypes.Sequence, itemType: Certificate })
export class CMPCertificates extends AsnArray<Certificate> {
  constructor(items?: Certificate[]) {
    super(items);
    Object.setPrototypeOf(this, CMPCertificates.prototype);
  }
}

/** SEQUENCE OF CertificateList: CRLAnnContent, RevRepContent.crls. */
@AsnType({ type: AsnTypeTypes.Sequence, itemType: CertificateList })
export class CertificateLists extends AsnArray<CertificateList> {
  constructor(items?: CertificateList[]) {
    super(items);
    Object.setPrototypeOf(this, CertificateLists.prototype);
  }
}
