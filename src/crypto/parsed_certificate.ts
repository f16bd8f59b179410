import { parseDer } from "../asn1/parse_der.js";
import {
  AlgorithmIdentifier,
  AuthorityKeyIdentifier,
  BasicConstraints,
  Certificate,
  KeyUsage,
  Name,
  SubjectKeyIdentifier,
  id_ce_authorityKeyIdentifier,
  id_ce_basicConstraints,
  id_ce_certificatePolicies,
  id_ce_cRLDistributionPoints,
  id_ce_extKeyUsage,
  id_ce_inhibitAnyPolicy,
  id_ce_issuerAltName,
  id_ce_keyUsage,
  id_ce_nameConstraints,
  id_ce_policyConstraints,
  id_ce_policyMappings,
  id_ce_subjectAltName,
  id_ce_subjectKeyIdentifier,
  id_pe_authorityInfoAccess,
} from "@peculiar/asn1-x509";
import { readChildren, readElement, type DerElement } from "../asn1/der.js";
import { bytesEqual } from "../asn1/bytes.js";
import { attributeShortName } from "../asn1/attribute_types.js";
import { BoundedCache, bytesKey } from "./bounded_cache.js";

// What path validation (cert_path.ts) needs to know of one certificate, read once.

export interface ParsedCertificate {
  der: Uint8Array;
  /** The schema parse. Shared by every holder of these bytes (see parseCertificate): read only. */
  certificate: Certificate;
  /** The signed bytes exactly as received (RFC 5280 §4.1.1.3). */
  tbs: Uint8Array;
  signatureAlgorithm: AlgorithmIdentifier;
  signature: Uint8Array;
  /** DER of the issuer and subject Names, and of the SubjectPublicKeyInfo. */
  issuer: Uint8Array;
  subject: Uint8Array;
  spki: Uint8Array;
  notBefore: Date;
  notAfter: Date;
  label: string;
  issuerLabel: string;
  basicConstraints?: { cA: boolean; pathLenConstraint?: number };
  /** The KeyUsage BIT STRING contents without the unused-bits octet. */
  keyUsage?: Uint8Array;
  subjectKeyId?: Uint8Array;
  authorityKeyId?: Uint8Array;
  hasNameConstraints: boolean;
  unknownCritical: string[];
}

/**
 * Extensions this validation understands (RFC 5280 §4.2). Policy
 * extensions are recognised without policy processing: nothing here uses a
 * policy outcome, and RFC 5280 §6.1 lets the initial policy set be
 * any-policy. Name constraints are recognised only to be refused (see
 * commonProblem).
 */
const RECOGNISED = new Set<string>([
  id_ce_basicConstraints,
  id_ce_keyUsage,
  id_ce_extKeyUsage,
  id_ce_subjectAltName,
  id_ce_issuerAltName,
  id_ce_nameConstraints,
  id_ce_certificatePolicies,
  id_ce_policyMappings,
  id_ce_policyConstraints,
  id_ce_inhibitAnyPolicy,
  id_ce_subjectKeyIdentifier,
  id_ce_authorityKeyIdentifier,
  id_ce_cRLDistributionPoints,
  id_pe_authorityInfoAccess,
]);

/** Certificates parsed lately, by their DER: the CA's, anchors, signers that come back. */
const RECENT = new BoundedCache<string, ParsedCertificate>(256);
/** Larger certificates are parsed every time rather than kept. */
const MAX_CACHED_BYTES = 16_384;

/**
 * Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue BIT STRING }
 * (RFC 5280 §4.1). The signed parts are cut from the received bytes with
 * the DER walker, since a decode and re-encode need not give the bytes
 * back; the schema parse supplies validity and extensions.
 *
 * The result follows from the bytes alone, so the same bytes give the same
 * (shared, read-only) object for as long as it stays among the recent ones;
 * it is made from a copy, so a caller changing its buffer later changes
 * nothing here. Failures are not kept: they are cheap to find again.
 */
export function parseCertificate(der: Uint8Array): ParsedCertificate {
  if (der.length > MAX_CACHED_BYTES) return parse(der.slice());
  const key = bytesKey(der);
  const known = RECENT.get(key);
  if (known) return known;
  const parsed = parse(der.slice());
  RECENT.set(key, parsed);
  return parsed;
}

function parse(der: Uint8Array): ParsedCertificate {
  const outer = readElement(der, 0);
  if (outer.tag !== 0x30 || outer.end !== der.length) throw new Error("not a single DER SEQUENCE");
  const parts = readChildren(der, outer);
  if (parts.length !== 3) throw new Error("a Certificate has three parts");
  const [tbsElement, algElement, sigElement] = parts as [DerElement, DerElement, DerElement];
  if (sigElement.tag !== 0x03 || sigElement.end - sigElement.contentStart < 1 || der[sigElement.contentStart] !== 0) {
    throw new Error("signatureValue is not an octet-aligned BIT STRING");
  }
  const fields = readChildren(der, tbsElement);
  const first = fields[0]?.tag === 0xa0 ? 1 : 0; // [0] EXPLICIT version
  const [, innerAlg, issuer, , subject, spki] = fields.slice(first);
  if (!innerAlg || !issuer || !subject || !spki) throw new Error("TBSCertificate is incomplete");
  // RFC 5280 §4.1.2.3: the signature field MUST equal signatureAlgorithm.
  if (!bytesEqual(slice(der, innerAlg), slice(der, algElement))) {
    throw new Error("TBSCertificate.signature differs from signatureAlgorithm");
  }

  const cert = parseDer(der, Certificate);
  const tbs = cert.tbsCertificate;
  const parsed: ParsedCertificate = {
    der,
    certificate: cert,
    tbs: slice(der, tbsElement),
    signatureAlgorithm: cert.signatureAlgorithm,
    signature: der.slice(sigElement.contentStart + 1, sigElement.end),
    issuer: slice(der, issuer),
    subject: slice(der, subject),
    spki: slice(der, spki),
    notBefore: tbs.validity.notBefore.getTime(),
    notAfter: tbs.validity.notAfter.getTime(),
    label: describeName(tbs.subject),
    issuerLabel: describeName(tbs.issuer),
    hasNameConstraints: false,
    unknownCritical: [],
  };
  const seen = new Set<string>();
  for (const extension of tbs.extensions ?? []) {
    const id = extension.extnID;
    if (seen.has(id)) throw new Error(`extension ${id} appears twice (RFC 5280 §4.2)`);
    seen.add(id);
    const value = extension.extnValue.buffer;
    if (id === id_ce_basicConstraints) {
      const bc = parseDer(value, BasicConstraints);
      parsed.basicConstraints = { cA: bc.cA, pathLenConstraint: bc.pathLenConstraint };
    } else if (id === id_ce_keyUsage) {
      parsed.keyUsage = new Uint8Array(parseDer(value, KeyUsage).value);
    } else if (id === id_ce_subjectKeyIdentifier) {
      parsed.subjectKeyId = new Uint8Array(parseDer(value, SubjectKeyIdentifier).buffer);
    } else if (id === id_ce_authorityKeyIdentifier) {
      const keyId = parseDer(value, AuthorityKeyIdentifier).keyIdentifier;
      if (keyId) parsed.authorityKeyId = new Uint8Array(keyId.buffer);
    } else if (id === id_ce_nameConstraints) {
      parsed.hasNameConstraints = true;
    } else if (!RECOGNISED.has(id) && extension.critical) {
      parsed.unknownCritical.push(id);
    }
  }
  // A refused signature algorithm is not an error here: it is reported
  // (badAlg) when the signature is checked, so another path can still win.
  return parsed;
}

function slice(der: Uint8Array, element: DerElement): Uint8Array {
  return der.subarray(element.start, element.end);
}



/**
 * An RFC 4514-like label for error messages ("CN=x,O=y", last RDN first).
 * It goes to the client in statusString, so it is cut short and stripped
 * of control characters; src/ca has the full formatter, but crypto sits
 * below ca and must not import it (the attribute table is in src/asn1).
 */
export function describeName(name: Name): string {
  const rdns = [...name].reverse().map((rdn) =>
    [...rdn].map((ava) => `${attributeShortName(ava.type) ?? ava.type}=${ava.value.toString()}`).join("+"));
  const text = rdns.join(",").replace(/[\x00-\x1f\x7f]/g, "?");
  if (text === "") return "(empty subject)";
  return `"${text.length > 120 ? `${text.slice(0, 117)}...` : text}"`;
}
