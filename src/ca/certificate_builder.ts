import type { GeneralNames, Name } from "@peculiar/asn1-x509";
import { CmpError } from "../asn1/pki_failure_info.js";
import type { CertificateProfile } from "../config/profile.js";
import type { CertificateAuthority } from "./authority.js";
import { encodeName, isEmptyName } from "./distinguished_name.js";
import {
  authorityInfoAccessExtension,
  basicConstraintsExtension,
  certificatePoliciesExtension,
  crlDistributionPointsExtension,
  extendedKeyUsageExtension,
  keyUsageExtension,
  subjectAltNameExtension,
  subjectKeyIdentifierExtension,
} from "./extensions.js";
import { prepareIssuer } from "./issuer.js";
import { keyIdentifierOfPublicKey, subjectPublicKeyOf } from "./key_identifier.js";
import { newSerialNumber, type RandomBytes } from "./serial_number.js";
import { signCertificate } from "./signed_certificate.js";
import { encodeTbsCertificate } from "./tbs_certificate.js";
import { encodeValidity, validityPeriod } from "./validity.js";

export interface IssueRequest {
  ca: CertificateAuthority;
  /** The subject; DER octets are used as given, a Name is DER-encoded. */
  subject: Name | Uint8Array;
  /** DER SubjectPublicKeyInfo from the request, copied into the certificate unchanged. */
  subjectPublicKeyInfo: Uint8Array;
  /** Names from the request; whether they are allowed is the engine's decision. */
  subjectAltName?: GeneralNames;
  profile: CertificateProfile;
  now: Date;
  randomBytes?: RandomBytes;
}

export interface IssuedCertificate {
  der: Uint8Array;
  /** Lower-case hex, as serialNumberHex() computes it from the certificate. */
  serialNumber: string;
  notBefore: Date;
  notAfter: Date;
}

/**
 * Build and sign an end-entity certificate (RFC 5280 §4.1). Errors a
 * client caused raise CmpError; a signing failure raises the signer's
 * SignerError for the engine to map.
 */
export async function issueCertificate(request: IssueRequest): Promise<IssuedCertificate> {
  const issuer = await prepareIssuer(request.ca);
  const { profile } = request;

  const period = validityPeriod(request.now, profile.validitySeconds, profile.backdateSeconds, issuer.notAfter);
  if (period.notAfter.getTime() <= request.now.getTime()) {
    throw new CmpError("systemUnavail", "the CA certificate has expired");
  }

  let subjectPublicKey: Uint8Array;
  try {
    subjectPublicKey = subjectPublicKeyOf(request.subjectPublicKeyInfo);
  } catch (error) {
    throw new CmpError("badCertTemplate", "the public key is not a DER SubjectPublicKeyInfo", { cause: error });
  }

  const subject = request.subject instanceof Uint8Array ? request.subject : encodeName(request.subject);
  const extensions = [...profileExtensions(profile)];
  extensions.push(subjectKeyIdentifierExtension(await keyIdentifierOfPublicKey(subjectPublicKey)));
  extensions.push(issuer.authorityKeyIdentifier);
  if (request.subjectAltName) {
    const san = subjectAltNameExtension(request.subjectAltName, isEmptyName(request.subject));
    if (san) extensions.push(san);
  }

  const serial = newSerialNumber(request.randomBytes);
  const tbs = encodeTbsCertificate({
    serialNumber: serial.bytes,
    signature: issuer.signatureAlgorithm,
    issuer: issuer.name,
    validity: encodeValidity(period),
    subject,
    subjectPublicKeyInfo: request.subjectPublicKeyInfo,
    extensions,
  });
  const der = await signCertificate(request.ca.signer, issuer.signatureAlgorithm, tbs);
  return { der, serialNumber: serial.hex, ...period };
}

const byProfile = new WeakMap<CertificateProfile, readonly Uint8Array[]>();

/** The extensions that only depend on the profile, encoded once per profile object. */
function profileExtensions(profile: CertificateProfile): readonly Uint8Array[] {
  let extensions = byProfile.get(profile);
  if (!extensions) {
    extensions = [
      basicConstraintsExtension(false),
      keyUsageExtension(profile.keyUsage),
      extendedKeyUsageExtension(profile.extendedKeyUsage),
      certificatePoliciesExtension(profile.policies),
      crlDistributionPointsExtension(profile.crlDistributionPoints),
      authorityInfoAccessExtension(profile.authorityInfoAccess),
    ].filter((extension): extension is Uint8Array => extension !== undefined);
    byProfile.set(profile, extensions);
  }
  return extensions;
}
