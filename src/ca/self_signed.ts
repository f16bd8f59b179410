import type { Name } from "@peculiar/asn1-x509";
import type { Signer } from "../kms/signer.js";
import { encodeName, isEmptyName, parseDistinguishedName } from "./distinguished_name.js";
import {
  authorityKeyIdentifierExtension,
  basicConstraintsExtension,
  keyUsageExtension,
  subjectKeyIdentifierExtension,
} from "./extensions.js";
import { encodeAlgorithm } from "./issuer.js";
import { keyIdentifier } from "./key_identifier.js";
import { newSerialNumber, type RandomBytes } from "./serial_number.js";
import { signCertificate } from "./signed_certificate.js";
import { encodeTbsCertificate } from "./tbs_certificate.js";
import { encodeValidity, validityPeriod } from "./validity.js";

export interface SelfSignedCaRequest {
  signer: Signer;
  /** A Name, or a DN string: "CN=Jellyfish Development CA,O=Jellyfish" (RFC 4514) or "/O=Jellyfish/CN=...". */
  subject: Name | string;
  validitySeconds: number;
  now: Date;
  /**
   * notBefore lies this far before `now`, so that clients whose clocks are
   * a little behind accept the CA at once. Default 300.
   */
  backdateSeconds?: number;
  randomBytes?: RandomBytes;
}

/**
 * A self-signed root CA certificate for the signer's key: the development
 * CA of `npm start` and `jellyfish ca init`. basicConstraints cA TRUE
 * without pathLenConstraint (RFC 5280 §4.2.1.9), keyUsage keyCertSign and
 * cRLSign (§4.2.1.3) plus digitalSignature, for the CMP responses the same
 * key protects. It carries an authorityKeyIdentifier equal to its own
 * subjectKeyIdentifier, which §4.2.1.1 permits for self-signed certificates
 * and OpenSSL also writes.
 */
export async function createSelfSignedCa(request: SelfSignedCaRequest): Promise<Uint8Array> {
  if (!Number.isInteger(request.validitySeconds) || request.validitySeconds <= 0) {
    throw new Error("validitySeconds must be a positive integer");
  }
  const subjectName = typeof request.subject === "string" ? parseDistinguishedName(request.subject) : request.subject;
  // RFC 5280 §4.1.2.6: a CA's subject MUST be a non-empty Name.
  if (isEmptyName(subjectName)) throw new Error("the CA subject must not be empty");
  const name = encodeName(subjectName);

  const ski = await keyIdentifier(request.signer.publicKey);
  const signatureAlgorithm = encodeAlgorithm(request.signer.algorithm);
  const period = validityPeriod(request.now, request.validitySeconds, request.backdateSeconds ?? 300);

  const tbs = encodeTbsCertificate({
    serialNumber: newSerialNumber(request.randomBytes).bytes,
    signature: signatureAlgorithm,
    issuer: name,
    validity: encodeValidity(period),
    subject: name,
    subjectPublicKeyInfo: request.signer.publicKey,
    extensions: [
      basicConstraintsExtension(true),
      keyUsageExtension(["digitalSignature", "keyCertSign", "cRLSign"])!,
      subjectKeyIdentifierExtension(ski),
      authorityKeyIdentifierExtension(ski),
    ],
  });
  return signCertificate(request.signer, signatureAlgorithm, tbs);
}
