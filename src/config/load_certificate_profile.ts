import { attributeTypeOid } from "../asn1/attribute_types.js";
import { DEFAULT_CERTIFICATE, EXTENDED_KEY_USAGE } from "./defaults.js";
import { allowOnly, asObject, ConfigError, integer, stringArray, boolean } from "./json_fields.js";
import type { CertificateProfile, KeyType, KeyUsageName, SubjectAltNameKind } from "./profile.js";

const KEY_USAGES: readonly KeyUsageName[] = [
  "digitalSignature", "nonRepudiation", "keyEncipherment", "dataEncipherment", "keyAgreement",
  "keyCertSign", "cRLSign", "encipherOnly", "decipherOnly",
];
const KEY_TYPES: readonly KeyType[] = ["RSA", "P-256", "P-384", "P-521", "Ed25519"];
const SAN_KINDS: readonly SubjectAltNameKind[] = ["dNSName", "iPAddress", "rfc822Name", "uniformResourceIdentifier"];
const FIELDS = [
  "validityDays", "backdateSeconds", "keyUsage", "keyUsageOverride", "extendedKeyUsage", "keyTypes", "rsaMinBits", "subject",
  "subjectAltName", "policies", "crlDistributionPoints", "authorityInfoAccess",
];

/** profiles.<name>.certificate: what may be issued and what the certificate carries. */
export function loadCertificateProfile(value: unknown, at: string): CertificateProfile {
  const certificate = asObject(value ?? {}, at);
  allowOnly(certificate, FIELDS, at);

  const keyUsage = oneOf(stringArray(certificate.keyUsage ?? DEFAULT_CERTIFICATE.keyUsage, `${at}.keyUsage`), KEY_USAGES, `${at}.keyUsage`);
  if (keyUsage.includes("keyCertSign")) {
    // RFC 5280 §4.2.1.9: keyCertSign requires cA TRUE, and every certificate issued here is an end entity's.
    throw new ConfigError(`${at}.keyUsage`, "keyCertSign needs basicConstraints cA TRUE (RFC 5280 §4.2.1.9); this CA issues end-entity certificates only");
  }
  const extendedKeyUsage = stringArray(certificate.extendedKeyUsage ?? DEFAULT_CERTIFICATE.extendedKeyUsage, `${at}.extendedKeyUsage`).map(
    (purpose) => {
      const named = Object.hasOwn(EXTENDED_KEY_USAGE, purpose) ? EXTENDED_KEY_USAGE[purpose] : undefined;
      const oid = named ?? (isOid(purpose) ? purpose : undefined);
      if (!oid) throw new ConfigError(`${at}.extendedKeyUsage`, `"${purpose}" is neither a known purpose nor a dotted OID`);
      return oid;
    },
  );
  const keyTypes = oneOf(stringArray(certificate.keyTypes ?? KEY_TYPES, `${at}.keyTypes`), KEY_TYPES, `${at}.keyTypes`);

  const subject = asObject(certificate.subject ?? {}, `${at}.subject`);
  allowOnly(subject, ["required", "allowed"], `${at}.subject`);
  const required = attributeNames(subject.required, `${at}.subject.required`);
  const allowed = attributeNames(subject.allowed, `${at}.subject.allowed`);
  for (const attribute of required) {
    if (allowed.length > 0 && !allowed.some((name) => attributeTypeOid(name) === attributeTypeOid(attribute))) {
      throw new ConfigError(`${at}.subject.required`, `"${attribute}" is required but not in subject.allowed`);
    }
  }

  const san = asObject(certificate.subjectAltName ?? {}, `${at}.subjectAltName`);
  allowOnly(san, ["allowed", "dnsNames"], `${at}.subjectAltName`);
  const dnsNames = stringArray(san.dnsNames ?? [], `${at}.subjectAltName.dnsNames`);
  for (const name of dnsNames) {
    if (!/^(\*\.)?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*$/.test(name)) {
      throw new ConfigError(`${at}.subjectAltName.dnsNames`, `"${name}" is not a DNS name or *.suffix`);
    }
  }

  const aia = certificate.authorityInfoAccess === undefined ? undefined : asObject(certificate.authorityInfoAccess, `${at}.authorityInfoAccess`);
  if (aia) allowOnly(aia, ["caIssuers", "ocsp"], `${at}.authorityInfoAccess`);

  return {
    keyTypes: new Set(keyTypes),
    rsaMinBits: integer(certificate.rsaMinBits ?? 2048, `${at}.rsaMinBits`, 2048),
    subject: { required, allowed },
    subjectAltName: {
      allowed: oneOf(stringArray(san.allowed ?? [], `${at}.subjectAltName.allowed`), SAN_KINDS, `${at}.subjectAltName.allowed`),
      dnsNames,
    },
    policies: oids(certificate.policies, `${at}.policies`),
    // Absent: the deployment's own URLs (publication.baseUrl); given, even empty, as given.
    crlDistributionPoints: certificate.crlDistributionPoints === undefined ? undefined : uris(certificate.crlDistributionPoints, `${at}.crlDistributionPoints`),
    authorityInfoAccess: aia && {
      caIssuers: uris(aia.caIssuers, `${at}.authorityInfoAccess.caIssuers`),
      ocsp: uris(aia.ocsp, `${at}.authorityInfoAccess.ocsp`),
    },
    validitySeconds: integer(certificate.validityDays ?? DEFAULT_CERTIFICATE.validityDays, `${at}.validityDays`, 1) * 86_400,
    backdateSeconds: integer(certificate.backdateSeconds ?? DEFAULT_CERTIFICATE.backdateSeconds, `${at}.backdateSeconds`, 0),
    keyUsage,
    keyUsageOverride: boolean(certificate.keyUsageOverride ?? false, `${at}.keyUsageOverride`),
    extendedKeyUsage,
  };
}

/** DN attribute names must be known short names or dotted OIDs: a typo would otherwise refuse every request. */
function attributeNames(value: unknown, field: string): string[] {
  const names = stringArray(value ?? [], field);
  for (const name of names) {
    if (!attributeTypeOid(name)) throw new ConfigError(field, `"${name}" is neither a DN attribute short name (CN, O, OU, C, UID, …) nor a dotted OID`);
  }
  return names;
}

function oneOf<T extends string>(values: string[], allowed: readonly T[], field: string): T[] {
  for (const value of values) {
    if (!allowed.includes(value as T)) throw new ConfigError(field, `"${value}" is not one of ${allowed.join(", ")}`);
  }
  return values as T[];
}

function isOid(text: string): boolean {
  return /^[0-2](\.(0|[1-9]\d*))+$/.test(text);
}

function oids(value: unknown, field: string): string[] {
  const list = stringArray(value ?? [], field);
  for (const oid of list) if (!isOid(oid)) throw new ConfigError(field, `"${oid}" is not a dotted OID`);
  return list;
}

function uris(value: unknown, field: string): string[] {
  const list = stringArray(value ?? [], field);
  for (const uri of list) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(uri);
    } catch {
      parsed = undefined;
    }
    if (!parsed || !["http:", "https:", "ldap:"].includes(parsed.protocol)) throw new ConfigError(field, `"${uri}" is not an http, https or ldap URI`);
  }
  return list;
}
