import { GeneralName, type Name } from "@peculiar/asn1-x509";
import { bytesEqual } from "../asn1/bytes.js";
import { reencode } from "../asn1/reencode.js";
import type { CertReqMsg } from "../asn1/cert_req_messages.js";
import { CmpError } from "../asn1/pki_failure_info.js";
import { POPO_PRIV_KEY_ALTERNATIVES, type POPOSigningKey, type POPOSigningKeyInput } from "../asn1/proof_of_possession.js";
import { readChildren, readElement } from "../asn1/der.js";
import { formatDistinguishedName, sameDistinguishedName } from "../ca/distinguished_name.js";
import { verifySignature } from "../crypto/signature.js";
import { serializeDer } from "../asn1/serialize_der.js";

/** What the proof of possession is checked against, besides the request itself. */
export interface PopContext {
  /**
   * The identity the request's protection established (RFC 4211 §4.1,
   * authInfo.sender): the protection certificate's subject for a signed
   * request, the header's sender for a MAC-protected one.
   */
  authenticatedSender: GeneralName;
  /** The sender is an RA this profile trusts: raVerified is believed. */
  fromTrustedRa: boolean;
  rsaMaxModulusBits: number;
  /** The body as received: when no popo was decoded, it tells a missing one from a malformed one (popoElementTag). */
  bodyDer?: Uint8Array;
}

/**
 * Check the proof of possession of a CertReqMsg (RFC 4211 §4, RFC 9483 §4.1.1):
 * a signature with the private key that belongs to the template's public key,
 * or raVerified from a trusted RA. Failures are badPOP (badDataFormat for a
 * popo that does not decode), refusals of this one request, answered
 * ip/cp/kup rejection (request_rejection.ts).
 * `publicKey` is the DER SubjectPublicKeyInfo from the template.
 */
export async function verifyProofOfPossession(request: CertReqMsg, publicKey: Uint8Array, context: PopContext): Promise<void> {
  const popo = request.popo;
  if (!popo) throw missingPop(context.bodyDer && popoElementTag(context.bodyDer));
  if (popo.raVerified !== undefined) {
    // RFC 4211 §4: raVerified means an RA checked the POP; only an RA we trust may say so. From anyone
    // else it is a claim the sender is not authorized to make (RFC 9810 §5.2.3 notAuthorized), not a bad proof.
    if (context.fromTrustedRa) return;
    throw new CmpError("notAuthorized", "raVerified is accepted only from a registration authority this profile trusts");
  }
  if (popo.keyEncipherment) throw unsupportedPrivKey("keyEncipherment", popo.keyEncipherment);
  if (popo.keyAgreement) throw unsupportedPrivKey("keyAgreement", popo.keyAgreement);
  if (!popo.signature) throw new CmpError("badPOP", "the proof of possession is none of raVerified, signature, keyEncipherment, keyAgreement");
  const signed = signedData(request, popo.signature, publicKey, context);
  const valid = await verifySignature(publicKey, popo.signature.algorithmIdentifier, signed, new Uint8Array(popo.signature.signature), {
    parsedKey: request.certReq.certTemplate.publicKey,
    rsaMaxModulusBits: context.rsaMaxModulusBits,
  });
  if (!valid) {
    const over = popo.signature.poposkInput ? "poposkInput" : "certReq";
    throw new CmpError("badPOP", `the proof-of-possession signature over ${over} does not verify with the requested public key`);
  }
}

/**
 * What the POPOSigningKey signature covers (RFC 4211 §4.1): the DER of
 * certReq when the template carries both subject and publicKey, and then
 * poposkInput MUST be absent; otherwise poposkInput MUST be present, and the
 * signature covers its DER. The template's subject counts as present when the
 * field is there, even as an empty Name (as OpenSSL's own server reads it):
 * an SAN-only request with an empty subject signs certReq.
 */
function signedData(request: CertReqMsg, popo: POPOSigningKey, publicKey: Uint8Array, context: PopContext): Uint8Array {
  const template = request.certReq.certTemplate;
  const complete = template.subject !== undefined && template.publicKey !== undefined;
  if (complete) {
    if (popo.poposkInput) {
      throw new CmpError("badPOP", "poposkInput must be absent when the template carries subject and publicKey; sign certReq itself (RFC 4211 §4.1)");
    }
    if (!request.certReqRaw) throw new CmpError("badDataFormat", "certReq could not be located in the request");
    return request.certReqRaw;
  }
  if (!popo.poposkInput || !popo.poposkInputRaw) {
    throw new CmpError("badPOP", "the template has no subject, so the signature must be over poposkInput, which is missing (RFC 4211 §4.1)");
  }
  checkSigningKeyInput(popo.poposkInput, publicKey, context);
  return universalSequence(popo.poposkInputRaw);
}

/**
 * RFC 4211 §4.1: poposkInput.publicKey "MUST be exactly the same value as is
 * contained in the certificate template", and authInfo names who asks:
 * `sender`, "used only if an authenticated identity has been established",
 * must be that identity; `publicKeyMAC`, for a sender without one, is not
 * supported (RFC 9483 does not use poposkInput at all; a request that can
 * carry its sender's identity in authenticated protection has no need of it).
 */
function checkSigningKeyInput(input: POPOSigningKeyInput, publicKey: Uint8Array, context: PopContext): void {
  if (!bytesEqual(reencode(input.publicKey, "poposkInput's publicKey"), publicKey)) {
    throw new CmpError("badPOP", "poposkInput's publicKey differs from the template's publicKey (RFC 4211 §4.1)");
  }
  const { sender, publicKeyMAC } = input.authInfo;
  if (publicKeyMAC) {
    throw new CmpError("badPOP", "poposkInput with publicKeyMAC is not supported: protect the request and name its sender in authInfo.sender");
  }
  if (!sender) throw new CmpError("badPOP", "poposkInput's authInfo names no sender");
  const expected = context.authenticatedSender;
  if (isEmptyDirectoryName(expected)) {
    throw new CmpError("badPOP", "poposkInput names a sender, but the request's protection established no identity (its sender is empty)");
  }
  if (!sameGeneralName(sender, expected)) {
    throw new CmpError("badPOP", `poposkInput's sender "${describe(sender)}" is not the authenticated sender "${describe(expected)}" (RFC 4211 §4.1)`);
  }
}

/**
 * poposkInput arrives as [0] IMPLICIT POPOSigningKeyInput; the signature is
 * over the DER of POPOSigningKeyInput itself, a SEQUENCE (as OpenSSL and
 * Bouncy Castle compute it). Same length, same contents: only the tag octet
 * differs (checkDer let through single-octet tags only).
 */
function universalSequence(implicit: Uint8Array): Uint8Array {
  const der = implicit.slice();
  der[0] = 0x30;
  return der;
}

/** POPOPrivKey alternatives (RFC 4211 §4.2, §4.3) are not offered: say which one was sent. */
function unsupportedPrivKey(kind: "keyEncipherment" | "keyAgreement", key: ArrayBuffer): CmpError {
  const tag = new Uint8Array(key)[0] ?? 0;
  const which = POPO_PRIV_KEY_ALTERNATIVES[tag];
  if (!which) return new CmpError("badPOP", `proof of possession ${kind} holds tag 0x${tag.toString(16)}, which is no POPOPrivKey alternative (RFC 4211 §4)`);
  return new CmpError(
    "badPOP",
    `proof of possession ${kind} with ${which} is not supported; only signature (and raVerified from a trusted RA) is (RFC 9483 §4.1.1)`,
  );
}

/**
 * No popo was decoded. The schema parse passes over an element it cannot
 * place in CertReqMsg (an optional CHOICE that matches no alternative), so
 * the received DER tells a missing POP from one that is malformed or of an
 * unknown kind. RFC 9483 §4.1.1: popo is REQUIRED.
 */
function missingPop(tag: number | undefined): CmpError {
  if (tag === undefined || tag === 0x30) return new CmpError("badPOP", "the request carries no proof of possession (RFC 9483 §4.1.1: popo is REQUIRED)");
  const kind = { 0x80: "raVerified [0]", 0xa1: "signature [1]" }[tag];
  if (kind) return new CmpError("badDataFormat", `the proof of possession ${kind} is malformed`);
  const privKey = { 0xa2: "keyEncipherment [2]", 0xa3: "keyAgreement [3]" }[tag];
  if (privKey) return new CmpError("badPOP", `the proof of possession ${privKey} holds no POPOPrivKey (RFC 4211 §4)`);
  return new CmpError("badPOP", `the proof of possession has tag 0x${tag.toString(16)}, which is no ProofOfPossession alternative (RFC 4211 §4)`);
}

/**
 * The tag of the element that follows certReq in the first CertReqMsg of
 * an ir/cr/kur body as received (a popo, or regInfo's SEQUENCE), or
 * undefined. The body passed checkDer before it was parsed.
 *
 *   [n] CertReqMessages ::= SEQUENCE OF CertReqMsg
 *   CertReqMsg ::= SEQUENCE { certReq, popo OPTIONAL, regInfo OPTIONAL }
 */
function popoElementTag(bodyDer: Uint8Array): number | undefined {
  try {
    const outer = readElement(bodyDer, 0);
    const list = readElement(bodyDer, outer.contentStart);
    const message = readElement(bodyDer, list.contentStart);
    return readChildren(bodyDer, message)[1]?.tag;
  } catch {
    return undefined;
  }
}

function sameGeneralName(a: GeneralName, b: GeneralName): boolean {
  if (a.directoryName && b.directoryName) return sameDistinguishedName(a.directoryName, b.directoryName);
  try {
    return bytesEqual(serializeDer(a), serializeDer(b));
  } catch {
    return false;
  }
}


function isEmptyDirectoryName(name: GeneralName): boolean {
  return name.directoryName !== undefined && name.directoryName.length === 0;
}

function describe(name: GeneralName): string {
  if (name.directoryName) {
    try {
      return formatDistinguishedName(name.directoryName);
    } catch {
      return "a directoryName";
    }
  }
  const [kind] = Object.keys(name).filter((key) => (name as unknown as Record<string, unknown>)[key] !== undefined);
  return kind ?? "an empty GeneralName";
}

/**
 * The template's public key as DER, or badCertTemplate when absent. (A
 * template without one asks for central key generation, which
 * cert_request.ts tells apart before it gets here.)
 */
export function templatePublicKey(request: CertReqMsg): Uint8Array {
  const publicKey = request.certReq.certTemplate.publicKey;
  if (!publicKey) {
    throw new CmpError("badCertTemplate", "the certificate template has no publicKey");
  }
  return reencode(publicKey, "the template's publicKey");
}
