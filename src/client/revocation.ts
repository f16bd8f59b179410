import { OctetString } from "@peculiar/asn1-schema";
import { Certificate, CRLReason, CRLReasons, Extension, Extensions, id_ce_cRLReasons } from "@peculiar/asn1-x509";
import { CertTemplate } from "../asn1/cert_template.js";
import { PKIBody } from "../asn1/pki_body.js";
import { PKIStatus } from "../asn1/pki_status.js";
import { RevDetails, RevReqContent } from "../asn1/revocation.js";
import type { DecodedRequest } from "../cmp/decode.js";
import { CmpClientError } from "./errors.js";
import { describeStatusInfo, formatStatusInfo, type StatusInfo } from "./status.js";
import { serializeDer, serializeDerBuffer } from "../asn1/serialize_der.js";
import { parseDer } from "../asn1/parse_der.js";

/** A CRLReason (RFC 5280 §5.3.1) by name: "keyCompromise", "superseded", ... */
export type RevocationReason = keyof typeof CRLReasons;

/**
 * rr [11] with one RevDetails (RFC 9810 §5.3.9, RFC 9483 §4.2): certDetails
 * names the certificate by issuer and serialNumber alone, and
 * crlEntryDetails carries exactly one reasonCode, unspecified (0) when no
 * reason is given (RFC 9483 §4.2: "If the reason for this revocation is not
 * known or shall not be published, the reasonCode MUST be 0").
 */
export function rrBody(certificate: Uint8Array, reason: RevocationReason = "unspecified"): Uint8Array {
  // The caller's certificate, checked and decoded strictly (RFC 5280 §4.1: DER).
  const tbs = parseDer(certificate, Certificate).tbsCertificate;
  const code = CRLReasons[reason];
  if (code === undefined) throw new TypeError(`unknown revocation reason "${String(reason)}"`);
  const crlEntryDetails = new Extensions([
    new Extension({ extnID: id_ce_cRLReasons, critical: false, extnValue: new OctetString(serializeDerBuffer(new CRLReason(code))) }),
  ]);
  const details = new RevDetails({
    certDetails: new CertTemplate({ issuer: tbs.issuer, serialNumber: tbs.serialNumber }),
    crlEntryDetails,
  });
  return serializeDer(new PKIBody({ rr: new RevReqContent([details]) }));
}

/**
 * An authentic rp (RFC 9810 §5.3.10): exactly one PKIStatusInfo for our one
 * RevDetails (RFC 9483 §4.2); rejection is thrown as "rejected".
 */
export function readRevocationResponse(response: DecodedRequest): StatusInfo {
  const statuses = response.message.body.rp!.status;
  if (statuses.length !== 1) {
    throw new CmpClientError("protocol", `the rp holds ${statuses.length} statuses; exactly one answers our one revocation (RFC 9483 §4.2)`);
  }
  const status = describeStatusInfo(statuses[0]!);
  switch (statuses[0]!.status) {
    case PKIStatus.accepted:
    case PKIStatus.grantedWithMods:
    case PKIStatus.revocationWarning:
    case PKIStatus.revocationNotification:
      return status;
    case PKIStatus.rejection:
      throw new CmpClientError("rejected", `the revocation was rejected: ${formatStatusInfo(status)}`, { statusInfo: status, authenticated: true });
    default:
      throw new CmpClientError("protocol", `the rp has PKIStatus ${status.status}, which does not answer a revocation`);
  }
}
