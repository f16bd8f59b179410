import { parseDer } from "../asn1/parse_der.js";
import { reencode, sameEncoding } from "../asn1/reencode.js";
import { GeneralName, GeneralNames, type Name, id_ce_subjectAltName } from "@peculiar/asn1-x509";
import type { CertReqMsg } from "../asn1/cert_req_messages.js";
import { CertId } from "../asn1/cert_id.js";
import { id_regCtrl_oldCertID } from "../asn1/oids.js";
import { CmpError } from "../asn1/pki_failure_info.js";
import { serialNumberHex } from "../ca/serial_number.js";
import { checkCertTemplate, type TemplateDefaults } from "./cert_template_checks.js";
import type { Exchange, HandlerResult } from "./exchange.js";
import { bytesEqual } from "../asn1/bytes.js";
import { issueAndAnswer, type ApprovedRequest } from "./issuance.js";
import { rejectingRequestFailures } from "./request_rejection.js";
import { withRequestedCertProfile } from "./cert_profile.js";
import { templatePublicKey, verifyProofOfPossession } from "./proof_of_possession.js";
import type { SignatureCredentials } from "./protection.js";
import { asksForCentralKeyGeneration, generateCentralKey, planCentralKey } from "./central_key_generation.js";

const RESPONSE_TYPE = { ir: "ip", cr: "cp", kur: "kup" } as const;

/**
 * ir, cr and kur: one CertReqMsg in, one certificate out (RFC 9810 §5.3.1,
 * RFC 9483 §4.1.1-4.1.3). Everything is checked before anything is signed.
 */
export async function handleCertRequest(exchange: Exchange): Promise<HandlerResult> {
  const type = exchange.request.type as keyof typeof RESPONSE_TYPE;
  const messages = exchange.request.message.body[type]!;
  const first = messages[0]?.certReq.certReqId;
  // The rejection names the request it refuses (RFC 9810 §5.3.4), as long as that is a number we can write back.
  const answeredId = first !== undefined && Number.isSafeInteger(first) && Math.abs(first) < 2 ** 31 ? first : 0;
  return rejectingRequestFailures(exchange, RESPONSE_TYPE[type], answeredId, async () => {
    if (messages.length !== 1) {
      throw new CmpError("badRequest", `exactly one CertReqMsg is accepted per request, not ${messages.length} (RFC 9483 §4.1.1)`);
    }
    // RFC 9810 §5.1.1.4: the certificate profile named in generalInfo decides what the template may ask.
    const profiled = await withRequestedCertProfile(exchange, messages.length);
    const requested = await checkCertRequest(profiled, type, messages[0]!);
    return issueAndAnswer(profiled, requested, RESPONSE_TYPE[type]);
  });
}

/** Everything about the one CertReqMsg, checked before anything is signed: what to certify. */
async function checkCertRequest(exchange: Exchange, type: keyof typeof RESPONSE_TYPE, message: CertReqMsg): Promise<ApprovedRequest> {
  const certReqId = message.certReq.certReqId;
  if (certReqId !== 0) throw new CmpError("badRequest", `certReqId must be 0, not ${certReqId} (RFC 9483 §4.1.1)`);

  // RFC 9483 §4.1.6: no public key (or one with an empty key) asks the server to generate the pair; checked here, generated last.
  const central = asksForCentralKeyGeneration(message) ? planCentralKey(exchange, message) : undefined;
  const requestedKey = central ? undefined : templatePublicKey(message);
  let defaults: TemplateDefaults | undefined;
  let supersedes: string | undefined;
  if (type === "kur") {
    const updated = certificateBeingUpdated(exchange);
    checkOldCertId(message, exchange, updated.issuedSerial!);
    const oldKey = reencode(updated.parsed.tbsCertificate.subjectPublicKeyInfo, "the public key of the certificate being updated");
    if (requestedKey && !exchange.profile.keyUpdate.allowKeyReuse && bytesEqual(oldKey, requestedKey)) {
      throw new CmpError("badCertTemplate", "a key update must certify a new key, not the key of the certificate being updated");
    }
    defaults = { subject: updated.parsed.tbsCertificate.subject, subjectAltName: subjectAltNameOf(updated) };
    supersedes = updated.issuedSerial;
  }
  const template = checkCertTemplate(message.certReq.certTemplate, acceptableIssuers(exchange), requestedKey, exchange.profile.certificate, defaults);
  if (requestedKey) {
    await verifyProofOfPossession(message, requestedKey, {
      authenticatedSender: authenticatedSender(exchange),
      fromTrustedRa: exchange.credentials.registrationAuthority,
      rsaMaxModulusBits: exchange.context.config.limits.rsaMaxModulusBits,
      bodyDer: exchange.request.bodyDer,
    });
  }
  // Everything else passed: only now is a key generated (RSA takes a while) and the CA asked to sign its package.
  const generated = central ? await generateCentralKey(exchange, central) : undefined;
  if (central) exchange.log.generatedKeyType = central.keyType;
  const publicKey = generated?.publicKey ?? requestedKey!;
  const { validity, extensions } = message.certReq.certTemplate;
  return {
    certReqId,
    subject: template.subject,
    subjectAltName: template.subjectAltName,
    publicKey,
    encryptedPrivateKey: generated?.encryptedKey,
    asked: { validity, extensions },
    supersedes,
  };
}

/**
 * The template's issuer, when present, must be us (RFC 4211 §5). OpenSSL 3.0
 * fills it with the issuer of the client's own certificate unless -issuer is
 * given, which names the signer's CA rather than asking for another one, so
 * that is accepted as well; the certificate comes from this CA either way.
 */
export function acceptableIssuers(exchange: Exchange): Name[] {
  const { credentials, ca } = exchange;
  return credentials.kind === "signature" ? [ca.name, credentials.parsed.tbsCertificate.issuer] : [ca.name];
}

/**
 * Who the request's protection authenticated, for poposkInput's sender
 * (RFC 4211 §4.1): the subject of the protection certificate (which the
 * header's sender equals, RFC 9483 §3.1, checked in protection.ts), or the
 * sender of a MAC-protected header, which the MAC covers.
 */
function authenticatedSender(exchange: Exchange): GeneralName {
  const { credentials } = exchange;
  if (credentials.kind === "signature") return new GeneralName({ directoryName: credentials.parsed.tbsCertificate.subject });
  return exchange.request.message.header.sender;
}

/**
 * RFC 9483 §4.1.3: a kur is signed with the certificate it updates, which this
 * CA issued and which is valid and not revoked (checked with the protection).
 */
function certificateBeingUpdated(exchange: Exchange): SignatureCredentials {
  const { credentials } = exchange;
  if (credentials.kind !== "signature" || !credentials.issuedSerial) {
    throw new CmpError("notAuthorized", "a key update must be signed with the certificate being updated, issued by this CA (-cert/-key)");
  }
  return credentials;
}

/** The oldCertID control, when present, must name the certificate being updated (RFC 4211 §6.5). */
function checkOldCertId(message: CertReqMsg, exchange: Exchange, serial: string): void {
  const control = message.certReq.controls?.find((c) => c.type === id_regCtrl_oldCertID);
  if (!control) return;
  let certId: CertId;
  try {
    certId = parseDer(control.value, CertId);
  } catch (error) {
    throw new CmpError("badDataFormat", "the oldCertID control is not a CertId", { cause: error });
  }
  const issuer = certId.issuer.directoryName;
  let named: string | undefined;
  try {
    named = serialNumberHex(certId.serialNumber);
  } catch {
    named = undefined;
  }
  if (!issuer || !sameEncoding(issuer, exchange.ca.name) || named !== serial) {
    throw new CmpError("badCertId", `oldCertID does not name the certificate that signed the request (serial ${serial})`);
  }
}

function subjectAltNameOf(credentials: SignatureCredentials): GeneralNames | undefined {
  const extension = credentials.parsed.tbsCertificate.extensions?.find((e) => e.extnID === id_ce_subjectAltName);
  return extension ? parseDer(extension.extnValue, GeneralNames) : undefined;
}
