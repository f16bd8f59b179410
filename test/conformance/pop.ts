import { AsnConvert } from "@peculiar/asn1-schema";
import { AlgorithmIdentifier, GeneralName, SubjectPublicKeyInfo } from "@peculiar/asn1-x509";
import {
  PKMACValue,
  POPOSigningKey,
  POPOSigningKeyInput,
  POPOSigningKeyInputAuthInfo,
  ProofOfPossession,
} from "../../src/asn1/proof_of_possession.js";
import type { LocalSigner } from "../../src/kms/local.js";
import { encodeSequence, encodeTlv, readElement } from "../../src/asn1/der.js";
import { certRequestBody, nameOf, type CertRequestParts } from "./harness.js";

// Proofs of possession other than the harness's default (a signature over
// certReq): POPOSigningKeyInput as Bouncy Castle builds it for a template
// without subject (RFC 4211 §4.1), and the POPOPrivKey kinds.

export interface SigningKeyInputOptions {
  /** authInfo.sender (default: device0, the harness's signing client). */
  sender?: GeneralName;
  /** authInfo.publicKeyMAC instead of sender. */
  publicKeyMAC?: boolean;
  /** poposkInput.publicKey (default: the key being certified). */
  publicKey?: Uint8Array;
  /** Sign with this key instead of the one being certified. */
  signWith?: LocalSigner;
  /** Sign certReq instead of poposkInput (while still sending poposkInput). */
  signCertReq?: boolean;
}

export function directoryName(text: string): GeneralName {
  return new GeneralName({ directoryName: nameOf(text) });
}

/** A POPOSigningKey whose signature is over the DER of POPOSigningKeyInput (a SEQUENCE). */
export function signingKeyInputPop(options: SigningKeyInputOptions = {}): NonNullable<CertRequestParts["popo"]> {
  return async (certReq, key) => {
    const authInfo = options.publicKeyMAC
      ? new POPOSigningKeyInputAuthInfo({
          publicKeyMAC: new PKMACValue({ algId: new AlgorithmIdentifier({ algorithm: "1.2.840.113533.7.66.13" }), value: new Uint8Array(20).buffer }),
        })
      : new POPOSigningKeyInputAuthInfo({ sender: options.sender ?? directoryName("CN=device0") });
    const poposkInput = new POPOSigningKeyInput({ authInfo, publicKey: AsnConvert.parse(options.publicKey ?? key.publicKey, SubjectPublicKeyInfo) });
    const signed = options.signCertReq ? certReq : new Uint8Array(AsnConvert.serialize(poposkInput));
    const signer = options.signWith ?? key;
    const signature = await signer.sign(signed);
    return new ProofOfPossession({
      signature: new POPOSigningKey({ poposkInput, algorithmIdentifier: key.algorithm, signature: signature.slice().buffer as ArrayBuffer }),
    });
  };
}

/** ir/cr/kur with one CertReqMsg whose popo is `popoDer` exactly as given (undefined: no popo). */
export async function rawPopBody(type: "ir" | "cr" | "kur", popoDer: Uint8Array | undefined, parts: CertRequestParts = {}): Promise<Uint8Array> {
  const body = await certRequestBody(type, { ...parts, popo: async () => undefined });
  // [type] { SEQUENCE OF { CertReqMsg { certReq } } }: re-wrap certReq with the given popo.
  const outer = readElement(body, 0);
  const list = readElement(body, outer.contentStart);
  const message = readElement(body, list.contentStart);
  const certReq = readElement(body, message.contentStart);
  const certReqDer = body.subarray(certReq.start, certReq.end);
  const certReqMsg = encodeSequence(popoDer ? [certReqDer, popoDer] : [certReqDer]);
  return encodeTlv(body[0]!, [encodeSequence([certReqMsg])]);
}

/**
 * An EnvelopedData (RFC 5652 §6.1) as a client would send for indirect POP
 * of an encryption key (RFC 4211 §4.2, RFC 9810 §5.2.8.3): one
 * KeyTransRecipientInfo, AES-128-CBC content. The contents are random: the
 * server refuses the kind before it would look inside. `tag` replaces the
 * SEQUENCE tag (0xa4 for encryptedKey [4] IMPLICIT).
 */
export function envelopedData(tag = 0x30): Uint8Array {
  const hex = (text: string) => Uint8Array.from(text.match(/../g)!.map((byte) => parseInt(byte, 16)));
  const recipient = encodeSequence([
    hex("020102"),
    encodeTlv(0x80, [new Uint8Array(20).fill(7)]),
    encodeSequence([hex("06092a864886f70d010101"), hex("0500")]),
    encodeTlv(0x04, [new Uint8Array(256).fill(9)]),
  ]);
  const content = encodeSequence([
    hex("06092a864886f70d010701"),
    encodeSequence([hex("0609608648016503040102"), encodeTlv(0x04, [new Uint8Array(16).fill(1)])]),
    encodeTlv(0x80, [new Uint8Array(32).fill(2)]),
  ]);
  return encodeTlv(tag, [hex("020102"), encodeTlv(0x31, [recipient]), content]);
}
