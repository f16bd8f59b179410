import { AlgorithmIdentifier } from "@peculiar/asn1-x509";
import { hashByName, OID, type HashAlgorithm } from "../crypto/algorithms.js";
import type { NamedCurve } from "../crypto/named_curves.js";
import { dhSinglePass_stdDH_sha256kdf_scheme, dhSinglePass_stdDH_sha384kdf_scheme, dhSinglePass_stdDH_sha512kdf_scheme, id_aes256_wrap } from "../asn1/cms_oids.js";
import { EccCmsSharedInfo } from "../asn1/ecc_cms_shared_info.js";
import { serializeDer } from "../asn1/serialize_der.js";
import { x963Kdf } from "../crypto/x963_kdf.js";
import type { CryptoKey } from "../crypto/webcrypto_types.js";

/**
 * The ECDH schemes of RFC 9481 §4.1.2 (RFC 5753 §7.1.4), ephemeral-static,
 * with a KDF hash that matches the curve's strength (RFC 5753 §8), the KEK
 * always AES-256 key wrap (RFC 9481 §4.3.1: the same cipher and key size as
 * the AES-256-CBC content encryption).
 */
export const ECDH_SCHEMES: Readonly<Record<NamedCurve["name"], { scheme: string; hash: string; bits: number }>> = {
  "P-256": { scheme: dhSinglePass_stdDH_sha256kdf_scheme, hash: "SHA-256", bits: 256 },
  "P-384": { scheme: dhSinglePass_stdDH_sha384kdf_scheme, hash: "SHA-384", bits: 384 },
  "P-521": { scheme: dhSinglePass_stdDH_sha512kdf_scheme, hash: "SHA-512", bits: 528 },
};

export const KEY_WRAP = { oid: id_aes256_wrap, bytes: 32 } as const;

/** The KDF hash of an ECDH scheme OID, or undefined for one we do not run. */
export function schemeHash(scheme: string): HashAlgorithm | undefined {
  const entry = Object.values(ECDH_SCHEMES).find((candidate) => candidate.scheme === scheme);
  return entry ? hashByName(entry.hash) : undefined;
}

/**
 * The key-encryption key of KeyAgreeRecipientInfo (RFC 5753 §7.2): the X9.63
 * KDF over the shared secret Z with ECC-CMS-SharedInfo naming the key wrap
 * algorithm (as the KARI's parameters carry it), the ukm if any, and the KEK
 * length in bits. Both sides run this with their own halves of the pair.
 */
export async function agreedKek(
  hash: HashAlgorithm,
  sharedSecret: Uint8Array,
  wrapAlgorithm: AlgorithmIdentifier,
  kekBytes: number = KEY_WRAP.bytes,
  ukm?: ArrayBuffer,
): Promise<CryptoKey> {
  const suppPubInfo = new Uint8Array(4);
  new DataView(suppPubInfo.buffer).setUint32(0, kekBytes * 8);
  const sharedInfo = serializeDer(new EccCmsSharedInfo({ keyInfo: wrapAlgorithm, entityUInfo: ukm, suppPubInfo: suppPubInfo.buffer }));
  const kek = await x963Kdf(hash, sharedSecret, sharedInfo, kekBytes);
  return crypto.subtle.importKey("raw", kek, "AES-KW", false, ["wrapKey", "unwrapKey"]);
}

/** id-ecPublicKey without parameters: the originator key's algorithm (RFC 5753 §3.1.1, the curve is the recipient's). */
export const ORIGINATOR_KEY_ALGORITHM = new AlgorithmIdentifier({ algorithm: OID.ecPublicKey });
