import { AlgorithmIdentifier, SubjectPublicKeyInfo } from "@peculiar/asn1-x509";
import { OctetString } from "@peculiar/asn1-schema";
import { CMSVersion, ContentEncryptionAlgorithmIdentifier, EncryptedContent, EncryptedContentInfo } from "@peculiar/asn1-cms";
import { EnvelopedData, RecipientInfos, type RecipientInfo } from "../asn1/enveloped_data.js";
import { id_aes256_CBC } from "../asn1/cms_oids.js";
import { decodeDer } from "../asn1/codec/der_decoder.js";
import { serializeDer, serializeDerBuffer } from "../asn1/serialize_der.js";
import { encryptCbc } from "../crypto/aes_cbc.js";
import { OID } from "../crypto/algorithms.js";
import { namedCurveOfParameters } from "../crypto/named_curves.js";
import { keyAgreeRecipientInfo } from "./key_agree_recipient.js";
import { keyTransRecipientInfo } from "./key_trans_recipient.js";
import { passwordRecipientInfo } from "./password_recipient.js";
import type { KeyRecipient } from "./recipient.js";

/** The recipient's certificate holds a key that can neither agree nor transport a key here. */
export class UnsupportedRecipientError extends Error {}

/** How a certificate recipient's key receives the content-encryption key: ECDH on a named curve, or RSA key transport. */
export function recipientTechnique(spki: Uint8Array): "keyAgreement" | "keyTransport" | undefined {
  let algorithm: AlgorithmIdentifier;
  try {
    algorithm = decodeDer(spki, SubjectPublicKeyInfo).algorithm;
  } catch {
    return undefined;
  }
  if (algorithm.algorithm === OID.ecPublicKey && namedCurveOfParameters(algorithm.parameters)) return "keyAgreement";
  if (algorithm.algorithm === OID.rsaEncryption) return "keyTransport";
  return undefined;
}

/**
 * EnvelopedData (RFC 5652 §6.1) for one recipient: `content` (of type
 * `contentType`) encrypted with a fresh AES-256-CBC key and IV (RFC 9481
 * §5.1; RFC 3565 §2.3: the IV as the parameter), that key given to the
 * recipient as RFC 9483 §4.1.6 says for its kind. version as RFC 5652 §6.1
 * computes it: 3 with a PasswordRecipientInfo, 2 when the RecipientInfo's
 * version is not 0 (kari v3, ktri v2), else 0. No originatorInfo, no
 * unprotectedAttrs. Returns the DER of EnvelopedData.
 */
export async function envelope(content: Uint8Array, contentType: string, recipient: KeyRecipient, randomBytes: (n: number) => Uint8Array): Promise<Uint8Array> {
  const cekBytes = randomBytes(32);
  const iv = randomBytes(16);
  const cek = await crypto.subtle.importKey("raw", cekBytes, "AES-CBC", true, ["encrypt"]);
  const encrypted = await encryptCbc(cek, iv, content);

  let recipientInfo: RecipientInfo;
  if (recipient.kind === "password") {
    recipientInfo = await passwordRecipientInfo(recipient.secret, cek, cekBytes, recipient.keyWrap, randomBytes);
  } else {
    const technique = recipientTechnique(recipient.spki);
    if (technique === "keyAgreement") {
      const curve = namedCurveOfParameters(decodeDer(recipient.spki, SubjectPublicKeyInfo).algorithm.parameters)!;
      recipientInfo = await keyAgreeRecipientInfo(recipient.certificate, recipient.spki, curve.name, cek);
    } else if (technique === "keyTransport") {
      recipientInfo = await keyTransRecipientInfo(recipient.certificate, recipient.spki, cekBytes);
    } else {
      throw new UnsupportedRecipientError("the recipient's key is neither RSA nor EC on P-256, P-384 or P-521");
    }
  }
  const version = recipientInfo.pwri ? CMSVersion.v3 : (recipientInfo.kari?.version ?? recipientInfo.ktri?.version) ? CMSVersion.v2 : CMSVersion.v0;
  const envelopedData = new EnvelopedData({
    version,
    recipientInfos: new RecipientInfos([recipientInfo]),
    encryptedContentInfo: new EncryptedContentInfo({
      contentType,
      contentEncryptionAlgorithm: new ContentEncryptionAlgorithmIdentifier({ algorithm: id_aes256_CBC, parameters: serializeDerBuffer(new OctetString(iv)) }),
      encryptedContent: new EncryptedContent({ value: new OctetString(encrypted) }),
    }),
  });
  return serializeDer(envelopedData);
}
