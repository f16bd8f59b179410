import { loadLocalKeyAndCertificates, type KeyAndCertificates } from "../ca/local_key_pair.js";
import { requiredSetting, type Settings } from "./settings.js";

/**
 * The CA key held in a secret setting (CA_KEY, PKCS #8 PEM) with its
 * certificate chain (CA_CERT): the development path on every platform and
 * the only one on Workers, which have no KMS binding.
 */
export async function localCaSigner(settings: Settings): Promise<KeyAndCertificates> {
  const key = requiredSetting(settings, "CA_KEY");
  const certificates = requiredSetting(settings, "CA_CERT");
  return loadLocalKeyAndCertificates(key, certificates, { key: "CA_KEY", certificates: "CA_CERT" });
}
