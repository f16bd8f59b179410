import { AsnConvert } from "@peculiar/asn1-schema";
import { GeneralNames, Name, SubjectPublicKeyInfo, id_ce_subjectAltName } from "@peculiar/asn1-x509";
import { RSAPublicKey } from "@peculiar/asn1-rsa";
import type { CertTemplate } from "../asn1/cert_template.js";
import { CmpError } from "../asn1/pki_failure_info.js";
import { formatDistinguishedName } from "../ca/distinguished_name.js";
import { toHex } from "./hex.js";

/** What the CA takes from a certificate template, after the checks. */
export interface AcceptedTemplate {
  subject: Name;
  subjectAltName?: GeneralNames;
  /** True when the template asked for something we do not grant (validity, other extensions): status grantedWithMods. */
  modified: boolean;
}

const RSA_ENCRYPTION = "1.2.840.113549.1.1.1";
const EC_PUBLIC_KEY = "1.2.840.10045.2.1";
const ED25519 = "1.3.101.112";
// The namedCurve parameters of P-256, P-384 and P-521, as DER (RFC 5480 §2.1.1.1).
const CURVES = new Set(["06082a8648ce3d030107", "06052b81040022", "06052b81040023"]);
const MIN_RSA_BITS = 2048;
const MAX_RSA_BITS = 8192;

/** Subject and subjectAltName of the certificate a kur updates: the new one keeps them (RFC 9483 §4.1.3). */
export interface TemplateDefaults {
  subject: Name;
  subjectAltName?: GeneralNames;
}

/**
 * Check a CertTemplate against what this CA issues (RFC 4211 §5, RFC 9483
 * §4.1.1): a public key of a supported type and size, a subject (or
 * SubjectAltNames), no fields only the CA may choose, and an issuer that is
 * one of `acceptableIssuers` if named at all. With `defaults` (kur), an omitted subject or
 * subjectAltName is taken from them, and a given one must equal them.
 */
export function checkCertTemplate(
  template: CertTemplate,
  acceptableIssuers: readonly Name[],
  publicKey: Uint8Array,
  defaults?: TemplateDefaults,
): AcceptedTemplate {
  if (template.serialNumber !== undefined) throw new CmpError("badCertTemplate", "the template must not choose a serialNumber");
  if (template.signingAlg !== undefined) throw new CmpError("badCertTemplate", "the template must not choose signingAlg");
  if (template.version !== undefined && template.version !== 2) {
    throw new CmpError("badCertTemplate", `version ${template.version} requested; only v3 (2) certificates are issued`);
  }
  if (template.issuer && template.issuer.length > 0 && !acceptableIssuers.some((issuer) => sameName(template.issuer!, issuer))) {
    throw new CmpError("wrongAuthority", `the template names issuer "${formatDistinguishedName(template.issuer)}", not this CA`);
  }
  checkPublicKey(publicKey);

  let subjectAltName: GeneralNames | undefined;
  let modified = template.validity !== undefined;
  for (const extension of template.extensions ?? []) {
    if (extension.extnID === id_ce_subjectAltName) {
      try {
        subjectAltName = AsnConvert.parse(extension.extnValue, GeneralNames);
      } catch (error) {
        throw new CmpError("badCertTemplate", "the subjectAltName extension is malformed", { cause: error });
      }
    } else {
      modified = true;
    }
  }
  if (defaults) {
    if (template.subject && template.subject.length > 0 && !sameName(template.subject, defaults.subject)) {
      throw new CmpError("badCertTemplate", `a key update keeps the subject "${formatDistinguishedName(defaults.subject)}"`);
    }
    if (subjectAltName && !sameDer(subjectAltName, defaults.subjectAltName)) {
      throw new CmpError("badCertTemplate", "a key update keeps the subjectAltName of the certificate it updates");
    }
    subjectAltName = defaults.subjectAltName;
  }
  const subject = template.subject && template.subject.length > 0 ? template.subject : (defaults?.subject ?? new Name());
  if (subject.length === 0 && !subjectAltName?.length) {
    throw new CmpError("badCertTemplate", "the template has neither a subject nor subjectAltName");
  }
  return { subject, subjectAltName, modified };
}

function checkPublicKey(der: Uint8Array): void {
  let spki: SubjectPublicKeyInfo;
  try {
    spki = AsnConvert.parse(der, SubjectPublicKeyInfo);
  } catch (error) {
    throw new CmpError("badCertTemplate", "the template's publicKey is not a SubjectPublicKeyInfo", { cause: error });
  }
  const algorithm = spki.algorithm.algorithm;
  if (algorithm === RSA_ENCRYPTION) {
    let bits: number;
    try {
      const modulus = new Uint8Array(AsnConvert.parse(spki.subjectPublicKey, RSAPublicKey).modulus);
      const leadingZero = modulus[0] === 0 ? 1 : 0;
      bits = (modulus.length - leadingZero) * 8;
    } catch (error) {
      throw new CmpError("badCertTemplate", "the RSA public key is malformed", { cause: error });
    }
    if (bits < MIN_RSA_BITS || bits > MAX_RSA_BITS) {
      throw new CmpError("badCertTemplate", `RSA keys of ${MIN_RSA_BITS} to ${MAX_RSA_BITS} bits are accepted, not ${bits}`);
    }
    return;
  }
  if (algorithm === EC_PUBLIC_KEY) {
    const parameters = spki.algorithm.parameters;
    if (!parameters || !CURVES.has(toHex(parameters))) throw new CmpError("badCertTemplate", "EC keys must be on P-256, P-384 or P-521");
    return;
  }
  if (algorithm === ED25519) return;
  throw new CmpError("badCertTemplate", `public keys of algorithm ${algorithm} are not certified here (RSA, EC P-256/384/521, Ed25519 are)`);
}

function sameDer(a: GeneralNames, b: GeneralNames | undefined): boolean {
  return b !== undefined && toHex(AsnConvert.serialize(a)) === toHex(AsnConvert.serialize(b));
}

/** Names compare as RFC 4514 strings, case-insensitively (close to RFC 5280 §7.1 without full LDAP prep). */
function sameName(a: Name, b: Name): boolean {
  return formatDistinguishedName(a).toLowerCase() === formatDistinguishedName(b).toLowerCase();
}
