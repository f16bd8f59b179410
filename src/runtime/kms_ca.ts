import { loadKmsKeyAndCertificates } from "../ca/kms_key_pair.js";
import type { KeyAndCertificates } from "../ca/local_key_pair.js";
import type { AwsKmsOptions } from "../kms/aws_kms.js";
import { isKmsSigningAlgorithm, KMS_SIGNING_ALGORITHMS } from "../kms/aws_kms_algorithms.js";
import { Misconfigured, requiredSetting, textSetting, type Settings } from "./settings.js";

/**
 * The CA key in AWS KMS, from the settings both runtimes share
 * (docs/aws-kms.md): CA_KMS_KEY_ID, AWS_REGION, CA_CERT, and optionally
 * KMS_ENDPOINT, CA_KMS_SIGNING_ALGORITHM and KMS_TIMEOUT_MS. Credentials
 * are the runtime's business: secrets on Workers, the execution role on
 * Lambda. The AWS SDK itself is imported only when a signer connects
 * (src/kms/aws_kms.ts), so importing this module costs no SDK evaluation.
 */
export async function kmsCaSigner(settings: Settings, credentials: AwsKmsOptions["credentials"]): Promise<KeyAndCertificates> {
  const keyId = requiredSetting(settings, "CA_KMS_KEY_ID");
  const algorithm = textSetting(settings, "CA_KMS_SIGNING_ALGORITHM");
  if (algorithm !== undefined && !isKmsSigningAlgorithm(algorithm)) {
    throw new Misconfigured(`CA_KMS_SIGNING_ALGORITHM must be one of ${KMS_SIGNING_ALGORITHMS.join(", ")}`);
  }
  const timeout = textSetting(settings, "KMS_TIMEOUT_MS");
  if (timeout !== undefined && !/^[1-9][0-9]{0,5}$/.test(timeout)) throw new Misconfigured("KMS_TIMEOUT_MS must be a whole number of milliseconds");
  return loadKmsKeyAndCertificates(
    {
      keyId,
      region: requiredSetting(settings, "AWS_REGION"),
      credentials,
      endpoint: textSetting(settings, "KMS_ENDPOINT"),
      requestTimeoutMs: timeout === undefined ? undefined : Number(timeout),
      signingAlgorithm: algorithm,
    },
    requiredSetting(settings, "CA_CERT"),
  );
}
