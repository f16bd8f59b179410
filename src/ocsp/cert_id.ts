import type { CertID } from "@peculiar/asn1-ocsp";
import { bytesEqual } from "../asn1/bytes.js";
import { readChildren, readElement } from "../asn1/der.js";
import type { CertificateAuthority } from "../ca/authority.js";
import { serialNumberHex } from "../ca/serial_number.js";
import { hashFromAlgorithmIdentifier, type HashAlgorithm } from "../crypto/algorithms.js";
import { digest } from "../crypto/digest.js";
import { parseCertificate } from "../crypto/parsed_certificate.js";

/**
 *   CertID ::= SEQUENCE {                                  -- RFC 6960 §4.1.1
 *     hashAlgorithm       AlgorithmIdentifier,
 *     issuerNameHash      OCTET STRING, -- Hash of issuer's DN
 *     issuerKeyHash       OCTET STRING, -- Hash of issuer's public key
 *     serialNumber        CertificateSerialNumber }
 *
 * issuerNameHash is the hash of the issuer's distinguished name as the
 * certificate carries it (our CA certificate's subject, DER), and
 * issuerKeyHash the hash of the value of the BIT STRING subjectPublicKey
 * (without tag, length and unused-bits octet) of the CA certificate.
 */
export type CertIdMatch =
  /** Ours: the serial as records are keyed, or undefined for a serial no certificate can have (zero, negative, over 20 octets). */
  | { issuer: "ours"; serial: string | undefined }
  /** Another issuer, or a hash algorithm this responder does not run (then it cannot tell whose the issuer is). */
  | { issuer: "other" };

interface IssuerHashes {
  name: Uint8Array;
  key: Uint8Array;
}

/** Per CA object, its name and key hashes by hash OID: at most four entries (SHA-1, SHA-256, SHA-384, SHA-512). */
const hashesByCa = new WeakMap<CertificateAuthority, Map<string, Promise<IssuerHashes>>>();

/** RFC 5280 §4.1.2.2: serial numbers are at most 20 octets; a longer one is no certificate's. */
const MAX_SERIAL_OCTETS = 20;

export async function matchCertId(ca: CertificateAuthority, certId: CertID): Promise<CertIdMatch> {
  let hash: HashAlgorithm;
  try {
    // SHA-1 (RFC 5019 §2.1.1's), SHA-256, SHA-384, SHA-512; parameters absent or NULL (RFC 5754 §2).
    hash = hashFromAlgorithmIdentifier(certId.hashAlgorithm);
  } catch {
    return { issuer: "other" };
  }
  const ours = await issuerHashes(ca, hash);
  if (!bytesEqual(new Uint8Array(certId.issuerNameHash.buffer), ours.name) || !bytesEqual(new Uint8Array(certId.issuerKeyHash.buffer), ours.key)) {
    return { issuer: "other" };
  }
  const contents = new Uint8Array(certId.serialNumber);
  if (contents.length > MAX_SERIAL_OCTETS + 1) return { issuer: "ours", serial: undefined };
  try {
    return { issuer: "ours", serial: serialNumberHex(contents) };
  } catch {
    return { issuer: "ours", serial: undefined };
  }
}

function issuerHashes(ca: CertificateAuthority, hash: HashAlgorithm): Promise<IssuerHashes> {
  let byHash = hashesByCa.get(ca);
  if (!byHash) hashesByCa.set(ca, (byHash = new Map()));
  let hashes = byHash.get(hash.oid);
  if (!hashes) {
    hashes = computeIssuerHashes(ca, hash);
    byHash.set(hash.oid, hashes);
  }
  return hashes;
}

async function computeIssuerHashes(ca: CertificateAuthority, hash: HashAlgorithm): Promise<IssuerHashes> {
  const certificate = parseCertificate(ca.certificate);
  return { name: await digest(hash, certificate.subject), key: await digest(hash, subjectPublicKeyBits(certificate.spki)) };
}

/** The contents of SubjectPublicKeyInfo's subjectPublicKey BIT STRING after the unused-bits octet (RFC 5280 §4.1). */
export function subjectPublicKeyBits(spki: Uint8Array): Uint8Array {
  const [, bitString] = readChildren(spki, readElement(spki, 0));
  if (!bitString || bitString.tag !== 0x03) throw new Error("SubjectPublicKeyInfo has no subjectPublicKey");
  return spki.slice(bitString.contentStart + 1, bitString.end);
}
