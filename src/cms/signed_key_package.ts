import { OctetString } from "@peculiar/asn1-schema";
import { Certificate, Name, SubjectKeyIdentifier, SubjectPublicKeyInfo, Time, id_ce_subjectKeyIdentifier, AlgorithmIdentifier } from "@peculiar/asn1-x509";
import {
  Attribute,
  CertificateChoices,
  CertificateSet,
  CMSVersion,
  DigestAlgorithmIdentifier,
  DigestAlgorithmIdentifiers,
  EncapsulatedContent,
  EncapsulatedContentInfo,
  IssuerAndSerialNumber,
  SignatureAlgorithmIdentifier,
  SignedData,
  SignerIdentifier,
  SignerInfo,
  SignerInfos,
} from "@peculiar/asn1-cms";
import { compareBytes } from "./set_of.js";
import { ContentTypeValue } from "../asn1/cms_attribute_values.js";
import { AsymmetricKeyPackage, OneAsymmetricKey } from "../asn1/asymmetric_key_package.js";
import { id_contentType, id_ct_KP_aKeyPackage, id_data, id_messageDigest, id_signingTime } from "../asn1/cms_oids.js";
import { decodeDer } from "../asn1/codec/der_decoder.js";
import { serializeDer, serializeDerBuffer } from "../asn1/serialize_der.js";
import { encodeTlv } from "../asn1/der.js";
import { certHashAlgorithm } from "../crypto/algorithms.js";
import { digest } from "../crypto/digest.js";
import type { Signer } from "../kms/signer.js";

/** Who signs a key package: the CA (or a KGA holding id-kp-cmKGA) and its certificate, then that certificate's chain. */
export interface KeyPackageSigner {
  signer: Signer;
  /** DER, the signer's certificate first. */
  certificates: readonly Uint8Array[];
}

/**
 * The key as OneAsymmetricKey (RFC 5958 §2): with the public key (the
 * BIT STRING of its SubjectPublicKeyInfo) as version v2, which strict RFC
 * 9483 readers ask for; without, the v1 PrivateKeyInfo WebCrypto exported.
 */
function oneAsymmetricKey(privateKeyInfo: Uint8Array, publicKey: Uint8Array | undefined): OneAsymmetricKey {
  const key = decodeDer(privateKeyInfo, OneAsymmetricKey);
  if (!publicKey) return key;
  return new OneAsymmetricKey({ ...key, version: 1, publicKey: decodeDer(publicKey, SubjectPublicKeyInfo).subjectPublicKey });
}

/**
 * What the SignedData carries: "asymmetricKeyPackage", as RFC 9483 §4.1.6
 * and RFC 9810 §5.2.2 specify (eContentType id-ct-KP-aKeyPackage, an
 * AsymmetricKeyPackage of one OneAsymmetricKey); or "privateKeyInfo", the
 * bare PrivateKeyInfo as id-data, which is what OpenSSL 3.5 sends and reads
 * (its client decodes the content with d2i_PrivateKey and cannot read an
 * AsymmetricKeyPackage).
 */
export type KeyPackageForm = "asymmetricKeyPackage" | "privateKeyInfo";

/**
 * The SignedData that vouches for a centrally generated private key
 * (RFC 9483 §4.1.6): version 3 (RFC 5652 §5.1: eContentType is not id-data),
 * one digest algorithm, eContentType id-ct-KP-aKeyPackage with the
 * AsymmetricKeyPackage holding the one OneAsymmetricKey (RFC 5958 §2),
 * the signer's certificate and chain in certificates, and one SignerInfo
 * with signed attributes contentType and messageDigest (RFC 5652 §5.3,
 * §11) and signingTime, whose signature covers the DER SET OF those
 * attributes (RFC 5652 §5.4). sid is the subjectKeyIdentifier when the
 * certificate has one (SignerInfo version 3), else issuer and serial (1).
 * Returns the DER of SignedData itself: what EnvelopedData encrypts, its
 * content type id-signedData. `form` "privateKeyInfo" changes only the
 * content and its type (see KeyPackageForm).
 */
export async function signKeyPackage(
  privateKeyInfo: Uint8Array,
  kga: KeyPackageSigner,
  now: Date,
  form: KeyPackageForm = "asymmetricKeyPackage",
  publicKey?: Uint8Array,
): Promise<Uint8Array> {
  const hash = certHashAlgorithm(kga.signer.algorithm);
  const eContentType = form === "asymmetricKeyPackage" ? id_ct_KP_aKeyPackage : id_data;
  const eContent = form === "asymmetricKeyPackage" ? serializeDer(new AsymmetricKeyPackage([oneAsymmetricKey(privateKeyInfo, publicKey)])) : privateKeyInfo;

  const attributes = [
    new Attribute({ attrType: id_contentType, attrValues: [serializeDerBuffer(new ContentTypeValue(eContentType))] }),
    new Attribute({ attrType: id_messageDigest, attrValues: [serializeDerBuffer(new OctetString(await digest(hash, eContent)))] }),
    new Attribute({ attrType: id_signingTime, attrValues: [serializeDerBuffer(new Time(new Date(Math.floor(now.getTime() / 1000) * 1000)))] }),
  ];
  // DER SET OF: the attributes sorted by their encodings (X.690 §11.6); the verifier re-encodes them so.
  const encoded = attributes.map((attribute) => ({ attribute, der: serializeDer(attribute) })).sort((a, b) => compareBytes(a.der, b.der));
  const signedAttrs = encodeTlv(0x31, encoded.map((entry) => entry.der));
  const signature = await kga.signer.sign(signedAttrs);

  const [signerCertificate] = kga.certificates;
  if (!signerCertificate) throw new Error("a key package signer needs its certificate");
  const parsed = decodeDer(signerCertificate, Certificate);
  const ski = parsed.tbsCertificate.extensions?.find((extension) => extension.extnID === id_ce_subjectKeyIdentifier);
  const sid = ski
    ? new SignerIdentifier({ subjectKeyIdentifier: decodeDer(new Uint8Array(ski.extnValue.buffer), SubjectKeyIdentifier) })
    : new SignerIdentifier({
        issuerAndSerialNumber: new IssuerAndSerialNumber({ issuer: parsed.tbsCertificate.issuer as Name, serialNumber: parsed.tbsCertificate.serialNumber }),
      });

  const digestAlgorithm = new DigestAlgorithmIdentifier({ algorithm: hash.oid });
  const signerInfo = new SignerInfo({
    version: ski ? CMSVersion.v3 : CMSVersion.v1,
    sid,
    digestAlgorithm,
    signedAttrs: encoded.map((entry) => entry.attribute),
    signatureAlgorithm: new SignatureAlgorithmIdentifier(kga.signer.algorithm as AlgorithmIdentifier),
    signature: new OctetString(signature),
  });
  // The signer's certificate first, then its chain (RFC 9483 §4.1.6), as OpenSSL writes them too: not sorted as a
  // DER SET OF would be. Nothing checks this SET's order, while strict RFC 9483 readers look for the KGA certificate first.
  const certificates = kga.certificates.map((der) => new CertificateChoices({ certificate: decodeDer(der, Certificate) }));
  const signedData = new SignedData({
    version: CMSVersion.v3,
    digestAlgorithms: new DigestAlgorithmIdentifiers([new DigestAlgorithmIdentifier({ algorithm: hash.oid })]),
    encapContentInfo: new EncapsulatedContentInfo({
      eContentType,
      eContent: new EncapsulatedContent({ single: new OctetString(eContent) }),
    }),
    certificates: new CertificateSet(certificates),
    signerInfos: new SignerInfos([signerInfo]),
  });
  return serializeDer(signedData);
}
