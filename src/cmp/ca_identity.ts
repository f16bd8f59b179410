import { AsnConvert } from "@peculiar/asn1-schema";
import { Certificate, GeneralName, Name } from "@peculiar/asn1-x509";
import type { CertificateAuthority } from "../ca/authority.js";

export interface CaIdentity {
  /** The CA certificate's subject: the sender of our responses (RFC 9483 §3.1). */
  name: Name;
  sender: GeneralName;
  /** The CA certificate and its chain, DER, CA certificate first. */
  chain: Uint8Array[];
}

const cache = new WeakMap<CertificateAuthority, CaIdentity>();

/** Parsed once per CA object: every response needs it. */
export function caIdentity(ca: CertificateAuthority): CaIdentity {
  let identity = cache.get(ca);
  if (!identity) {
    const certificate = AsnConvert.parse(ca.certificate, Certificate);
    const name = certificate.tbsCertificate.subject;
    identity = { name, sender: new GeneralName({ directoryName: name }), chain: ca.chain.length > 0 ? ca.chain : [ca.certificate] };
    cache.set(ca, identity);
  }
  return identity;
}
