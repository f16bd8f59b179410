import type { GeneralNames, Name } from "@peculiar/asn1-x509";
import { CmpError } from "../asn1/pki_failure_info.js";
import type { CertificateProfile, KeyUsageName } from "../config/profile.js";
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
import { prepareIssuer, type PreparedIssuer } from "./issuer.js";
import { publicationUrls, type PublicationUrls } from "../crl/publication_urls.js";
import { keyAlgorithmOf, keyPhrase, keyUsageForKey, type KeyAlgorithm, type KeyUsageGrant } from "./key_usage.js";
import { keyIdentifierOfPublicKey, subjectPublicKeyOf } from "./key_identifier.js";
import { newSerialNumber, type RandomBytes } from "./serial_number.js";
import { signCertificate } from "./signed_certificate.js";
import { encodeTbsCertificate } from "./tbs_certificate.js";
import { encodeValidity, validityPeriod, type ValidityPeriod } from "./validity.js";

export interface IssueRequest {
  ca: CertificateAuthority;
  /** The subject; DER octets are used as given, a Name is DER-encoded. */
  subject: Name | Uint8Array;
  /** DER SubjectPublicKeyInfo from the request, copied into the certificate unchanged. */
  subjectPublicKeyInfo: Uint8Array;
  /** Names from the request; whether they are allowed is the engine's decision. */
  subjectAltName?: GeneralNames;
  profile: CertificateProfile;
  /** The keyUsage the request chose, where the profile lets it (keyUsageOverride); absent: the profile's. */
  keyUsage?: readonly KeyUsageName[];
  /**
   * The deployment's public base URL (publication.baseUrl): a profile that
   * names no CRL or AIA URLs of its own gets the deployment's.
   */
  publicationBaseUrl?: string;
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
 * Everything an issued certificate will carry except its serial number and
 * signature: what the engine compares with the request to tell `accepted`
 * from `grantedWithMods` (src/ca/template_modifications.ts) before anything
 * is signed, and what issueCertificate then signs.
 */
export interface CertificatePlan {
  issuer: PreparedIssuer;
  /** DER subject Name. */
  subject: Uint8Array;
  period: ValidityPeriod;
  /** notAfter was cut at the CA certificate's notAfter (src/ca/validity.ts). */
  cutAtIssuer: boolean;
  /** The profile's lifetime, for saying what was issued instead of an asked validity. */
  validitySeconds: number;
  /** The algorithm of the certified key, and what it got of the profile's keyUsage (src/ca/key_usage.ts). */
  keyAlgorithm?: KeyAlgorithm;
  keyUsage: KeyUsageGrant;
  /** DER Extension of each extension, in certificate order. */
  extensions: Uint8Array[];
}

/**
 * Work out the certificate for `request` without signing it. Errors a
 * client caused raise CmpError.
 */
export async function planCertificate(request: IssueRequest): Promise<CertificatePlan> {
  const issuer = await prepareIssuer(request.ca);
  const { profile } = request;

  const period = validityPeriod(request.now, profile.validitySeconds, profile.backdateSeconds, issuer.notAfter);
  if (period.notAfter.getTime() <= request.now.getTime()) {
    throw new CmpError("systemUnavail", "the CA certificate has expired");
  }
  const uncut = validityPeriod(request.now, profile.validitySeconds, profile.backdateSeconds);

  let subjectPublicKey: Uint8Array;
  try {
    subjectPublicKey = subjectPublicKeyOf(request.subjectPublicKeyInfo);
  } catch (error) {
    throw new CmpError("badCertTemplate", "the public key is not a DER SubjectPublicKeyInfo", { cause: error });
  }
  const keyAlgorithm = keyAlgorithmOf(request.subjectPublicKeyInfo);
  const configured = request.keyUsage ?? profile.keyUsage;
  const keyUsage = keyUsageForKey(configured, keyAlgorithm);
  if (configured.length > 0 && keyUsage.granted.length === 0) {
    // No keyUsage extension at all would let the key be used for anything (RFC 5280 §4.2.1.3).
    const whose = request.keyUsage ? "the requested keyUsage" : "this profile's keyUsage";
    throw new CmpError("badCertTemplate", `${whose} (${configured.join(", ")}) has nothing ${keyPhrase(keyAlgorithm)} may do`);
  }

  const subject = request.subject instanceof Uint8Array ? request.subject : encodeName(request.subject);
  const urls = request.publicationBaseUrl === undefined ? undefined : publicationUrls(request.publicationBaseUrl, issuer.keyIdentifier);
  const extensions = [...profileExtensions(profile, keyAlgorithm, keyUsage.granted, urls)];
  extensions.push(subjectKeyIdentifierExtension(await keyIdentifierOfPublicKey(subjectPublicKey)));
  extensions.push(issuer.authorityKeyIdentifier);
  if (request.subjectAltName) {
    const san = subjectAltNameExtension(request.subjectAltName, isEmptyName(request.subject));
    if (san) extensions.push(san);
  }
  return {
    issuer,
    subject,
    period,
    cutAtIssuer: period.notAfter.getTime() !== uncut.notAfter.getTime(),
    validitySeconds: profile.validitySeconds,
    keyAlgorithm,
    keyUsage,
    extensions,
  };
}

/**
 * Build and sign an end-entity certificate (RFC 5280 §4.1). Errors a
 * client caused raise CmpError; a signing failure raises the signer's
 * SignerError for the engine to map. `plan`: planCertificate(request)
 * already worked out (to compare it with what was asked), not done again.
 */
export async function issueCertificate(request: IssueRequest, plan?: CertificatePlan): Promise<IssuedCertificate> {
  plan ??= await planCertificate(request);
  const serial = newSerialNumber(request.randomBytes);
  const tbs = encodeTbsCertificate({
    serialNumber: serial.bytes,
    signature: plan.issuer.signatureAlgorithm,
    issuer: plan.issuer.name,
    validity: encodeValidity(plan.period),
    subject: plan.subject,
    subjectPublicKeyInfo: request.subjectPublicKeyInfo,
    extensions: plan.extensions,
  });
  const der = await signCertificate(request.ca.signer, plan.issuer.signatureAlgorithm, tbs);
  return { der, serialNumber: serial.hex, ...plan.period };
}

const byProfile = new WeakMap<CertificateProfile, Map<string, readonly Uint8Array[]>>();

/**
 * The extensions that only depend on the profile, the keyUsage granted
 * (src/ca/key_usage.ts) and the CA's publication URLs, encoded once per
 * profile object, algorithm, keyUsage and URLs. A profile's own
 * crlDistributionPoints / authorityInfoAccess win; absent, the deployment's
 * CRL, OCSP and CA certificate URLs are written, so relying parties can
 * check every certificate by default.
 */
function profileExtensions(
  profile: CertificateProfile,
  algorithm: KeyAlgorithm | undefined,
  keyUsage: readonly KeyUsageName[],
  urls: PublicationUrls | undefined,
): readonly Uint8Array[] {
  let byAlgorithm = byProfile.get(profile);
  if (!byAlgorithm) {
    byAlgorithm = new Map();
    byProfile.set(profile, byAlgorithm);
  }
  // Per algorithm and granted bits: a profile with keyUsageOverride issues as many as requests ask for.
  const key = `${algorithm ?? ""}:${keyUsage.join(",")}:${urls?.crl ?? ""}`;
  let extensions = byAlgorithm.get(key);
  if (!extensions) {
    extensions = [
      basicConstraintsExtension(false),
      keyUsageExtension(keyUsage),
      extendedKeyUsageExtension(profile.extendedKeyUsage),
      certificatePoliciesExtension(profile.policies),
      crlDistributionPointsExtension(profile.crlDistributionPoints ?? (urls ? [urls.crl] : [])),
      authorityInfoAccessExtension(profile.authorityInfoAccess ?? (urls ? { caIssuers: [urls.caIssuers], ocsp: [urls.ocsp] } : { caIssuers: [], ocsp: [] })),
    ].filter((extension): extension is Uint8Array => extension !== undefined);
    byAlgorithm.set(key, extensions);
  }
  return extensions;
}
