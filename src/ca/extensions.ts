import { OctetString } from "@peculiar/asn1-schema";
import {
  AccessDescription,
  AuthorityInfoAccessSyntax,
  AuthorityKeyIdentifier,
  BasicConstraints,
  CRLDistributionPoints,
  CertificatePolicies,
  DistributionPoint,
  DistributionPointName,
  ExtendedKeyUsage,
  Extension,
  GeneralName,
  GeneralNames,
  KeyIdentifier,
  KeyUsage,
  KeyUsageFlags,
  SubjectAlternativeName,
  PolicyInformation,
  SubjectKeyIdentifier,
  id_ad_caIssuers,
  id_ad_ocsp,
  id_ce_authorityKeyIdentifier,
  id_ce_basicConstraints,
  id_ce_cRLDistributionPoints,
  id_ce_certificatePolicies,
  id_ce_extKeyUsage,
  id_ce_keyUsage,
  id_ce_subjectAltName,
  id_ce_subjectKeyIdentifier,
  id_pe_authorityInfoAccess,
} from "@peculiar/asn1-x509";
import type { KeyUsageName } from "../config/profile.js";
import { serializeDer, serializeDerBuffer } from "../asn1/serialize_der.js";

/**
 * X.509 v3 extensions of issued certificates (RFC 5280 §4.2). Each builder
 * returns the DER of one Extension so that the certificate builder can
 * cache the ones that only depend on the CA or the profile.
 */

function encodeExtension(extnID: string, critical: boolean, value: unknown): Uint8Array {
  const extension = new Extension({
    extnID,
    critical,
    extnValue: new OctetString(serializeDerBuffer(value as object)),
  });
  return serializeDer(extension);
}

/**
 * keyUsage, critical as RFC 5280 §4.2.1.3 says conforming CAs SHOULD mark it.
 * Undefined for an empty list: when present, at least one bit MUST be set.
 */
export function keyUsageExtension(usages: readonly KeyUsageName[]): Uint8Array | undefined {
  let flags = 0;
  for (const usage of usages) {
    const flag = KeyUsageFlags[usage];
    if (flag === undefined) throw new Error(`unknown key usage: ${usage}`);
    flags |= flag;
  }
  if (flags === 0) return undefined;
  // KeyUsage.fromNumber drops trailing zero bits, as DER requires of a
  // named bit list (X.690 §11.2.2).
  return encodeExtension(id_ce_keyUsage, true, new KeyUsage(flags));
}

/** extendedKeyUsage (RFC 5280 §4.2.1.12), non-critical; undefined when the profile names no purpose. */
export function extendedKeyUsageExtension(purposes: readonly string[]): Uint8Array | undefined {
  if (purposes.length === 0) return undefined;
  return encodeExtension(id_ce_extKeyUsage, false, new ExtendedKeyUsage([...purposes]));
}

/**
 * basicConstraints, always critical. For an end entity cA is FALSE; DER
 * leaves a DEFAULT value out (X.690 §11.5), so the value is an empty
 * SEQUENCE, which every parser reads as CA:FALSE. A CA gets cA TRUE and no
 * pathLenConstraint unless one is given (RFC 5280 §4.2.1.9).
 */
export function basicConstraintsExtension(ca: boolean, pathLenConstraint?: number): Uint8Array {
  const value = new BasicConstraints({ cA: ca });
  if (ca && pathLenConstraint !== undefined) value.pathLenConstraint = pathLenConstraint;
  return encodeExtension(id_ce_basicConstraints, true, value);
}

/** subjectKeyIdentifier (RFC 5280 §4.2.1.2), non-critical. */
export function subjectKeyIdentifierExtension(keyIdentifier: Uint8Array): Uint8Array {
  return encodeExtension(id_ce_subjectKeyIdentifier, false, new SubjectKeyIdentifier(keyIdentifier));
}

/**
 * authorityKeyIdentifier with only keyIdentifier (RFC 5280 §4.2.1.1):
 * MUST be present except in self-signed CA certificates, MUST NOT be critical.
 */
export function authorityKeyIdentifierExtension(keyIdentifier: Uint8Array): Uint8Array {
  const value = new AuthorityKeyIdentifier({ keyIdentifier: new KeyIdentifier(keyIdentifier) });
  return encodeExtension(id_ce_authorityKeyIdentifier, false, value);
}

/**
 * subjectAltName, the names as the request gave them; whether they are
 * allowed is the engine's decision. RFC 5280 §4.2.1.6: critical when the
 * subject is an empty Name, non-critical otherwise.
 */
export function subjectAltNameExtension(names: GeneralNames, subjectIsEmpty: boolean): Uint8Array | undefined {
  if (names.length === 0) return undefined;
  return encodeExtension(id_ce_subjectAltName, subjectIsEmpty, new SubjectAlternativeName([...names]));
}

/**
 * certificatePolicies (RFC 5280 §4.2.1.4), non-critical: one PolicyInformation
 * per OID, policyIdentifier only (§4.2.1.4 recommends no qualifiers).
 * Undefined for an empty list: the SEQUENCE is SIZE (1..MAX).
 */
export function certificatePoliciesExtension(policies: readonly string[]): Uint8Array | undefined {
  if (policies.length === 0) return undefined;
  const value = new CertificatePolicies(policies.map((policyIdentifier) => new PolicyInformation({ policyIdentifier })));
  return encodeExtension(id_ce_certificatePolicies, false, value);
}

/**
 * cRLDistributionPoints (RFC 5280 §4.2.1.13), non-critical as it SHOULD be:
 * one DistributionPoint per URI, each a fullName with one
 * uniformResourceIdentifier and neither reasons nor cRLIssuer (the CA
 * signs its own CRLs, covering every reason). Undefined for an empty list.
 */
export function crlDistributionPointsExtension(uris: readonly string[]): Uint8Array | undefined {
  if (uris.length === 0) return undefined;
  const points = uris.map(
    (uri) =>
      new DistributionPoint({
        distributionPoint: new DistributionPointName({ fullName: [new GeneralName({ uniformResourceIdentifier: uri })] }),
      }),
  );
  return encodeExtension(id_ce_cRLDistributionPoints, false, new CRLDistributionPoints(points));
}

/**
 * authorityInfoAccess (RFC 5280 §4.2.2.1), MUST be non-critical: an
 * id-ad-caIssuers accessDescription per CA certificate URI, then an
 * id-ad-ocsp one per responder URI. Undefined when both lists are empty.
 */
export function authorityInfoAccessExtension(access: { caIssuers: readonly string[]; ocsp: readonly string[] }): Uint8Array | undefined {
  const describe = (accessMethod: string) => (uri: string) =>
    new AccessDescription({ accessMethod, accessLocation: new GeneralName({ uniformResourceIdentifier: uri }) });
  const descriptions = [...access.caIssuers.map(describe(id_ad_caIssuers)), ...access.ocsp.map(describe(id_ad_ocsp))];
  if (descriptions.length === 0) return undefined;
  return encodeExtension(id_pe_authorityInfoAccess, false, new AuthorityInfoAccessSyntax(descriptions));
}
