import { AlgorithmIdentifier } from "@peculiar/asn1-x509";
import { OctetString } from "@peculiar/asn1-schema";
import { CMSVersion, KeyDerivationAlgorithmIdentifier, KeyEncryptionAlgorithmIdentifier } from "@peculiar/asn1-cms";
import { PasswordRecipientInfo, RecipientInfo } from "../asn1/enveloped_data.js";
import { id_aes256_CBC, id_alg_PWRI_KEK } from "../asn1/cms_oids.js";
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
 * key; keyEncryptionAlgorithm id-alg-PWRI-KEK around AES-256-CBC (RFC 3211
 * §2.3, the key wrap OpenSSL's CMS implements for passwords, with the cipher
 * and key size of the content encryption as RFC 9481 §4.3 asks).
 */
export async function passwordRecipientInfo(secret: Uint8Array, cek: Uint8Array, randomBytes: (n: number) => Uint8Array): Promise<RecipientInfo> {
  const salt = randomBytes(16);
  const password = await crypto.subtle.importKey("raw", secret, "PBKDF2", false, ["deriveBits"]);
  const kekBytes = new Uint8Array(
    await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations: PWRI_ITERATIONS }, password, KEK_BYTES * 8),
  );
  const kek = await importAesCbcKey(kekBytes);
  const iv = randomBytes(16);
  const encryptedKey = await pwriWrap(kek, iv, cek, randomBytes);
  const params = new PBKDF2Params({
    salt: new PBKDF2Salt({ specified: salt.slice().buffer }),
    iterationCount: BigInt(PWRI_ITERATIONS),
    keyLength: BigInt(KEK_BYTES),
    prf: new AlgorithmIdentifier({ algorithm: OID.hmacWithSHA256, parameters: null }),
  });
  const kekCipher = new AlgorithmIdentifier({ algorithm: id_aes256_CBC, parameters: serializeDerBuffer(new OctetString(iv)) });
  return new RecipientInfo({
    pwri: new PasswordRecipientInfo({
      version: CMSVersion.v0,
      keyDerivationAlgorithm: new KeyDerivationAlgorithmIdentifier({ algorithm: id_PBKDF2, parameters: serializeDerBuffer(params) }),
      keyEncryptionAlgorithm: new KeyEncryptionAlgorithmIdentifier({ algorithm: id_alg_PWRI_KEK, parameters: serializeDerBuffer(kekCipher) }),
      encryptedKey: new OctetString(encryptedKey),
    }),
  });
}
