import { Certificate } from "@peculiar/asn1-x509";
import { decodeCertificatesPem } from "../asn1/pem.js";
import { constantTimeEqual } from "../crypto/constant_time.js";
import { formatDistinguishedName } from "./distinguished_name.js";
import { LocalSigner } from "../kms/local.js";
import type { Signer } from "../kms/signer.js";
import { serializeDer } from "../asn1/serialize_der.js";
import { parseOperatorDer } from "../asn1/parse_operator_der.js";

/** A signing key with its certificate and chain: a CA, or a dedicated CMP signer. */
export interface KeyAndCertificates {
  signer: Signer;
  /** DER, the key's certificate first, then its chain. */
  certificates: Uint8Array[];
}

/**
 * Load a PKCS #8 PEM key and its PEM certificate chain, and check that the
 * first certificate is for that key: a mismatch would make certificates (or
 * signatures) nobody can chain or verify. Errors name the binding (`what`).
 */
export async function loadLocalKeyAndCertificates(keyPem: string, certificatesPem: string, what: { key: string; certificates: string }): Promise<KeyAndCertificates> {
  let signer: Signer;
  try {
    signer = await LocalSigner.fromPkcs8(keyPem);
  } catch (error) {
    throw new Error(`${what.key}: ${(error as Error).message}`, { cause: error });
  }
  const { certificates, certifiedKey } = readCertificateChain(certificatesPem, what.certificates);
  if (!constantTimeEqual(certifiedKey, signer.publicKey)) {
    throw new Error(`the first certificate in ${what.certificates} is not for ${what.key}`);
  }
  return { signer, certificates };
}

/** A PEM chain, decoded, with what its first certificate certifies: the key (DER SPKI) and the subject (RFC 4514). */
export interface CertificateChain {
  certificates: Uint8Array[];
  certifiedKey: Uint8Array;
  subject: string;
}

/** Decode a PEM certificate chain; errors name the setting (`label`) it came from. */
export function readCertificateChain(certificatesPem: string, label: string): CertificateChain {
  try {
    const certificates = decodeCertificatesPem(certificatesPem);
    if (certificates.length === 0) throw new Error("holds no certificate");
    const tbs = parseOperatorDer(certificates[0]!, Certificate, "its first certificate").tbsCertificate;
    return {
      certificates,
      certifiedKey: serializeDer(tbs.subjectPublicKeyInfo),
      subject: formatDistinguishedName(tbs.subject),
    };
  } catch (error) {
    throw new Error(`${label}: ${(error as Error).message}`, { cause: error });
  }
}
