import { CmpError } from "../asn1/pki_failure_info.js";
import { protectedPart } from "../asn1/pki_message.js";
import type { Profile } from "../config/profile.js";
import { isMacProtection, prepareMac, type MacKey } from "../crypto/mac_protection.js";
import type { DecodedRequest } from "./decode.js";
import { toHex } from "./hex.js";

/**
 * Who sent a request, as established by its protection, and how to
 * protect our answer: a MAC request gets a MAC response with the same
 * secret (RFC 9483 §3.2, DESIGN.md).
 */
export interface Credentials {
  kind: "mac";
  /** The sender reference (senderKID) as text, for logs. */
  reference: string;
  /** Stable identity for keying state: the same sender always maps to the same string. */
  identity: string;
  senderKID: ArrayBuffer;
  mac: MacKey;
}

const utf8 = new TextDecoder("utf-8", { fatal: false });

/**
 * Verify the protection of a request against the profile (RFC 9810 §5.1.3).
 * Failures raise CmpError: badMessageCheck when the check itself fails,
 * signerNotTrusted for an unknown sender, wrongIntegrity for a kind of
 * protection the profile does not accept, badAlg for unsupported algorithms.
 */
export async function verifyProtection(request: DecodedRequest, profile: Profile, maxIterations: number): Promise<Credentials> {
  const { header, protection } = request.message;
  const protectionAlg = header.protectionAlg;
  if (!protectionAlg || !protection) {
    throw new CmpError("badMessageCheck", "the request is not protected; this endpoint requires MAC protection");
  }
  if (!isMacProtection(protectionAlg)) {
    throw new CmpError("wrongIntegrity", `profile "${profile.name}" accepts only MAC-based protection (PasswordBasedMac or PBMAC1)`);
  }
  const senderKID = header.senderKID;
  if (!senderKID || senderKID.byteLength === 0) {
    throw new CmpError("badMessageCheck", "a MAC-protected request must name its secret in senderKID (the reference, -ref)");
  }
  const reference = utf8.decode(senderKID);
  const secret = profile.macSecrets.get(reference);
  if (!secret) {
    throw new CmpError("signerNotTrusted", `unknown sender reference "${printable(reference)}"`);
  }
  const mac = await prepareMac(protectionAlg, secret, maxIterations);
  const valid = await mac.verify(protectedPart(request.headerDer, request.bodyDer), new Uint8Array(protection));
  if (!valid) {
    throw new CmpError("badMessageCheck", "MAC verification failed: wrong secret for this reference, or the message was altered");
  }
  return { kind: "mac", reference, identity: `mac-${toHex(senderKID)}`, senderKID, mac };
}

/** A reference for logs and error texts: printable ASCII, bounded. */
export function printable(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, "?").slice(0, 64);
}
