import { decodeDer } from "../asn1/codec/der_decoder.js";
import {
  BasicConstraints,
  ExtendedKeyUsage,
  Extension,
  GeneralNames,
  KeyUsage,
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
import { bytesEqual } from "../asn1/bytes.js";
import type { OptionalValidity } from "../asn1/cert_template.js";
import { parseDer } from "../asn1/parse_der.js";
import { CmpError } from "../asn1/pki_failure_info.js";
import { sameEncoding } from "../asn1/reencode.js";
import { EXTENDED_KEY_USAGE } from "../config/defaults.js";
import type { KeyUsageName } from "../config/profile.js";
import type { CertificatePlan } from "./certificate_builder.js";
import { formatGeneralName } from "./general_name_text.js";
import { keyPhrase, keyUsageAllowedFor } from "./key_usage.js";

/**
 * Accepted or grantedWithMods (RFC 9810 §5.2.3: grantedWithMods "you got
 * something like what you asked for; the requester is responsible for
 * ascertaining the differences"; RFC 9483 §4.1.1). The CA tells the
 * differences itself: each thing the template (or a CSR's extensionRequest)
 * asked for is compared with what the certificate will carry, and every
 * difference becomes one text of the statusString. What the request did not
 * ask for is not compared: the CA adds what its profile says (SKI, AKI,
 * CRL distribution points, ...) to every certificate.
 *
 * The rules, per thing asked:
 * - validity: as asked when each bound given equals the certificate's (to
 *   the second). The CA does not honour a requested validity; the profile
 *   sets it, so an asked one almost always becomes "validity set to N days".
 * - keyUsage: as asked when the certificate's bits equal the asked bits. A
 *   bit asked but not issued is named, with the reason when the key cannot
 *   have it (src/ca/key_usage.ts: "keyEncipherment not granted for an EC
 *   key"); a bit issued but not asked is named as added (a client that asks
 *   for keyUsage asks for exactly those bits).
 * - extendedKeyUsage: the same, with the purposes as a set.
 * - basicConstraints: cA FALSE (or absent) is what every certificate here
 *   carries, so as asked; cA TRUE is refused with badCertTemplate (thrown):
 *   an end-entity certificate for a request for a CA certificate is not
 *   "something like" it, and the profile never issues CA certificates.
 * - subjectAltName: as asked when the certificate's names equal the asked
 *   ones (client mode may issue the registered names instead).
 * - any other extension: as asked when the certificate has it with the same
 *   value; with another value it is named as set by the CA; an extension the
 *   CA does not issue is named as not granted (left out).
 * - criticality: an extension the certificate carries with another critical
 *   flag than asked is named too (the CA marks them as RFC 5280 says).
 * Malformed values of keyUsage, extendedKeyUsage, basicConstraints and
 * subjectAltName are refused with badCertTemplate.
 */

/** What a request asked for beyond subject and public key. */
export interface AskedContent {
  validity?: OptionalValidity;
  extensions?: readonly Extension[];
}

/**
 * The keyUsage bits a template asks for, by name (the bits RFC 5280
 * §4.2.1.3 names; others are not issued anyway); undefined when it asks
 * none. A malformed value is badCertTemplate, as in the comparison below.
 */
export function askedKeyUsage(asked: AskedContent | undefined): KeyUsageName[] | undefined {
  const extension = asked?.extensions?.find((candidate) => candidate.extnID === id_ce_keyUsage);
  if (!extension) return undefined;
  const bits = keyUsageBits(parseValue(extension, KeyUsage, "keyUsage"));
  return KEY_USAGE_BITS.filter((bit) => bits.includes(bit));
}

/** Whether anything is asked that must be compared at all (openssl cmp's usual request asks nothing). */
export function asksAnything(asked: AskedContent | undefined): boolean {
  return !!asked && (isAsked(asked.validity) || (asked.extensions?.length ?? 0) > 0);
}

/** Every difference between what was asked and what `plan` issues; empty: status accepted. */
export function templateModifications(asked: AskedContent, plan: CertificatePlan): string[] {
  const modifications: string[] = [];
  if (isAsked(asked.validity)) {
    const text = validityModification(asked.validity!, plan);
    if (text) modifications.push(text);
  }
  const issued = new Map<string, Extension>();
  for (const der of plan.extensions) {
    const extension = decodeDer(der, Extension);
    issued.set(extension.extnID, extension);
  }
  for (const extension of asked.extensions ?? []) {
    const certificate = issued.get(extension.extnID);
    modifications.push(...extensionModifications(extension, certificate, plan));
    if (certificate && certificate.critical !== extension.critical) {
      const flag = (critical: boolean) => (critical ? "critical" : "non-critical");
      modifications.push(`${labelOf(extension.extnID)} issued ${flag(certificate.critical)} (asked ${flag(extension.critical)})`);
    }
  }
  return modifications;
}

/** The statusString of a certificate granted with these modifications (RFC 9810 §5.2.3). */
export function modificationsText(modifications: readonly string[]): string {
  return `granted with modifications: ${modifications.join("; ")}`;
}

function isAsked(validity: OptionalValidity | undefined): boolean {
  return validity?.notBefore !== undefined || validity?.notAfter !== undefined;
}

function validityModification(asked: OptionalValidity, plan: CertificatePlan): string | undefined {
  const seconds = (date: Date) => Math.floor(date.getTime() / 1000);
  const notBefore = asked.notBefore?.getTime();
  const notAfter = asked.notAfter?.getTime();
  const same =
    (notBefore === undefined || seconds(notBefore) === seconds(plan.period.notBefore)) &&
    (notAfter === undefined || seconds(notAfter) === seconds(plan.period.notAfter));
  if (same) return undefined;
  const askedText = `asked ${notBefore ? isoSeconds(notBefore) : ""}..${notAfter ? isoSeconds(notAfter) : ""}`;
  if (plan.cutAtIssuer) return `validity set to end with the CA certificate at ${isoSeconds(plan.period.notAfter)} (${askedText})`;
  const lifetime = plan.validitySeconds % 86_400 === 0 ? `${plan.validitySeconds / 86_400} days` : `${plan.validitySeconds} seconds`;
  return `validity set to ${lifetime} (${askedText})`;
}

function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

function extensionModifications(asked: Extension, issued: Extension | undefined, plan: CertificatePlan): string[] {
  switch (asked.extnID) {
    case id_ce_keyUsage:
      return keyUsageModifications(asked, issued, plan);
    case id_ce_extKeyUsage:
      return purposeModifications(asked, issued);
    case id_ce_basicConstraints:
      return basicConstraintsModifications(asked);
    case id_ce_subjectAltName:
      return subjectAltNameModifications(asked, issued);
    default:
      if (!issued) return [`extension ${labelOf(asked.extnID)} not granted`];
      if (!bytesEqual(new Uint8Array(asked.extnValue.buffer), new Uint8Array(issued.extnValue.buffer))) {
        return [`${labelOf(asked.extnID)} set by the CA, not as asked`];
      }
      return [];
  }
}

const KEY_USAGE_BITS: readonly KeyUsageName[] = [
  "digitalSignature", "nonRepudiation", "keyEncipherment", "dataEncipherment", "keyAgreement",
  "keyCertSign", "cRLSign", "encipherOnly", "decipherOnly",
];

function keyUsageModifications(asked: Extension, issued: Extension | undefined, plan: CertificatePlan): string[] {
  const askedBits = keyUsageBits(parseValue(asked, KeyUsage, "keyUsage"));
  const issuedBits = issued ? keyUsageBits(decodeDer(new Uint8Array(issued.extnValue.buffer), KeyUsage)) : [];
  const missing = askedBits.filter((bit) => !issuedBits.includes(bit));
  const algorithm = plan.keyAlgorithm;
  const cannot = missing.filter((bit) => algorithm && KEY_USAGE_BITS.includes(bit as KeyUsageName) && !keyUsageAllowedFor(algorithm, bit as KeyUsageName));
  const notInProfile = missing.filter((bit) => !cannot.includes(bit));
  const added = issuedBits.filter((bit) => !askedBits.includes(bit));
  const texts: string[] = [];
  if (cannot.length > 0) texts.push(`keyUsage ${cannot.join(", ")} not granted for ${keyPhrase(algorithm)}`);
  if (notInProfile.length > 0) texts.push(`keyUsage ${notInProfile.join(", ")} not granted`);
  if (added.length > 0) texts.push(`keyUsage ${added.join(", ")} added`);
  return texts;
}

/** The named bits set in a KeyUsage (RFC 5280 §4.2.1.3), as names; a bit beyond decipherOnly as "bit N". */
function keyUsageBits(value: KeyUsage): string[] {
  const octets = new Uint8Array(value.value);
  const bits: string[] = [];
  for (let bit = 0; bit < octets.length * 8; bit++) {
    if (octets[bit >> 3]! & (0x80 >> (bit & 7))) bits.push(KEY_USAGE_BITS[bit] ?? `bit ${bit}`);
  }
  return bits;
}

const PURPOSE_NAMES = new Map(Object.entries(EXTENDED_KEY_USAGE).map(([name, oid]) => [oid, name]));

function purposeModifications(asked: Extension, issued: Extension | undefined): string[] {
  const askedPurposes = [...parseValue(asked, ExtendedKeyUsage, "extendedKeyUsage")];
  const issuedPurposes = issued ? [...decodeDer(new Uint8Array(issued.extnValue.buffer), ExtendedKeyUsage)] : [];
  const name = (oid: string) => PURPOSE_NAMES.get(oid) ?? oid;
  const missing = askedPurposes.filter((oid) => !issuedPurposes.includes(oid)).map(name);
  const added = issuedPurposes.filter((oid) => !askedPurposes.includes(oid)).map(name);
  const texts: string[] = [];
  if (missing.length > 0) texts.push(`extendedKeyUsage ${missing.join(", ")} not granted`);
  if (added.length > 0) texts.push(`extendedKeyUsage ${added.join(", ")} added`);
  return texts;
}

/** Every certificate here is an end entity's: basicConstraints with cA FALSE (src/ca/certificate_builder.ts). */
function basicConstraintsModifications(asked: Extension): string[] {
  const value = parseValue(asked, BasicConstraints, "basicConstraints");
  if (value.cA) {
    throw new CmpError("badCertTemplate", "basicConstraints cA TRUE asked: this CA issues end-entity certificates only (RFC 5280 §4.2.1.9)");
  }
  // RFC 5280 §4.2.1.9: no pathLenConstraint unless cA is asserted.
  return value.pathLenConstraint !== undefined ? ["basicConstraints pathLenConstraint not granted"] : [];
}

function subjectAltNameModifications(asked: Extension, issued: Extension | undefined): string[] {
  const askedNames = parseValue(asked, GeneralNames, "subjectAltName");
  if (!issued) return ["subjectAltName not granted"];
  const issuedNames = decodeDer(new Uint8Array(issued.extnValue.buffer), GeneralNames);
  if (sameEncoding(askedNames, issuedNames)) return [];
  const text = (names: GeneralNames) => names.map((name) => formatGeneralName(name) ?? "(other name)").join(", ");
  return [`subjectAltName set to ${text(issuedNames)} (asked ${text(askedNames)})`];
}

function parseValue<T>(extension: Extension, type: new () => T, name: string): T {
  try {
    return parseDer(extension.extnValue, type);
  } catch (error) {
    throw new CmpError("badCertTemplate", `the ${name} extension is malformed`, { cause: error });
  }
}

/** Names of the extensions this CA issues (RFC 5280 §4.2); others are named by their OID. */
const EXTENSION_NAMES: ReadonlyMap<string, string> = new Map([
  [id_ce_keyUsage, "keyUsage"],
  [id_ce_extKeyUsage, "extendedKeyUsage"],
  [id_ce_basicConstraints, "basicConstraints"],
  [id_ce_subjectAltName, "subjectAltName"],
  [id_ce_subjectKeyIdentifier, "subjectKeyIdentifier"],
  [id_ce_authorityKeyIdentifier, "authorityKeyIdentifier"],
  [id_ce_certificatePolicies, "certificatePolicies"],
  [id_ce_cRLDistributionPoints, "cRLDistributionPoints"],
  [id_pe_authorityInfoAccess, "authorityInfoAccess"],
]);

function labelOf(oid: string): string {
  return EXTENSION_NAMES.get(oid) ?? oid;
}
