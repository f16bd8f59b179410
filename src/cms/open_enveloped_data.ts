import { AlgorithmIdentifier, SubjectPublicKeyInfo } from "@peculiar/asn1-x509";
import { OctetString } from "@peculiar/asn1-schema";
import { RsaEsOaepParams } from "../asn1/rsa.js";
import type { KeyAgreeRecipientInfo, KeyTransRecipientInfo } from "@peculiar/asn1-cms";
import { id_alg_PWRI_KEK, id_mgf1, id_RSAES_OAEP } from "../asn1/cms_oids.js";
import type { EnvelopedData, PasswordRecipientInfo } from "../asn1/enveloped_data.js";
import { parseDer } from "../asn1/parse_der.js";
import { id_PBKDF2, PBKDF2Params } from "../asn1/pbmac1.js";
import { decryptCbc, importAesCbcKey } from "../crypto/aes_cbc.js";
import { hashByOid, hmacFromAlgorithmIdentifier } from "../crypto/algorithms.js";
import { namedCurveOfParameters } from "../crypto/named_curves.js";
import { pwriUnwrap } from "../crypto/pwri_kek.js";
import type { CryptoKey } from "../crypto/webcrypto_types.js";
import { AES_CBC_KEY_BYTES, AES_WRAP_KEY_BYTES } from "./aes_algorithms.js";
import { agreedKek, ECDH_SCHEMES, schemeHash } from "./key_agreement.js";

/** What the recipient holds: the shared secret, or the private key (PKCS #8) of its certificate, with that certificate's public key. */
export type RecipientKey = { kind: "password"; secret: Uint8Array } | { kind: "privateKey"; privateKey: Uint8Array; spki: Uint8Array };

/** The envelope cannot be opened with this key, or is not one this code opens: the message says which. */
export class EnvelopeError extends Error {}

/** Most PBKDF2 iterations a PasswordRecipientInfo may ask for (WebCrypto in workerd stops at 100 000). */
const MAX_PBKDF2_ITERATIONS = 100_000;

/**
 * Open an EnvelopedData (RFC 5652 §6) with one RecipientInfo, the kinds
 * central key generation uses (RFC 9483 §4.1.6): pwri with PBKDF2 and
 * RFC 3211's PWRI-KEK, kari with ephemeral-static ECDH (RFC 5753), ktri with
 * RSAES-OAEP; the content AES-CBC. Returns the decrypted content. A wrong
 * key, an altered envelope or an unknown algorithm is an EnvelopeError.
 */
export async function openEnvelopedData(envelopedData: EnvelopedData, key: RecipientKey): Promise<Uint8Array> {
  if (envelopedData.recipientInfos.length !== 1) throw new EnvelopeError(`the envelope has ${envelopedData.recipientInfos.length} RecipientInfos, not one (RFC 9810 §5.2.2)`);
  const recipientInfo = envelopedData.recipientInfos[0]!;
  const { contentEncryptionAlgorithm, encryptedContent } = envelopedData.encryptedContentInfo;
  const cekBytes = AES_CBC_KEY_BYTES[contentEncryptionAlgorithm.algorithm];
  if (!cekBytes) throw new EnvelopeError(`content encryption ${contentEncryptionAlgorithm.algorithm} is not AES-CBC`);
  const iv = octets(contentEncryptionAlgorithm.parameters, "the content encryption IV");
  const ciphertext = encryptedContent?.value;
  if (!ciphertext) throw new EnvelopeError("the envelope carries no encrypted content");

  let cek: CryptoKey;
  try {
    if (recipientInfo.pwri) {
      if (key.kind !== "password") throw new EnvelopeError("the key is encrypted for a password, and none was given");
      cek = await openPassword(recipientInfo.pwri, key.secret);
    } else if (recipientInfo.kari) {
      if (key.kind !== "privateKey") throw new EnvelopeError("the key is encrypted for a certificate's key, and none was given");
      cek = await openKeyAgreement(recipientInfo.kari, key);
    } else if (recipientInfo.ktri) {
      if (key.kind !== "privateKey") throw new EnvelopeError("the key is encrypted for a certificate's key, and none was given");
      cek = await importAesCbcKey(await openKeyTransport(recipientInfo.ktri, key.privateKey));
    } else {
      throw new EnvelopeError("the RecipientInfo is neither pwri, kari nor ktri");
    }
    return await decryptCbc(cek, iv, new Uint8Array(ciphertext.buffer));
  } catch (error) {
    if (error instanceof EnvelopeError) throw error;
    throw new EnvelopeError(`the envelope does not open: wrong key, or it was altered (${(error as Error).message})`, { cause: error });
  }
}

/**
 * PBKDF2 (RFC 9481 §4.4.1), then the key encryption: AES key wrap (RFC 9481
 * §4.3.1, RFC 9483 §4.1.6.3) or RFC 3211's PWRI-KEK (what OpenSSL writes).
 */
async function openPassword(pwri: PasswordRecipientInfo, secret: Uint8Array): Promise<CryptoKey> {
  const derivation = pwri.keyDerivationAlgorithm;
  if (derivation?.algorithm !== id_PBKDF2 || !derivation.parameters) throw new EnvelopeError("the password's key derivation is not PBKDF2 (RFC 9481 §4.4.1)");
  const params = parseDer(derivation.parameters, PBKDF2Params);
  const salt = params.salt.specified;
  if (!salt) throw new EnvelopeError("the PBKDF2 salt is not specified");
  if (params.iterationCount < 1n || params.iterationCount > BigInt(MAX_PBKDF2_ITERATIONS)) {
    throw new EnvelopeError(`PBKDF2 with ${params.iterationCount} iterations is refused (1 to ${MAX_PBKDF2_ITERATIONS})`);
  }
  const encryption = pwri.keyEncryptionAlgorithm;
  const wrapBytes = AES_WRAP_KEY_BYTES[encryption.algorithm];
  const cipher = encryption.algorithm === id_alg_PWRI_KEK && encryption.parameters ? parseDer(encryption.parameters, AlgorithmIdentifier) : undefined;
  const kekBytes = wrapBytes ?? (cipher && AES_CBC_KEY_BYTES[cipher.algorithm]);
  if (!kekBytes) throw new EnvelopeError(`the password's key encryption ${encryption.algorithm} is neither AES key wrap nor id-alg-PWRI-KEK with AES-CBC`);
  const length = params.keyLength !== undefined ? Number(params.keyLength) : kekBytes;
  if (length !== kekBytes) throw new EnvelopeError("the PBKDF2 key length is not the key size of the key encryption");
  const hash = hmacFromAlgorithmIdentifier(params.prf).hash;
  const password = await crypto.subtle.importKey("raw", secret, "PBKDF2", false, ["deriveBits"]);
  const kek = new Uint8Array(
    await crypto.subtle.deriveBits({ name: "PBKDF2", hash: hash.name, salt: new Uint8Array(salt), iterations: Number(params.iterationCount) }, password, kekBytes * 8),
  );
  const encryptedKey = new Uint8Array(pwri.encryptedKey.buffer);
  if (wrapBytes) {
    const unwrapping = await crypto.subtle.importKey("raw", kek, "AES-KW", false, ["unwrapKey"]);
    return crypto.subtle.unwrapKey("raw", encryptedKey, unwrapping, "AES-KW", "AES-CBC", false, ["decrypt"]);
  }
  return importAesCbcKey(await pwriUnwrap(await importAesCbcKey(kek), octets(cipher!.parameters, "the PWRI-KEK IV"), encryptedKey));
}

async function openKeyAgreement(kari: KeyAgreeRecipientInfo, key: Extract<RecipientKey, { kind: "privateKey" }>): Promise<CryptoKey> {
  const originator = kari.originator.originatorKey;
  if (!originator) throw new EnvelopeError("the KeyAgreeRecipientInfo has no originatorKey (RFC 5753 §3.1.1: ephemeral-static)");
  const hash = schemeHash(kari.keyEncryptionAlgorithm.algorithm);
  if (!hash || !kari.keyEncryptionAlgorithm.parameters) throw new EnvelopeError(`key agreement ${kari.keyEncryptionAlgorithm.algorithm} is not a dhSinglePass-stdDH scheme run here`);
  const wrap = parseDer(kari.keyEncryptionAlgorithm.parameters, AlgorithmIdentifier);
  const kekBytes = AES_WRAP_KEY_BYTES[wrap.algorithm];
  if (!kekBytes) throw new EnvelopeError(`key wrap ${wrap.algorithm} is not AES key wrap`);
  const curve = namedCurveOfParameters(parseDer(key.spki, SubjectPublicKeyInfo).algorithm.parameters);
  if (!curve) throw new EnvelopeError("the certificate's key is not EC on P-256, P-384 or P-521");
  const [encrypted] = kari.recipientEncryptedKeys;
  if (!encrypted || kari.recipientEncryptedKeys.length !== 1) throw new EnvelopeError("the KeyAgreeRecipientInfo must hold one RecipientEncryptedKey");
  const ecdh = { name: "ECDH", namedCurve: curve.name };
  const privateKey = await crypto.subtle.importKey("pkcs8", key.privateKey, ecdh, false, ["deriveBits"]);
  const publicKey = await crypto.subtle.importKey("raw", new Uint8Array(originator.publicKey), ecdh, false, []);
  const sharedSecret = new Uint8Array(await crypto.subtle.deriveBits({ name: "ECDH", public: publicKey }, privateKey, ECDH_SCHEMES[curve.name].bits));
  const kek = await agreedKek(hash, sharedSecret, wrap, kekBytes, kari.ukm?.buffer);
  return crypto.subtle.unwrapKey("raw", new Uint8Array(encrypted.encryptedKey.buffer), kek, "AES-KW", "AES-CBC", false, ["decrypt"]);
}

async function openKeyTransport(ktri: KeyTransRecipientInfo, privateKeyInfo: Uint8Array): Promise<Uint8Array> {
  if (ktri.keyEncryptionAlgorithm.algorithm !== id_RSAES_OAEP) {
    throw new EnvelopeError(`key transport ${ktri.keyEncryptionAlgorithm.algorithm} is not RSAES-OAEP (WebCrypto has no PKCS #1 v1.5 encryption)`);
  }
  const params = ktri.keyEncryptionAlgorithm.parameters ? parseDer(ktri.keyEncryptionAlgorithm.parameters, RsaEsOaepParams) : new RsaEsOaepParams();
  const hash = hashByOid(params.hashAlgorithm.algorithm);
  const mgfHash = params.maskGenAlgorithm.algorithm === id_mgf1 && params.maskGenAlgorithm.parameters
    ? parseDer(params.maskGenAlgorithm.parameters, AlgorithmIdentifier).algorithm
    : undefined;
  if (mgfHash !== hash.oid) throw new EnvelopeError("RSAES-OAEP with an MGF1 hash other than the OAEP hash is not supported by WebCrypto");
  const privateKey = await crypto.subtle.importKey("pkcs8", privateKeyInfo, { name: "RSA-OAEP", hash: hash.name }, false, ["decrypt"]);
  return new Uint8Array(await crypto.subtle.decrypt({ name: "RSA-OAEP" }, privateKey, new Uint8Array(ktri.encryptedKey.buffer)));
}

function octets(parameters: ArrayBuffer | null | undefined, what: string): Uint8Array {
  if (!parameters) throw new EnvelopeError(`${what} is missing`);
  try {
    return new Uint8Array(parseDer(parameters, OctetString).buffer);
  } catch {
    throw new EnvelopeError(`${what} is not an OCTET STRING`);
  }
}

