import { bytesEqual } from "../asn1/bytes.js";
import type { EncryptedKey } from "../asn1/encrypted_key.js";
import { id_signedData } from "../asn1/cms_oids.js";
import { EnvelopeError, openEnvelopedData, type RecipientKey } from "../cms/open_enveloped_data.js";
import { KeyPackageError, verifyKeyPackage } from "../cms/verify_key_package.js";
import { privateKeyMatches } from "../crypto/key_pair_match.js";
import { parseCertificate, type ParsedCertificate } from "../crypto/parsed_certificate.js";
import { verifySignature } from "../crypto/signature.js";
import { CmpClientError } from "./errors.js";

/**
 * The private key of a centrally generated key pair (RFC 9483 §4.1.6), as
 * PKCS #8 DER: the EnvelopedData opened with our MAC secret or our
 * certificate's private key, the SignedData inside checked to come from the
 * CA that issued `certificate` (or a KGA it certified), and the key checked
 * to belong to `certificate`. Every failure is a "protocol" CmpClientError
 * that says what was wrong; the caller refuses the certificate.
 */
export async function openCentralKey(
  encryptedKey: EncryptedKey | undefined,
  recipient: RecipientKey,
  certificate: ParsedCertificate,
  candidates: readonly Uint8Array[],
): Promise<Uint8Array> {
  if (!encryptedKey) throw new CmpClientError("protocol", "the server generated no private key: the response has no CertifiedKeyPair.privateKey");
  const envelopedData = encryptedKey.envelopedData;
  if (!envelopedData) throw new CmpClientError("protocol", "the private key comes as EncryptedValue, which RFC 9483 §4.1.6 replaces with EnvelopedData; refused");
  if (envelopedData.encryptedContentInfo.contentType !== id_signedData) {
    throw new CmpClientError("protocol", "the envelope holds no SignedData: the key is not signed by its generator (RFC 9483 §4.1.6)");
  }
  try {
    const signedData = await openEnvelopedData(envelopedData, recipient);
    const issuer = await issuerOf(certificate, candidates);
    const privateKey = await verifyKeyPackage(signedData, issuer);
    if (!(await privateKeyMatches(privateKey, certificate.spki))) {
      throw new KeyPackageError(`the generated private key is not the key of the certificate ${certificate.label}`);
    }
    return privateKey;
  } catch (error) {
    if (error instanceof EnvelopeError || error instanceof KeyPackageError) {
      throw new CmpClientError("protocol", `the generated private key is refused: ${error.message}`, { cause: error });
    }
    throw error;
  }
}

/**
 * The CA certificate that issued `certificate`, among those the response
 * carried (extraCerts, caPubs): its subject is the issuer and its key
 * verifies the certificate. The certificate itself is authenticated by the
 * response's protection, so a CA certificate that verifies it holds the
 * CA's key, wherever it came from.
 */
async function issuerOf(certificate: ParsedCertificate, candidates: readonly Uint8Array[]): Promise<ParsedCertificate> {
  for (const der of candidates) {
    let candidate: ParsedCertificate;
    try {
      candidate = parseCertificate(der);
    } catch {
      continue;
    }
    if (!bytesEqual(candidate.subject, certificate.issuer)) continue;
    if (await verifySignature(candidate.spki, certificate.signatureAlgorithm, certificate.tbs, certificate.signature).catch(() => false)) return candidate;
  }
  throw new KeyPackageError(`the response carries no certificate of the CA that issued ${certificate.label}, to check the key package's signer against`);
}
