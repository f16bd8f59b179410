import { AsnArray, AsnPropTypes, AsnType, AsnTypeTypes } from "@peculiar/asn1-schema";
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

/**
 * The same SEQUENCE SIZE (1..MAX) OF CMPCertificate, each certificate kept as
 * the DER it arrived in: for certificates that are handed on, stored or
 * hashed as sent (caPubs: RFC 9810 §5.3.4), never read field by field here.
 * Decoding a Certificate through the schema costs about 0.5 ms, and the
 * reader would have to re-encode it to get the bytes back anyway.
 */
@AsnType({ type: AsnTypeTypes.Sequence, itemType: AsnPropTypes.Any })
export class CMPCertificatesDer extends AsnArray<ArrayBuffer> {
  constructor(items?: ArrayBuffer[]) {
    super(items);
    Object.setPrototypeOf(this, CMPCertificatesDer.prototype);
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
