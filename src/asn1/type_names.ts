import { BitString, OctetString } from "@peculiar/asn1-schema";
import { registerTypeNames } from "./codec/type_name.js";
import {
  Certificate, TBSCertificate, Name, RelativeDistinguishedName, AttributeTypeAndValue as
  X509AttributeTypeAndValue, AttributeValue, DirectoryString, Extension, Extensions, AlgorithmIdentifier,
  SubjectPublicKeyInfo, GeneralName, GeneralNames, Time, Validity, KeyUsage, BasicConstraints,
  SubjectKeyIdentifier, AuthorityKeyIdentifier, ExtendedKeyUsage, CertificateList, TBSCertList,
  RevokedCertificate, CRLReason, SubjectAlternativeName, CRLDistributionPoints, DistributionPoint,
  DistributionPointName, AuthorityInfoAccessSyntax, AccessDescription, CertificatePolicies, PolicyInformation,
  NameConstraints, OtherName, EDIPartyName, Attribute, IssuingDistributionPoint, CRLNumber, InvalidityDate, }
  from "@peculiar/asn1-x509"; import {   OCSPRequest, TBSRequest, Request, CertID, OCSPResponse,
  ResponseBytes, BasicOCSPResponse, ResponseData, SingleResponse, ResponderID, Signature, } from
  "@peculiar/asn1-ocsp"; import {   CertificationRequest, CertificationRequestInfo, } from
  "@peculiar/asn1-csr"; import {   ContentInfo, SignedData, EnvelopedData, EncryptedContentInfo,
  EncryptedContent, RecipientInfo, RecipientInfos, KeyTransRecipientInfo, SignerInfo, SignerInfos,
  CertificateSet, CertificateChoices, IssuerAndSerialNumber, SignerIdentifier, EncapsulatedContentInfo, } from
  "@peculiar/asn1-cms"; import {   CAKeyUpdAnnContent, RootCaKeyUpdateContent, CAKeyUpdContent,
  AttributeTypeAndValue, Controls, CertStatus, CertConfirmContent, CertId, SinglePubInfo, SinglePubInfos,
  PKIPublicationInfo, CertOrEncCert, CertifiedKeyPair, CertResponse, CertResponses, CertRepMessage,
  CertRequest, CertReqMsg, CertReqMessages, OptionalValidity, CertTemplate, CMPCertificates,
  CMPCertificatesDer, CertificateLists, EncryptedValue, EncryptedKey, ErrorMsgContent, InfoTypeAndValue,
  InfoTypeAndValues, CertifiedKeyPairs, KeyRecRepContent, PKIBody, PKIFreeText, PKIHeader, PKIMessage,
  PKIMessages, PKIFailureInfoBits, PKIStatusInfo, PollReq, PollReqContent, PollRep, PollRepContent, Challenge,
  POPODecKeyChallContent, POPODecKeyRespContent, PKMACValue, POPOSigningKeyInputAuthInfo, POPOSigningKeyInput,
  POPOSigningKey, ProofOfPossession, RevDetails, RevReqContent, PKIStatusInfos, CertIds, RevRepContent,
  RevAnnContent,
} from "./index.js";
import { CertReqTemplateContent, CRLSource, CRLStatus, CRLStatusList, AlgorithmIdentifiers, ObjectIdentifiers } from "./general_message_values.js";
import { PBMParameter } from "./pbm.js";
import { PBMAC1Params, PBKDF2Salt, PBKDF2Params, PBES2Params } from "./pbmac1.js";
import { RSAPublicKey, RsaSaPssParams } from "./rsa.js";

/**
 * The names the codec's messages give ASN.1 types (codec/type_name.ts):
 * "not a DER CertReqMessages: CertTemplate: subject is missing" reaches a
 * client as the text of a badDataFormat error, and an operator in the log.
 * The Worker is built with keep_names = false (wrangler.toml), so a class's
 * own name there is whatever the minifier chose; the keys of these objects
 * are kept. Every schema class of src/asn1, and the @peculiar classes the
 * project decodes or that sit inside them (test/asn1/type_names.test.ts
 * checks each key is its class's name). One not listed is named by
 * Function.name: right under Node, minified in the Worker. The Worker's
 * entry (src/runtime/cloudflare.ts) imports this module, which registers
 * the list with the codec (codec/type_name.ts).
 */
export function asnTypeNames(): Array<Record<string, unknown>> {
  // One object per package: asn1-x509 and src/asn1 both have an AttributeTypeAndValue.
  return [
    {
      CAKeyUpdAnnContent, RootCaKeyUpdateContent, CAKeyUpdContent, AttributeTypeAndValue, Controls,
      CertStatus, CertConfirmContent, CertId, SinglePubInfo, SinglePubInfos, PKIPublicationInfo,
      CertOrEncCert, CertifiedKeyPair, CertResponse, CertResponses, CertRepMessage, CertRequest,
      CertReqMsg, CertReqMessages, OptionalValidity, CertTemplate, CMPCertificates, CMPCertificatesDer,
      CertificateLists, EncryptedValue, EncryptedKey, ErrorMsgContent, CertReqTemplateContent,
      CRLSource, CRLStatus, CRLStatusList, AlgorithmIdentifiers, ObjectIdentifiers, InfoTypeAndValue,
      InfoTypeAndValues, CertifiedKeyPairs, KeyRecRepContent, PBMParameter, PBMAC1Params, PBKDF2Salt,
      PBKDF2Params, PBES2Params, PKIBody, PKIFreeText, PKIHeader, PKIMessage, PKIMessages,
      PKIFailureInfoBits, PKIStatusInfo, PollReq, PollReqContent, PollRep, PollRepContent, Challenge,
      POPODecKeyChallContent, POPODecKeyRespContent, PKMACValue, POPOSigningKeyInputAuthInfo,
      POPOSigningKeyInput, POPOSigningKey, ProofOfPossession, RevDetails, RevReqContent, PKIStatusInfos,
      CertIds, RevRepContent, RevAnnContent, RSAPublicKey, RsaSaPssParams,
    },
    { OctetString, BitString },
    {
      Certificate, TBSCertificate, Name, RelativeDistinguishedName, AttributeTypeAndValue:
      X509AttributeTypeAndValue, AttributeValue, DirectoryString, Extension, Extensions,
      AlgorithmIdentifier, SubjectPublicKeyInfo, GeneralName, GeneralNames, Time, Validity, KeyUsage,
      BasicConstraints, SubjectKeyIdentifier, AuthorityKeyIdentifier, ExtendedKeyUsage, CertificateList,
      TBSCertList, RevokedCertificate, CRLReason, SubjectAlternativeName, CRLDistributionPoints,
      DistributionPoint, DistributionPointName, AuthorityInfoAccessSyntax, AccessDescription,
      CertificatePolicies, PolicyInformation, NameConstraints, OtherName, EDIPartyName, Attribute,
      IssuingDistributionPoint, CRLNumber, InvalidityDate,
    },
    {
      OCSPRequest, TBSRequest, Request, CertID, OCSPResponse, ResponseBytes, BasicOCSPResponse,
      ResponseData, SingleResponse, ResponderID, Signature,
    },
    {
      CertificationRequest, CertificationRequestInfo,
    },
    {
      ContentInfo, SignedData, EnvelopedData, EncryptedContentInfo, EncryptedContent, RecipientInfo,
      RecipientInfos, KeyTransRecipientInfo, SignerInfo, SignerInfos, CertificateSet,
      CertificateChoices, IssuerAndSerialNumber, SignerIdentifier, EncapsulatedContentInfo,
    },
  ];
}

registerTypeNames(asnTypeNames);
