import { parseDer } from "../asn1/parse_der.js";
import { sameEncoding } from "../asn1/reencode.js";
import { GeneralNames, Name, id_ce_subjectAltName } from "@peculiar/asn1-x509";
import type { CertTemplate } from "../asn1/cert_template.js";
import { CmpError } from "../asn1/pki_failure_info.js";
import { formatDistinguishedName, sameDistinguishedName } from "../ca/distinguished_name.js";
import { checkPublicKeyPolicy, checkSubjectAltNamePolicy, checkSubjectPolicy } from "../ca/issuance_policy.js";
import type { CertificateProfile } from "../config/profile.js";

/**
 * What the CA takes from a certificate template, after the checks. What else
 * it asked for (validity, extensions) is compared with the certificate
 * later, to tell accepted from grantedWithMods (src/ca/template_modifications.ts).
 */
export interface AcceptedTemplate {
  subject: Name;
  subjectAltName?: GeneralNames;
}

/** Subject and subjectAltName of the certificate a kur updates: the new one keeps them (RFC 9483 §4.1.3). */
export interface TemplateDefaults {
  subject: Name;
  subjectAltName?: GeneralNames;
}

/**
 * Check a CertTemplate against what this CA issues (RFC 4211 §5, RFC 9483
 * §4.1.1): a public key, subject and subjectAltName the profile allows
 * (src/ca/issuance_policy.ts), a subject or SubjectAltNames at all, no
 * fields only the CA may choose, and an issuer that is one of
 * `acceptableIssuers` if named at all. `publicKey` is undefined when the
 * server generates the key (RFC 9483 §4.1.6): the generated one is checked
 * against the profile instead (central_key_generation.ts). With `defaults` (kur), an omitted
 * subject or subjectAltName is taken from them, and a given one must equal them.
 */
export function checkCertTemplate(
  template: CertTemplate,
  acceptableIssuers: readonly Name[],
  publicKey: Uint8Array | undefined,
  profile: CertificateProfile,
  defaults?: TemplateDefaults,
): AcceptedTemplate {
  if (template.serialNumber !== undefined) throw new CmpError("badCertTemplate", "the template must not choose a serialNumber");
  if (template.signingAlg !== undefined) throw new CmpError("badCertTemplate", "the template must not choose signingAlg");
  if (template.version !== undefined && template.version !== 2) {
    throw new CmpError("badCertTemplate", `version ${template.version} requested; only v3 (2) certificates are issued`);
  }
  if (template.issuer && template.issuer.length > 0 && !acceptableIssuers.some((issuer) => sameDistinguishedName(template.issuer!, issuer))) {
    throw new CmpError("wrongAuthority", `the template names issuer "${formatDistinguishedName(template.issuer)}", not this CA`);
  }
  if (publicKey) checkPublicKeyPolicy(publicKey, profile, template.publicKey);

  let subjectAltName: GeneralNames | undefined;
  const asked = new Set<string>();
  for (const extension of template.extensions ?? []) {
    // RFC 5280 §4.2: a certificate MUST NOT include more than one instance of a particular extension.
    if (asked.has(extension.extnID)) throw new CmpError("badCertTemplate", `the template asks for extension ${extension.extnID} more than once`);
    asked.add(extension.extnID);
    if (extension.extnID === id_ce_subjectAltName) {
      try {
        subjectAltName = parseDer(extension.extnValue, GeneralNames);
      } catch (error) {
        throw new CmpError("badCertTemplate", "the subjectAltName extension is malformed", { cause: error });
      }
    }
  }
  if (defaults) {
    if (template.subject && template.subject.length > 0 && !sameDistinguishedName(template.subject, defaults.subject)) {
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
  // A kur's inherited subject and names are checked too: the profile may have tightened since.
  checkSubjectPolicy(subject, profile);
  checkSubjectAltNamePolicy(subjectAltName, profile);
  return { subject, subjectAltName };
}

function sameDer(a: GeneralNames, b: GeneralNames | undefined): boolean {
  return b !== undefined && sameEncoding(a, b);
}

