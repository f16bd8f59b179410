import type { Signer } from "../kms/signer.js";
import { encodeOctetAlignedBitString, encodeSequence } from "../asn1/der.js";

/**
 * Sign a DER TBSCertificate and wrap it:
 *
 *   Certificate ::= SEQUENCE {                          -- RFC 5280 §4.1
 *     tbsCertificate       TBSCertificate,
 *     signatureAlgorithm   AlgorithmIdentifier,
 *     signatureValue       BIT STRING }
 *
 * `signatureAlgorithm` is the DER of the signer's AlgorithmIdentifier, the
 * same octets the TBSCertificate carries in its signature field
 * (RFC 5280 §4.1.1.2). A SignerError from the signer passes through.
 */
export async function signCertificate(
  signer: Signer,
  signatureAlgorithm: Uint8Array,
  tbsCertificate: Uint8Array,
): Promise<Uint8Array> {
  const signature = await signer.sign(tbsCertificate);
  return encodeSequence([tbsCertificate, signatureAlgorithm, encodeOctetAlignedBitString(signature)]);
}
