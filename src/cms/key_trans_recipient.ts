import type { Certificate } from "@peculiar/asn1-x509";
import { OctetString } from "@peculiar/asn1-schema";
import { CMSVersion, KeyEncryptionAlgorithmIdentifier, KeyTransRecipientInfo, RecipientIdentifier } from "@peculiar/asn1-cms";
import { RecipientInfo } from "../asn1/enveloped_data.js";
import { OAEP_HASH, oaepAlgorithm } from "./key_transport.js";
import { recipientKeyId } from "./recipient_identifier.js";

/**
 * KeyTransRecipientInfo for an RSA recipient certificate (RFC 5652 §6.2.1;
 * RFC 9483 §4.1.6.1): the content-encryption key encrypted with RSAES-OAEP
 * (key_transport.ts) under the certificate's public key; version 2 with
 * rid subjectKeyIdentifier, or 0 with issuerAndSerialNumber.
 */
export async function keyTransRecipientInfo(certificate: Certificate, spki: Uint8Array, cek: Uint8Array): Promise<RecipientInfo> {
  const key = await crypto.subtle.importKey("spki", spki, { name: "RSA-OAEP", hash: OAEP_HASH }, false, ["encrypt"]);
  const encryptedKey = new Uint8Array(await crypto.subtle.encrypt({ name: "RSA-OAEP" }, key, cek));
  const id = recipientKeyId(certificate);
  const algorithm = oaepAlgorithm();
  return new RecipientInfo({
    ktri: new KeyTransRecipientInfo({
      version: id.subjectKeyIdentifier ? CMSVersion.v2 : CMSVersion.v0,
      rid: new RecipientIdentifier(id),
      keyEncryptionAlgorithm: new KeyEncryptionAlgorithmIdentifier({ algorithm: algorithm.algorithm, parameters: algorithm.parameters }),
      encryptedKey: new OctetString(encryptedKey),
    }),
  });
}
