import { AlgorithmIdentifier, Extensions, Name, SubjectPublicKeyInfo, type Extension } from "@peculiar/asn1-x509";
import type { KeyType } from "../config/profile.js";
import { OID } from "../crypto/algorithms.js";
import { namedCurveParameters } from "../crypto/named_curves.js";
import { AttributeTypeAndValue, Controls } from "../asn1/attribute_type_and_value.js";
import type { CertId } from "../asn1/cert_id.js";
import { CertRequest } from "../asn1/cert_req_messages.js";
import { CertTemplate } from "../asn1/cert_template.js";
import { encodeSequence, encodeTlv } from "../asn1/der.js";
import { id_regCtrl_oldCertID } from "../asn1/oids.js";
import { PKIBodyTypes } from "../asn1/pki_body.js";
import { POPOSigningKey, ProofOfPossession } from "../asn1/proof_of_possession.js";
import type { Signer } from "../kms/signer.js";
import { serializeDer, serializeDerBuffer } from "../asn1/serialize_der.js";
import { decodeDer } from "../asn1/codec/der_decoder.js";

/** RFC 9483 §4.1.1: one CertReqMsg per request, certReqId 0. */
export const CERT_REQ_ID = 0;

/** What one certificate request asks for. */
export interface CertRequestContent {
  subject?: Name;
  /** Template extensions, e.g. subjectAltName. */
  extensions?: readonly Extension[];
  /** The DER SubjectPublicKeyInfo to certify: the POP signer's key. Absent: the server generates the key (RFC 9483 §4.1.6). */
  publicKey?: Uint8Array;
  /** The new key's signer: signs the proof of possession. Absent with publicKey. */
  popSigner?: Signer;
  /** Central key generation: the key type to ask for, or none to let the server choose (RFC 9483 §4.1.6). */
  centralKeyType?: KeyType;
  /** kur: the certificate being updated (RFC 4211 §6.5, RFC 9483 §4.1.3). */
  oldCertId?: CertId;
}

/**
 * ir [0], cr [2] or kur [7] CertReqMessages with one CertReqMsg (RFC 4211
 * §3, RFC 9483 §4.1.1-4.1.3):
 *
 *   CertReqMsg ::= SEQUENCE { certReq CertRequest, popo ProofOfPossession OPTIONAL, ... }
 *
 * The proof of possession is a POPOSigningKey over the DER of certReq
 * without poposkInput (RFC 4211 §4.1), made by the key being certified.
 * That needs both subject and publicKey in the template, so a request
 * without a subject (subjectAltName only) sends an empty Name (RFC 5280
 * §4.1.2.6), not none.
 * certReq is encoded once and spliced in, so the bytes signed are the bytes
 * sent.
 */
export async function certReqMessagesBody(type: "ir" | "cr" | "kur", content: CertRequestContent): Promise<Uint8Array> {
  const template = new CertTemplate({
    subject: content.subject ?? new Name([]),
    // The signer's own export, DER: decoded by the project's decoder and encoded back to the same octets.
    // Central key generation: the key type alone, or nothing (RFC 9483 §4.1.6).
    publicKey: content.publicKey ? decodeDer(content.publicKey, SubjectPublicKeyInfo) : keyTypeOnly(content.centralKeyType),
    extensions: content.extensions && content.extensions.length > 0 ? new Extensions([...content.extensions]) : undefined,
  });
  const controls = content.oldCertId
    ? new Controls([new AttributeTypeAndValue({ type: id_regCtrl_oldCertID, value: serializeDerBuffer(content.oldCertId) })])
    : undefined;
  const certReq = serializeDer(new CertRequest({ certReqId: CERT_REQ_ID, certTemplate: template, controls }));
  // RFC 9483 §4.1.6: a request for central key generation has no proof of possession; there is no key yet.
  if (!content.popSigner) return encodeTlv(0xa0 | PKIBodyTypes.indexOf(type), [encodeSequence([encodeSequence([certReq])])]);
  const signature = await content.popSigner.sign(certReq);
  const popo = new ProofOfPossession({
    signature: new POPOSigningKey({ algorithmIdentifier: content.popSigner.algorithm, signature: signature.slice().buffer as ArrayBuffer }),
  });
  const certReqMsg = encodeSequence([certReq, serializeDer(popo)]);
  return encodeTlv(0xa0 | PKIBodyTypes.indexOf(type), [encodeSequence([certReqMsg])]);
}

/**
 * RFC 9483 §4.1.6: a template publicKey that names only the key type to
 * generate: its algorithm (with the curve for EC) and a zero-length
 * subjectPublicKey.
 */
function keyTypeOnly(keyType: KeyType | undefined): SubjectPublicKeyInfo | undefined {
  if (!keyType) return undefined;
  const algorithm =
    keyType === "RSA"
      ? new AlgorithmIdentifier({ algorithm: OID.rsaEncryption, parameters: null })
      : keyType === "Ed25519"
        ? new AlgorithmIdentifier({ algorithm: OID.ed25519 })
        : new AlgorithmIdentifier({ algorithm: OID.ecPublicKey, parameters: namedCurveParameters(keyType).slice().buffer });
  return new SubjectPublicKeyInfo({ algorithm, subjectPublicKey: new ArrayBuffer(0) });
}

/** p10cr [4] CertificationRequest (RFC 9810 §5.3.1, RFC 9483 §4.1.4): the CSR as it is, its signature the POP. */
export function p10crBody(csr: Uint8Array): Uint8Array {
  return encodeTlv(0xa0 | PKIBodyTypes.indexOf("p10cr"), [csr]);
}
