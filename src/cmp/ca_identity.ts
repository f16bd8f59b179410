import { GeneralName, type Name } from "@peculiar/asn1-x509";
import type { CertificateAuthority } from "../ca/authority.js";
import { cmpSigner, isSelfIssued, type CmpSigner } from "./cmp_signer.js";

export interface CaIdentity {
  /** The CA certificate's subject: the sender of our MAC-protected responses (RFC 9483 §3.1). */
  name: Name;
  sender: GeneralName;
  /** sender, DER. */
  senderDer: Uint8Array;
  /** The CA certificate and its chain, DER, CA certificate first. */
  chain: Uint8Array[];
  /**
   * The self-signed certificates of the chain (its root): the only ones
   * caPubs may carry (RFC 9483 §4.1.1: if used, only the root of the issued
   * certificate's chain).
   */
  trustAnchors: Uint8Array[];

  /** The default signer of signature-protected responses: the CA itself. */
  responseSigner: CmpSigner;
}

const cache = new WeakMap<CertificateAuthority, CaIdentity>();

/** Parsed once per CA object: every response needs it. */
export function caIdentity(ca: CertificateAuthority): CaIdentity {
  let identity = cache.get(ca);
  if (!identity) {
    const chain = ca.chain.length > 0 ? ca.chain : [ca.certificate];
    const responseSigner = cmpSigner(ca.signer, chain);
    identity = {
      name: responseSigner.name,
      sender: new GeneralName({ directoryName: responseSigner.name }),
      senderDer: responseSigner.senderDer,
      chain,
      trustAnchors: chain.filter(isSelfIssued),
      responseSigner,
    };
    cache.set(ca, identity);
  }
  return identity;
}
