import { OctetString } from "@peculiar/asn1-schema";
import { SignedData, type SignerInfo } from "@peculiar/asn1-cms";
import { AsymmetricKeyPackage, OneAsymmetricKey } from "../asn1/asymmetric_key_package.js";
import { bytesEqual } from "../asn1/bytes.js";
import { ContentTypeValue } from "../asn1/cms_attribute_values.js";
import { id_contentType, id_ct_KP_aKeyPackage, id_data, id_messageDigest } from "../asn1/cms_oids.js";
import { hasKeyGenerationPurpose } from "./key_generation_authority.js";
import { encodeTlv } from "../asn1/der.js";
import { parseDer } from "../asn1/parse_der.js";
import { serializeDer } from "../asn1/serialize_der.js";
import { hashByOid } from "../crypto/algorithms.js";
import { digest } from "../crypto/digest.js";
import { parseCertificate, type ParsedCertificate } from "../crypto/parsed_certificate.js";
import { verifySignature } from "../crypto/signature.js";
import { compareBytes } from "./set_of.js";

/** The key package is not authentic, not from an authorized signer, or not a key package: the message says which. */
export class KeyPackageError extends Error {}

/**
 * Check the SignedData around a centrally generated key (RFC 9483 §4.1.6)
 * and return the private key as PKCS #8 (PrivateKeyInfo) DER:
 * one SignerInfo with signed attributes whose contentType is the
 * eContentType and whose messageDigest is the content's digest, its
 * signature over the DER SET OF those attributes by the certificate its sid
 * names (RFC 5652 §5.4, §5.6); that signer is `issuer` (the CA that issued
 * the certificate for the key) or a certificate `issuer` signed that carries
 * id-kp-cmKGA (RFC 9483 §4.1.6). The content is an AsymmetricKeyPackage
 * (id-ct-KP-aKeyPackage, RFC 5958) of one key, or, as OpenSSL 3.5 sends it,
 * a PrivateKeyInfo as id-data.
 */
export async function verifyKeyPackage(signedDataDer: Uint8Array, issuer: ParsedCertificate): Promise<Uint8Array> {
  try {
    return await verify(signedDataDer, issuer);
  } catch (error) {
    // Garbled content (CBC decrypts an altered envelope to garbage, not to an error) fails anywhere in here:
    // a certificate that does not parse, a key WebCrypto refuses. Whatever it is, this is no key package.
    if (error instanceof KeyPackageError) throw error;
    throw new KeyPackageError(`the key package does not verify: ${(error as Error).message}`, { cause: error });
  }
}

async function verify(signedDataDer: Uint8Array, issuer: ParsedCertificate): Promise<Uint8Array> {
  let signedData: SignedData;
  try {
    signedData = parseDer(signedDataDer, SignedData);
  } catch (cause) {
    throw new KeyPackageError(`the decrypted content is not a SignedData: ${(cause as Error).message}`, { cause });
  }
  const { eContentType, eContent } = signedData.encapContentInfo;
  const content = eContent?.single ? new Uint8Array(eContent.single.buffer) : undefined;
  if (!content) throw new KeyPackageError("the SignedData carries no key package");
  if (signedData.signerInfos.length !== 1) throw new KeyPackageError(`the SignedData has ${signedData.signerInfos.length} SignerInfos, not one`);
  const signerInfo = signedData.signerInfos[0]!;
  const certificates = (signedData.certificates ?? []).flatMap((choice) => (choice.certificate ? [parseCertificate(serializeDer(choice.certificate))] : []));
  const signer = certificates.find((candidate) => names(signerInfo, candidate)) ?? (names(signerInfo, issuer) ? issuer : undefined);
  if (!signer) throw new KeyPackageError("the SignedData does not carry the certificate of its signer");
  await checkSignature(signerInfo, signer, eContentType, content);
  await authorize(signer, issuer);
  return privateKeyOf(eContentType, content);
}

async function checkSignature(signerInfo: SignerInfo, signer: ParsedCertificate, eContentType: string, content: Uint8Array): Promise<void> {
  const attributes = signerInfo.signedAttrs;
  if (!attributes?.length) throw new KeyPackageError("the SignerInfo has no signed attributes (RFC 5652 §5.3: required for this content type)");
  const value = (type: string) => {
    const found = attributes.filter((attribute) => attribute.attrType === type);
    if (found.length !== 1 || found[0]!.attrValues.length !== 1) throw new KeyPackageError(`the signed attribute ${type} must be there once, with one value`);
    return new Uint8Array(found[0]!.attrValues[0]!);
  };
  if (parseDer(value(id_contentType), ContentTypeValue).value !== eContentType) throw new KeyPackageError("the signed contentType is not the eContentType");
  const hash = hashByOid(signerInfo.digestAlgorithm.algorithm);
  const expected = await digest(hash, content);
  if (!bytesEqual(new Uint8Array(parseDer(value(id_messageDigest), OctetString).buffer), expected)) {
    throw new KeyPackageError("the messageDigest does not match the key package: it was altered");
  }
  const signedAttrs = encodeTlv(0x31, attributes.map((attribute) => serializeDer(attribute)).sort(compareBytes));
  const valid = await verifySignature(signer.spki, signerInfo.signatureAlgorithm, signedAttrs, new Uint8Array(signerInfo.signature.buffer));
  if (!valid) throw new KeyPackageError(`the key package's signature does not verify with ${signer.label}`);
}

/** RFC 9483 §4.1.6: the CA itself, or a key generation authority (id-kp-cmKGA) the CA certified. */
async function authorize(signer: ParsedCertificate, issuer: ParsedCertificate): Promise<void> {
  if (bytesEqual(signer.der, issuer.der)) return;
  if (!hasKeyGenerationPurpose(signer.certificate)) throw new KeyPackageError(`the key package's signer ${signer.label} is neither the CA nor a key generation authority (id-kp-cmKGA)`);
  const byIssuer = bytesEqual(signer.issuer, issuer.subject) && (await verifySignature(issuer.spki, signer.signatureAlgorithm, signer.tbs, signer.signature));
  if (!byIssuer) throw new KeyPackageError(`the key generation authority ${signer.label} is not certified by ${issuer.label}`);
}

function privateKeyOf(eContentType: string, content: Uint8Array): Uint8Array {
  try {
    if (eContentType === id_ct_KP_aKeyPackage) {
      const keys = parseDer(content, AsymmetricKeyPackage);
      if (keys.length !== 1) throw new KeyPackageError(`the AsymmetricKeyPackage holds ${keys.length} keys, not one`);
      // As PrivateKeyInfo (v1), which every PKCS #8 reader (WebCrypto included) takes: the public key was only a convenience.
      const { privateKeyAlgorithm, privateKey } = keys[0]!;
      return serializeDer(new OneAsymmetricKey({ version: 0, privateKeyAlgorithm, privateKey }));
    }
    if (eContentType === id_data) {
      parseDer(content, OneAsymmetricKey);
      return content.slice();
    }
  } catch (cause) {
    if (cause instanceof KeyPackageError) throw cause;
    throw new KeyPackageError(`the key package does not decode: ${(cause as Error).message}`, { cause });
  }
  throw new KeyPackageError(`the signed content is of type ${eContentType}, not a key package`);
}

/** Whether the SignerInfo's sid names this certificate (RFC 5652 §5.3). */
function names(signerInfo: SignerInfo, certificate: ParsedCertificate): boolean {
  const { subjectKeyIdentifier, issuerAndSerialNumber } = signerInfo.sid;
  if (subjectKeyIdentifier) return certificate.subjectKeyId !== undefined && bytesEqual(certificate.subjectKeyId, new Uint8Array(subjectKeyIdentifier.buffer));
  if (!issuerAndSerialNumber) return false;
  const tbs = certificate.certificate.tbsCertificate;
  return bytesEqual(serializeDer(issuerAndSerialNumber.issuer), certificate.issuer) && bytesEqual(new Uint8Array(issuerAndSerialNumber.serialNumber), new Uint8Array(tbs.serialNumber));
}

