import { reencode } from "../asn1/reencode.js";
import type { CertReqMsg } from "../asn1/cert_req_messages.js";
import { CmpError } from "../asn1/pki_failure_info.js";
import { verifySignature } from "../crypto/signature.js";

/**
 * Check the proof of possession of a CertReqMsg (RFC 4211 §4, RFC 9483 §4.1.1):
 * a signature with the private key that belongs to the template's public key,
 * or raVerified from a trusted RA.
 * `publicKey` is the DER SubjectPublicKeyInfo from the template.
 */
export async function verifyProofOfPossession(request: CertReqMsg, publicKey: Uint8Array, fromTrustedRa: boolean, rsaMaxModulusBits: number): Promise<void> {
  const popo = request.popo;
  if (!popo) throw new CmpError("badPOP", "the request carries no proof of possession");
  if (popo.raVerified !== undefined) {
    // RFC 4211 §4: raVerified means an RA checked the POP; only an RA we trust may say so.
    if (fromTrustedRa) return;
    throw new CmpError("badPOP", "raVerified is accepted only from a registration authority this profile trusts");
  }
  if (!popo.signature) {
    throw new CmpError("badPOP", "only signature-based proof of possession is supported (keyEncipherment and keyAgreement are not)");
  }
  if (popo.signature.poposkInput) {
    // RFC 4211 §4.1: poposkInput is for templates without subject or key; we
    // require both, so the signature must be over certReq itself.
    throw new CmpError("badPOP", "POPOSigningKeyInput is not supported: send subject and publicKey in the template and sign certReq");
  }
  if (!request.certReqRaw) throw new CmpError("badDataFormat", "certReq could not be located in the request");
  const valid = await verifySignature(
    publicKey,
    popo.signature.algorithmIdentifier,
    request.certReqRaw,
    new Uint8Array(popo.signature.signature),
    { parsedKey: request.certReq.certTemplate.publicKey, rsaMaxModulusBits },
  );
  if (!valid) throw new CmpError("badPOP", "the proof-of-possession signature does not verify with the requested public key");
}

/** The template's public key as DER, or badCertTemplate when absent. */
export function templatePublicKey(request: CertReqMsg): Uint8Array {
  const publicKey = request.certReq.certTemplate.publicKey;
  if (!publicKey) {
    throw new CmpError("badCertTemplate", "the certificate template has no publicKey (central key generation is not offered)");
  }
  return reencode(publicKey, "the template's publicKey");
}
