import type { AlgorithmIdentifier } from "@peculiar/asn1-x509";
import { CertConfirmContent, CertStatus } from "../asn1/cert_confirm_content.js";
import { PKIBody } from "../asn1/pki_body.js";
import type { FailInfoName } from "../asn1/pki_failure_info.js";
import { PKIFreeText } from "../asn1/pki_free_text.js";
import { PKIFailureInfoBits, PKIStatus, PKIStatusInfo } from "../asn1/pki_status.js";
import { certHashAlgorithm } from "../crypto/algorithms.js";
import { digest } from "../crypto/digest.js";
import { serializeDer } from "../asn1/serialize_der.js";

/**
 * certConf [24] with one CertStatus (RFC 9810 §5.3.18, RFC 9483 §4.1.1):
 * certHash is the hash of the certificate as received, with the hash of the
 * certificate's own signature algorithm (SHA-512 for Ed25519, RFC 9481
 * §3.3). Acceptance leaves statusInfo out ("accepted" by definition);
 * a rejection says why, so the server never counts the certificate as issued.
 */
export async function certConfBody(
  certificate: Uint8Array,
  signatureAlgorithm: AlgorithmIdentifier,
  certReqId: number,
  rejection?: { failInfo: FailInfoName; reason: string },
): Promise<Uint8Array> {
  const certHash = await digest(certHashAlgorithm(signatureAlgorithm), certificate);
  const statusInfo = rejection
    ? new PKIStatusInfo({
        status: PKIStatus.rejection,
        statusString: new PKIFreeText([rejection.reason]),
        failInfo: PKIFailureInfoBits.fromNames([rejection.failInfo]),
      })
    : undefined;
  const status = new CertStatus({ certHash: certHash.slice().buffer as ArrayBuffer, certReqId, statusInfo });
  return serializeDer(new PKIBody({ certConf: new CertConfirmContent([status]) }));
}
