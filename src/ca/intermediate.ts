import { BasicConstraints, Certificate, KeyUsage, KeyUsageFlags, id_ce_basicConstraints, id_ce_keyUsage, type Name } from "@peculiar/asn1-x509";
import type { Signer } from "../kms/signer.js";
import { parseOperatorDer } from "../asn1/parse_operator_der.js";
import { encodeName, isEmptyName, parseDistinguishedName } from "./distinguished_name.js";
import { basicConstraintsExtension, keyUsageExtension, subjectKeyIdentifierExtension } from "./extensions.js";
import { prepareIssuer } from "./issuer.js";
import { keyIdentifier } from "./key_identifier.js";
import { newSerialNumber, type RandomBytes } from "./serial_number.js";
import { signCertificate } from "./signed_certificate.js";
import { encodeTbsCertificate } from "./tbs_certificate.js";
import { encodeValidity, validityPeriod } from "./validity.js";
import { bytesEqual } from "../asn1/bytes.js";

export interface IntermediateCaRequest {
  /** The issuing CA: its signer and its certificate (DER), usually a local root. */
  issuer: { signer: Signer; certificate: Uint8Array };
  /** The new CA's key: a signer (only its public key is read) or its DER SubjectPublicKeyInfo. */
  subjectSigner?: Signer;
  subjectPublicKeyInfo?: Uint8Array;
  /** A Name, or a DN string: RFC 4514 ("CN=x,O=y") or OpenSSL's "/O=y/CN=x". */
  subject: Name | string;
  validitySeconds: number;
  now: Date;
  /** basicConstraints pathLenConstraint; default 0: the new CA issues end entities only. */
  pathLenConstraint?: number;
  /** notBefore lies this far before `now` (clients a little behind accept it at once). Default 300. */
  backdateSeconds?: number;
  randomBytes?: RandomBytes;
}

/**
 * A CA certificate issued by another CA (RFC 5280 §4.1): the way a CA whose
 * key stays in the KMS is placed under an offline root. basicConstraints
 * cA TRUE with pathLenConstraint (§4.2.1.9) and keyUsage keyCertSign,
 * cRLSign, digitalSignature (§4.2.1.3), both critical; subjectKeyIdentifier
 * of the new key (§4.2.1.2) and authorityKeyIdentifier of the issuer's
 * (§4.2.1.1); the issuer Name is the issuer certificate's subject octet for
 * octet (§4.1.2.4), and notAfter never passes the issuer's. Refuses what
 * path validation would reject later (§6.1.4 (k)-(n)). Returns the DER.
 */
export async function createIntermediateCa(request: IntermediateCaRequest): Promise<Uint8Array> {
  if (!Number.isInteger(request.validitySeconds) || request.validitySeconds <= 0) {
    throw new Error("validitySeconds must be a positive integer");
  }
  const pathLen = request.pathLenConstraint ?? 0;
  if (!Number.isInteger(pathLen) || pathLen < 0) throw new Error("pathLenConstraint must be a whole number from 0 up");
  const spki = subjectKeyOf(request);
  const subjectName = typeof request.subject === "string" ? parseDistinguishedName(request.subject) : request.subject;
  // RFC 5280 §4.1.2.6: a CA's subject MUST be a non-empty Name.
  if (isEmptyName(subjectName)) throw new Error("the CA subject must not be empty");
  const subject = encodeName(subjectName);

  const issuer = await prepareIssuer({ ...request.issuer, chain: [request.issuer.certificate] });
  checkIssuerMayCertifyCa(request.issuer.certificate, pathLen);
  // Same subject and issuer would make it self-issued (RFC 5280 §3.2): it
  // would not count as a CA in the path, and name chaining would be ambiguous.
  if (bytesEqual(subject, issuer.name)) throw new Error("the new CA's subject must differ from its issuer's");

  const period = validityPeriod(request.now, request.validitySeconds, request.backdateSeconds ?? 300, issuer.notAfter);
  if (period.notAfter.getTime() <= request.now.getTime()) throw new Error("the issuer certificate has expired");

  const tbs = encodeTbsCertificate({
    serialNumber: newSerialNumber(request.randomBytes).bytes,
    signature: issuer.signatureAlgorithm,
    issuer: issuer.name,
    validity: encodeValidity(period),
    subject,
    subjectPublicKeyInfo: spki,
    extensions: [
      basicConstraintsExtension(true, pathLen),
      keyUsageExtension(["digitalSignature", "keyCertSign", "cRLSign"])!,
      subjectKeyIdentifierExtension(await keyIdentifier(spki)),
      issuer.authorityKeyIdentifier,
    ],
  });
  return signCertificate(request.issuer.signer, issuer.signatureAlgorithm, tbs);
}

function subjectKeyOf(request: IntermediateCaRequest): Uint8Array {
  const { subjectSigner, subjectPublicKeyInfo } = request;
  if ((subjectSigner === undefined) === (subjectPublicKeyInfo === undefined)) {
    throw new Error("give exactly one of subjectSigner and subjectPublicKeyInfo");
  }
  return subjectSigner ? subjectSigner.publicKey : subjectPublicKeyInfo!;
}

/**
 * What the issuer certificate allows below it. RFC 5280 §6.1.4 (n): if it
 * has keyUsage, keyCertSign must be set. §6.1.4 (l)/(m): its
 * pathLenConstraint counts the CA certificates that may follow it, so 0
 * allows none, and the new CA may allow at most one fewer than it.
 * (cA TRUE, §6.1.4 (k), prepareIssuer already demands.)
 */
function checkIssuerMayCertifyCa(der: Uint8Array, pathLen: number): void {
  const extensions = parseOperatorDer(der, Certificate, "the issuer certificate").tbsCertificate.extensions ?? [];
  const keyUsage = extensions.find((extension) => extension.extnID === id_ce_keyUsage);
  if (keyUsage && !(parseOperatorDer(keyUsage.extnValue, KeyUsage, "the issuer certificate's keyUsage").toNumber() & KeyUsageFlags.keyCertSign)) {
    throw new Error("the issuer certificate's keyUsage lacks keyCertSign: it may not sign certificates");
  }
  const basic = extensions.find((extension) => extension.extnID === id_ce_basicConstraints);
  const issuerPathLen = basic ? parseOperatorDer(basic.extnValue, BasicConstraints, "the issuer certificate's basicConstraints").pathLenConstraint : undefined;
  if (issuerPathLen === undefined) return;
  if (issuerPathLen === 0) throw new Error("the issuer certificate has pathLenConstraint 0: it may not certify another CA");
  if (pathLen > issuerPathLen - 1) {
    throw new Error(`pathLenConstraint ${pathLen} exceeds what the issuer allows below it (${issuerPathLen - 1})`);
  }
}

