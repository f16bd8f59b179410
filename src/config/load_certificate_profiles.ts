import { asObject, ConfigError } from "./json_fields.js";
import { loadCertificateProfile } from "./load_certificate_profile.js";
import type { CertificateProfile } from "./profile.js";

/** What a profile offers: its certificate profiles by name, and the one used when a request names none. */
export interface CertificateProfiles {
  profiles: ReadonlyMap<string, CertificateProfile>;
  defaultName: string;
}

/**
 * A name a request can send in id-it-certProfile (a UTF8String, RFC 9810
 * §5.1.1.4) and `openssl cmp -profile` can type: letters, digits and
 * ".", "_", "~", "-", at most 64. The empty string is not a name: in a
 * CertProfileValue it means "no profile named" (§5.1.1.4).
 */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._~-]{0,63}$/;

/**
 * profiles.<name>.certificate or profiles.<name>.certificateProfiles (with
 * defaultCertificateProfile): the certificate profiles a CMP profile offers.
 *
 * The single `certificate` block, as before, is one certificate profile
 * named after the CMP profile, and the default. `certificateProfiles` names
 * several, each a `certificate` block of its own; `defaultCertificateProfile`
 * says which serves requests that name none (needed when there are several).
 */
export function loadCertificateProfiles(object: Record<string, unknown>, cmpProfile: string, at: string): CertificateProfiles {
  const defaultName = object.defaultCertificateProfile;
  if (object.certificateProfiles === undefined) {
    if (defaultName !== undefined) {
      throw new ConfigError(`${at}.defaultCertificateProfile`, "names one of certificateProfiles, which this profile does not have");
    }
    return { profiles: new Map([[cmpProfile, loadCertificateProfile(object.certificate, `${at}.certificate`)]]), defaultName: cmpProfile };
  }
  if (object.certificate !== undefined) {
    throw new ConfigError(`${at}.certificate`, 'use either "certificate" (one certificate profile) or "certificateProfiles", not both');
  }
  const listed = asObject(object.certificateProfiles, `${at}.certificateProfiles`);
  const names = Object.keys(listed);
  if (names.length === 0) throw new ConfigError(`${at}.certificateProfiles`, "must name at least one certificate profile");
  const profiles = new Map<string, CertificateProfile>();
  for (const name of names) {
    if (!NAME.test(name)) {
      throw new ConfigError(`${at}.certificateProfiles`, `"${name}" is not a certificate profile name (letters, digits, '.', '_', '~', '-'; at most 64)`);
    }
    profiles.set(name, loadCertificateProfile(listed[name], `${at}.certificateProfiles.${name}`));
  }
  if (defaultName === undefined) {
    if (names.length > 1) throw new ConfigError(`${at}.defaultCertificateProfile`, `must name the certificate profile for requests that name none (one of ${names.join(", ")})`);
    return { profiles, defaultName: names[0]! };
  }
  if (typeof defaultName !== "string" || !profiles.has(defaultName)) {
    throw new ConfigError(`${at}.defaultCertificateProfile`, `must be one of ${names.join(", ")}`);
  }
  return { profiles, defaultName };
}
