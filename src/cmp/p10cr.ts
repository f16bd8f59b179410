import { parseDer } from "../asn1/parse_der.js";
import { reencode } from "../asn1/reencode.js";
import { Extensions } from "@peculiar/asn1-x509";
import { readChildren, readElement } from "../asn1/der.js";
import { CertTemplate } from "../asn1/cert_template.js";
import { CmpError } from "../asn1/pki_failure_info.js";
import { verifySignature } from "../crypto/signature.js";
import { checkCertTemplate } from "./cert_template_checks.js";
import type { Exchange, HandlerResult } from "./exchange.js";
import { issueAndAnswer, type ApprovedRequest } from "./issuance.js";
import { rejectingRequestFailures } from "./request_rejection.js";
import { withRequestedCertProfile } from "./cert_profile.js";

/** PKCS #9 extensionRequest (RFC 2985 §5.4.2): the extensions a CSR asks for. */
const id_extensionRequest = "1.2.840.113549.1.9.14";

/**
 * p10cr: a PKCS #10 CSR in a CMP message (RFC 9810 §5.3.1, RFC 9483 §4.1.4).
 * The CSR's own signature is the proof of possession; its extensionRequest
 * is compared with the certificate as a template's extensions are (accepted
 * or grantedWithMods, src/ca/template_modifications.ts), and the answer uses
 * certReqId -1.
 */
export function handleP10cr(exchange: Exchange): Promise<HandlerResult> {
  return rejectingRequestFailures(exchange, "cp", P10CR_CERT_REQ_ID, async () => {
    // RFC 9810 §5.1.1.4: one certificate profile name at most in a p10cr.
    const profiled = await withRequestedCertProfile(exchange, 1);
    return issueAndAnswer(profiled, await checkCsr(profiled), "cp");
  });
}

/** RFC 9810 §5.3.4: the CertResponse to a p10cr has certReqId -1. */
const P10CR_CERT_REQ_ID = -1;

/** The CSR's proof of possession and content, as a template would be checked. */
async function checkCsr(exchange: Exchange): Promise<ApprovedRequest> {
  const { request, ca } = exchange;
  const csr = request.message.body.p10cr!;
  const info = csr.certificationRequestInfo;
  // RFC 2986 §4.1: version is 0. In a p10cr the CSR is the template (RFC 9483 §4.1.4), so another is badCertTemplate.
  if (info.version !== 0) throw new CmpError("badCertTemplate", `the CSR has version ${info.version}; only version 1 (0) is defined (RFC 2986 §4.1)`);
  const publicKey = reencode(info.subjectPKInfo, "the CSR's subjectPKInfo");

  const valid = await verifySignature(publicKey, csr.signatureAlgorithm, certificationRequestInfoDer(request.bodyDer), new Uint8Array(csr.signature), {
    rsaMaxModulusBits: exchange.context.config.limits.rsaMaxModulusBits,
  });
  if (!valid) throw new CmpError("badPOP", "the CSR's signature does not verify with its public key");

  let extensions: Extensions | undefined;
  for (const attribute of info.attributes) {
    if (attribute.type !== id_extensionRequest) continue;
    try {
      extensions = parseDer(attribute.values[0]!, Extensions);
    } catch (error) {
      throw new CmpError("badCertTemplate", "the CSR's extensionRequest is malformed", { cause: error });
    }
  }
  // The CSR says what a CRMF template would; one set of checks serves both.
  const template = checkCertTemplate(
    new CertTemplate({ subject: info.subject, publicKey: info.subjectPKInfo, extensions }),
    [ca.name],
    publicKey,
    exchange.profile.certificate,
  );
  return { certReqId: P10CR_CERT_REQ_ID, subject: template.subject, subjectAltName: template.subjectAltName, publicKey, asked: { extensions } };
}

/**
 * The signed part of the CSR exactly as received: body [4] { CertificationRequest
 * { certificationRequestInfo, ... } } (RFC 2986 §4.2).
 */
function certificationRequestInfoDer(bodyDer: Uint8Array): Uint8Array {
  try {
    const [certificationRequest] = readChildren(bodyDer, readElement(bodyDer, 0));
    const [info] = readChildren(bodyDer, certificationRequest!);
    return bodyDer.subarray(info!.start, info!.end);
  } catch (error) {
    throw new CmpError("badDataFormat", "the CSR could not be located in the p10cr body", { cause: error });
  }
}
