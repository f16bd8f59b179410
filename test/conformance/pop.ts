import { AsnConvert } from "@peculiar/asn1-schema";
import { AlgorithmIdentifier, GeneralName, SubjectPublicKeyInfo } from "@peculiar/asn1-x509";
import {
  PKMACValue,
  POPOPrivKey,
  POPOSigningKey,
  POPOSigningKeyInput,
  POPOSigningKeyInputAuthInfo,
  ProofOfPossession,
} from "../../src/asn1/proof_of_possession.js";
import type { LocalSigner } from "../../src/kms/local.js";
import { nameOf, type CertRequestParts } from "./harness.js";

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

/** keyEncipherment or keyAgreement with one POPOPrivKey alternative. */
export function privKeyPop(kind: "keyEncipherment" | "keyAgreement", key: POPOPrivKey): NonNullable<CertRequestParts["popo"]> {
  return async () => new ProofOfPossession({ [kind]: key });
}
