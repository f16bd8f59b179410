import { allowOnly, asObject, ConfigError, signerReference, stringArray, type ConfigSource } from "./json_fields.js";
import type { CentralKeyGeneration, CertificateProfile, KeyType } from "./profile.js";

const KEY_TYPES: readonly KeyType[] = ["RSA", "P-256", "P-384", "P-521", "Ed25519"];
const RSA_SIZES = [2048, 3072, 4096];

/**
 * profiles.<name>.centralKeyGeneration (RFC 9483 §4.1.6): which key types
 * the server may generate for a requester, the one it picks when the
 * template names none, and the RSA modulus size. Off unless configured:
 * the server then holds a private key that is not its own, if only for
 * one request, and a profile should opt into that (docs/central-key-generation.md).
 * Every type must be one the profile certifies at all (certificate.keyTypes).
 * `signer`: the key generation authority that signs the key packages (a
 * key and a certificate with id-kp-cmKGA, then its chain), as responseSigner
 * is given; absent, the CA signs them.
 */
export function loadCentralKeyGeneration(value: unknown, at: string, certificate: CertificateProfile, source: ConfigSource): CentralKeyGeneration {
  if (value === undefined) return { keyTypes: new Set(), rsaBits: 2048 };
  const object = asObject(value, at);
  allowOnly(object, ["keyTypes", "defaultKeyType", "rsaBits", "signer"], at);
  const keyTypes = stringArray(object.keyTypes ?? [], `${at}.keyTypes`);
  if (keyTypes.length === 0) throw new ConfigError(`${at}.keyTypes`, "must name at least one key type (leave centralKeyGeneration out to refuse central key generation)");
  for (const type of keyTypes) {
    if (!KEY_TYPES.includes(type as KeyType)) throw new ConfigError(`${at}.keyTypes`, `"${type}" is not one of ${KEY_TYPES.join(", ")}`);
    if (!certificate.keyTypes.has(type as KeyType)) {
      throw new ConfigError(`${at}.keyTypes`, `"${type}" is not in this profile's certificate.keyTypes, so its certificate could not be issued`);
    }
  }
  const defaultKeyType = object.defaultKeyType ?? keyTypes[0];
  if (typeof defaultKeyType !== "string" || !keyTypes.includes(defaultKeyType)) {
    throw new ConfigError(`${at}.defaultKeyType`, `must be one of keyTypes (${keyTypes.join(", ")})`);
  }
  const rsaBits = object.rsaBits ?? Math.max(2048, certificate.rsaMinBits);
  if (typeof rsaBits !== "number" || !RSA_SIZES.includes(rsaBits)) throw new ConfigError(`${at}.rsaBits`, `must be one of ${RSA_SIZES.join(", ")}`);
  if (rsaBits < certificate.rsaMinBits) throw new ConfigError(`${at}.rsaBits`, `must be at least certificate.rsaMinBits (${certificate.rsaMinBits})`);
  const signer = signerReference(object.signer, `${at}.signer`, source);
  return { keyTypes: new Set(keyTypes as KeyType[]), defaultKeyType: defaultKeyType as KeyType, rsaBits, signer };
}
