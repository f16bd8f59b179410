import { AlgorithmIdentifier, type Certificate } from "@peculiar/asn1-x509";
import { OctetString } from "@peculiar/asn1-schema";
import {
  CMSVersion,
  KeyAgreeRecipientIdentifier,
  KeyAgreeRecipientInfo,
  KeyEncryptionAlgorithmIdentifier,
  OriginatorIdentifierOrKey,
  OriginatorPublicKey,
  RecipientEncryptedKey,
  RecipientEncryptedKeys,
  RecipientKeyIdentifier,
} from "@peculiar/asn1-cms";
import { RecipientInfo } from "../asn1/enveloped_data.js";
import { serializeDerBuffer } from "../asn1/serialize_der.js";
import { hashByName } from "../crypto/algorithms.js";
import type { NamedCurve } from "../crypto/named_curves.js";
import { agreedKek, ECDH_SCHEMES, KEY_WRAP, ORIGINATOR_KEY_ALGORITHM } from "./key_agreement.js";
import { recipientKeyId } from "./recipient_identifier.js";
import type { CryptoKey } from "../crypto/webcrypto_types.js";

/**
 * KeyAgreeRecipientInfo for an EC recipient certificate (RFC 5652 §6.2.2,
 * RFC 5753 §3.1; RFC 9483 §4.1.6.2): version 3, a fresh ephemeral key on
 * the recipient's curve as originatorKey, no ukm, the ECDH scheme with
 * AES-256 key wrap as its parameter, and the content-encryption key wrapped
 * under the KEK for the one recipient, named by rKeyId (its
 * subjectKeyIdentifier) or issuerAndSerialNumber.
 */
export async function keyAgreeRecipientInfo(certificate: Certificate, spki: Uint8Array, curve: NamedCurve["name"], cek: CryptoKey): Promise<RecipientInfo> {
  const { scheme, hash, bits } = ECDH_SCHEMES[curve];
  const recipientKey = await crypto.subtle.importKey("spki", spki, { name: "ECDH", namedCurve: curve }, false, []);
  const ephemeral = (await crypto.subtle.generateKey({ name: "ECDH", namedCurve: curve }, true, ["deriveBits"])) as { publicKey: CryptoKey; privateKey: CryptoKey };
  const sharedSecret = new Uint8Array(await crypto.subtle.deriveBits({ name: "ECDH", public: recipientKey }, ephemeral.privateKey, bits));
  const originatorPoint = await crypto.subtle.exportKey("raw", ephemeral.publicKey);
  const wrapAlgorithm = new AlgorithmIdentifier({ algorithm: KEY_WRAP.oid });
  const kek = await agreedKek(hashByName(hash), sharedSecret, wrapAlgorithm);
  const encryptedKey = new Uint8Array(await crypto.subtle.wrapKey("raw", cek, kek, "AES-KW"));

  const id = recipientKeyId(certificate);
  const rid = id.subjectKeyIdentifier
    ? new KeyAgreeRecipientIdentifier({ rKeyId: new RecipientKeyIdentifier({ subjectKeyIdentifier: id.subjectKeyIdentifier }) })
    : new KeyAgreeRecipientIdentifier({ issuerAndSerialNumber: id.issuerAndSerialNumber });
  return new RecipientInfo({
    kari: new KeyAgreeRecipientInfo({
      version: CMSVersion.v3,
      originator: new OriginatorIdentifierOrKey({
        originatorKey: new OriginatorPublicKey({ algorithm: ORIGINATOR_KEY_ALGORITHM, publicKey: originatorPoint as ArrayBuffer }),
      }),
      keyEncryptionAlgorithm: new KeyEncryptionAlgorithmIdentifier({ algorithm: scheme, parameters: serializeDerBuffer(wrapAlgorithm) }),
      recipientEncryptedKeys: new RecipientEncryptedKeys([new RecipientEncryptedKey({ rid, encryptedKey: new OctetString(encryptedKey) })]),
    }),
  });
}
