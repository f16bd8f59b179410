import { AlgorithmIdentifier } from "@peculiar/asn1-x509";
import { OctetString } from "@peculiar/asn1-schema";
import { CMSVersion, KeyDerivationAlgorithmIdentifier, KeyEncryptionAlgorithmIdentifier } from "@peculiar/asn1-cms";
import { PasswordRecipientInfo, RecipientInfo } from "../asn1/enveloped_data.js";
import { id_aes256_CBC, id_aes256_wrap, id_alg_PWRI_KEK } from "../asn1/cms_oids.js";
import type { CryptoKey } from "../crypto/webcrypto_types.js";
import { PBKDF2Params, PBKDF2Salt, id_PBKDF2 } from "../asn1/pbmac1.js";
import { serializeDerBuffer } from "../asn1/serialize_der.js";
import { OID } from "../crypto/algorithms.js";
import { importAesCbcKey } from "../crypto/aes_cbc.js";
import { pwriWrap } from "../crypto/pwri_kek.js";

/**
 * PBKDF2 iterations for the KEK. The MAC secret is the same shared secret
 * the request's PBM or PBMAC1 already stretches (RFC 9481 §6.1, at most
 * limits.macMaxIterations), and this derivation runs once per issued key:
 * 10 000 rounds of HMAC-SHA256 cost a few milliseconds in a Worker, well
 * within the Workers PBKDF2 limit of 100 000.
 */
export const PWRI_ITERATIONS = 10_000;
const KEK_BYTES = 32;

/**
 * PasswordRecipientInfo (RFC 5652 §6.2.4, RFC 3211 §2.2; RFC 9483 §4.1.6.3):
 * version 0; keyDerivationAlgorithm PBKDF2 (RFC 9481 §4.4.1) with a fresh
 * salt of its own (RFC 9481 §4.4: not the MAC's), HMAC-SHA256 and a 32-octet
 * key; keyEncryptionAlgorithm AES-256 key wrap (RFC 9481 §4.3.1, "aesKeyWrap")
 * or id-alg-PWRI-KEK around AES-256-CBC (RFC 3211 §2.3, "pwriKek", the one
 * OpenSSL's CMS implements for passwords); either with the cipher and key
 * size of the content encryption, as RFC 9481 §4.3 asks.
 */
export async function passwordRecipientInfo(
  secret: Uint8Array,
  cek: CryptoKey,
  cekBytes: Uint8Array,
  keyWrap: "aesKeyWrap" | "pwriKek",
  randomBytes: (n: number) => Uint8Array,
): Promise<RecipientInfo> {
  const salt = randomBytes(16);
  const password = await crypto.subtle.importKey("raw", secret, "PBKDF2", false, ["deriveBits"]);
  const kekBytes = new Uint8Array(
    await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations: PWRI_ITERATIONS }, password, KEK_BYTES * 8),
  );
  let keyEncryptionAlgorithm: KeyEncryptionAlgorithmIdentifier;
  let encryptedKey: Uint8Array;
  if (keyWrap === "aesKeyWrap") {
    // RFC 9481 §4.3.1: id-aes256-wrap, parameters absent (RFC 3565 §2.3.2); RFC 3394 through WebCrypto.
    const kek = await crypto.subtle.importKey("raw", kekBytes, "AES-KW", false, ["wrapKey"]);
    encryptedKey = new Uint8Array(await crypto.subtle.wrapKey("raw", cek, kek, "AES-KW"));
    keyEncryptionAlgorithm = new KeyEncryptionAlgorithmIdentifier({ algorithm: id_aes256_wrap });
  } else {
    const iv = randomBytes(16);
    encryptedKey = await pwriWrap(await importAesCbcKey(kekBytes), iv, cekBytes, randomBytes);
    const kekCipher = new AlgorithmIdentifier({ algorithm: id_aes256_CBC, parameters: serializeDerBuffer(new OctetString(iv)) });
    keyEncryptionAlgorithm = new KeyEncryptionAlgorithmIdentifier({ algorithm: id_alg_PWRI_KEK, parameters: serializeDerBuffer(kekCipher) });
  }
  const params = new PBKDF2Params({
    salt: new PBKDF2Salt({ specified: salt.slice().buffer }),
    iterationCount: BigInt(PWRI_ITERATIONS),
    keyLength: BigInt(KEK_BYTES),
    prf: new AlgorithmIdentifier({ algorithm: OID.hmacWithSHA256, parameters: null }),
  });
  return new RecipientInfo({
    pwri: new PasswordRecipientInfo({
      version: CMSVersion.v0,
      keyDerivationAlgorithm: new KeyDerivationAlgorithmIdentifier({ algorithm: id_PBKDF2, parameters: serializeDerBuffer(params) }),
      keyEncryptionAlgorithm,
      encryptedKey: new OctetString(encryptedKey),
    }),
  });
}
