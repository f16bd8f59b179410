import {
  AlgorithmIdentifier,
  BasicConstraints,
  Certificate,
  SubjectKeyIdentifier,
  SubjectPublicKeyInfo,
  id_ce_basicConstraints,
  id_ce_subjectKeyIdentifier,
} from "@peculiar/asn1-x509";
import type { CertificateAuthority } from "./authority.js";
import { readChildren, readElement } from "../asn1/der.js";
import { authorityKeyIdentifierExtension } from "./extensions.js";
import { keyIdentifierOfPublicKey } from "./key_identifier.js";
import { bytesEqual } from "../asn1/bytes.js";
import { serializeDer } from "../asn1/serialize_der.js";
import { decodeDer } from "../asn1/codec/der_decoder.js";
import { parseDer } from "../asn1/parse_der.js";
import { parseOperatorDer } from "../asn1/parse_operator_der.js";

/**
 * Everything about the issuing CA that every issued certificate repeats,
 * worked out once per CA: issuance may run thousands of times a second.
 */
export interface PreparedIssuer {
  /** The CA certificate's subject, byte for byte: the issuer of what it signs (RFC 5280 §4.1.2.4). */
  name: Uint8Array;
  /** The CA's key identifier (its SKI, or computed from its key). */
  keyIdentifier: Uint8Array;
  /** DER Extension: authorityKeyIdentifier pointing at the CA key. */
  authorityKeyIdentifier: Uint8Array;
  /** DER of the signer's AlgorithmIdentifier. */
  signatureAlgorithm: Uint8Array;
  notAfter: Date;
}

const prepared = new WeakMap<CertificateAuthority, Promise<PreparedIssuer>>();

/**
 * The PreparedIssuer for `ca`, computed on first use and cached per
 * CertificateAuthority object (the runtime builds one per process, and
 * treats it as immutable). Throws when the certificate cannot issue with
 * this signer, which is a configuration error, not a client's.
 */
export function prepareIssuer(ca: CertificateAuthority): Promise<PreparedIssuer> {
  let issuer = prepared.get(ca);
  if (!issuer) {
    issuer = computeIssuer(ca);
    prepared.set(ca, issuer);
    // A failure is not cached, so a fixed configuration is picked up.
    issuer.catch(() => prepared.delete(ca));
  }
  return issuer;
}

async function computeIssuer(ca: CertificateAuthority): Promise<PreparedIssuer> {
  const der = ca.certificate;
  let certificate: Certificate;
  try {
    certificate = parseDer(der, Certificate);
  } catch (error) {
    throw new Error(`the CA certificate is not a DER X.509 certificate (${(error as Error).message})`, { cause: error });
  }
  const tbs = certificate.tbsCertificate;

  // The subject's raw octets: re-encoding a parsed Name need not reproduce
  // them, and clients match issuer to subject by comparing Names.
  const root = readElement(der, 0);
  const tbsElement = readChildren(der, root)[0]!;
  const fields = readChildren(der, tbsElement);
  const offset = fields[0]!.tag === 0xa0 ? 1 : 0; // version is optional
  const subject = fields[offset + 4]!;
  const name = der.slice(subject.start, subject.end);

  const ourKey = decodeDer(ca.signer.publicKey, SubjectPublicKeyInfo);
  const certKey = tbs.subjectPublicKeyInfo;
  if (
    ourKey.algorithm.algorithm !== certKey.algorithm.algorithm ||
    !bytesEqual(new Uint8Array(ourKey.subjectPublicKey), new Uint8Array(certKey.subjectPublicKey))
  ) {
    throw new Error("the CA certificate's public key is not the signer's key");
  }

  const extensions = tbs.extensions ?? [];
  const basicConstraints = extensions.find((extension) => extension.extnID === id_ce_basicConstraints);
  // RFC 5280 §4.2.1.9: a certificate whose key signs certificates MUST assert cA.
  if (!basicConstraints || !parseOperatorDer(basicConstraints.extnValue, BasicConstraints, "the CA certificate's basicConstraints").cA) {
    throw new Error("the CA certificate does not have basicConstraints cA TRUE");
  }

  const ski = extensions.find((extension) => extension.extnID === id_ce_subjectKeyIdentifier);
  const keyIdentifier = ski
    ? new Uint8Array(parseOperatorDer(ski.extnValue, SubjectKeyIdentifier, "the CA certificate's subjectKeyIdentifier").buffer)
    : await keyIdentifierOfPublicKey(new Uint8Array(certKey.subjectPublicKey));

  return {
    name,
    keyIdentifier,
    authorityKeyIdentifier: authorityKeyIdentifierExtension(keyIdentifier),
    signatureAlgorithm: encodeAlgorithm(ca.signer.algorithm),
    notAfter: tbs.validity.notAfter.getTime(),
  };
}

export function encodeAlgorithm(algorithm: AlgorithmIdentifier): Uint8Array {
  return serializeDer(algorithm);
}

