import { constantTimeEqual } from "../crypto/constant_time.js";
import { AwsKmsSigner, type AwsKmsOptions } from "../kms/aws_kms.js";
import { readCertificateChain, type KeyAndCertificates } from "./local_key_pair.js";

/**
 * The CA key in AWS KMS with its PEM certificate chain. The first
 * certificate must be for the KMS key: otherwise every certificate signed
 * would chain to nothing (RFC 5280 §6.1.3: the issuer's public key verifies
 * the signature), so the mismatch is found at start, not by the relying
 * parties. Connection failures pass through as SignerError (transient ones
 * are retried by the next request); a key that cannot be used fails with a
 * message naming it.
 */
export async function loadKmsKeyAndCertificates(
  options: AwsKmsOptions,
  certificatesPem: string,
  what: { certificates: string } = { certificates: "CA_CERT" },
): Promise<KeyAndCertificates> {
  // The chain first: a PEM typo is found without a call to KMS.
  const chain = readCertificateChain(certificatesPem, what.certificates);
  const signer = await AwsKmsSigner.connect(options);
  if (!constantTimeEqual(chain.certifiedKey, signer.publicKey)) {
    throw new Error(`KMS key ${options.keyId} does not match the CA certificate "${chain.subject}" (different public key)`);
  }
  return { signer, certificates: chain.certificates };
}
