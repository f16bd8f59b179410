import { bytesEqual } from "../asn1/bytes.js";
import type { RootCaUpdate } from "../config/profile.js";
import { parseCertificate, type ParsedCertificate } from "../crypto/parsed_certificate.js";
import { verifySignature } from "../crypto/signature.js";

/**
 * The current root of a CA chain (CA certificate first): its last
 * certificate when that one is self-issued (RFC 5280 §3.2). The root a
 * configured rollover (RootCaUpdate) follows.
 */
export function currentRoot(chain: readonly Uint8Array[]): Uint8Array | undefined {
  const last = chain[chain.length - 1];
  if (!last) return undefined;
  const parsed = parseCertificate(last);
  return bytesEqual(parsed.subject, parsed.issuer) ? last : undefined;
}

/**
 * What the configuration loader could not check of `rootCaUpdate`, because
 * it needs the CA and signatures (RFC 9810 §5.3.19.15, §5.3.13): newWithNew
 * is signed by its own key, newWithOld by the current root's key, and
 * oldWithNew certifies the current root's key and is signed by the new
 * key. Throws an Error whose message names the field at fault; the
 * composition turns it into Misconfigured.
 */
export async function checkRootCaUpdate(update: RootCaUpdate, chain: readonly Uint8Array[]): Promise<void> {
  const rootDer = currentRoot(chain);
  if (!rootDer) {
    throw new Error("rootCaUpdate: the CA chain (CA_CERT) ends in no self-signed root certificate, so the rollover cannot follow one; add the root to the chain");
  }
  const root = parseCertificate(rootDer);
  const newWithNew = parseCertificate(update.newWithNew);
  if (bytesEqual(update.newWithNew, rootDer)) throw new Error("rootCaUpdate.newWithNew: is the current root certificate itself, not a new one");
  if (!(await signedBy(newWithNew, newWithNew))) throw new Error("rootCaUpdate.newWithNew: is not signed by its own key (a new root certificate must be self-signed)");
  if (!(await signedBy(parseCertificate(update.newWithOld), root))) {
    throw new Error("rootCaUpdate.newWithOld: is not signed by the current root key (the last certificate of CA_CERT)");
  }
  if (update.oldWithNew) {
    const oldWithNew = parseCertificate(update.oldWithNew);
    if (!bytesEqual(oldWithNew.spki, root.spki)) throw new Error("rootCaUpdate.oldWithNew: does not certify the current root's public key");
    if (!(await signedBy(oldWithNew, newWithNew))) throw new Error("rootCaUpdate.oldWithNew: is not signed by newWithNew's key");
  }
}

async function signedBy(certificate: ParsedCertificate, issuer: ParsedCertificate): Promise<boolean> {
  try {
    return await verifySignature(issuer.spki, certificate.signatureAlgorithm, certificate.tbs, certificate.signature);
  } catch {
    return false;
  }
}
