import type { AlgorithmIdentifier } from "@peculiar/asn1-x509";
import { bytesEqual } from "../asn1/bytes.js";
import { BoundedCache, bytesKey } from "../crypto/bounded_cache.js";
import { CmpError } from "../asn1/pki_failure_info.js";
import { protectedPart } from "../asn1/pki_message.js";
import { prepareTrustAnchors, validateCertificatePath, type TrustAnchors } from "../crypto/cert_path.js";
import { isMacProtection, prepareMac, type MacKey } from "../crypto/mac_protection.js";
import { parseCertificate } from "../crypto/parsed_certificate.js";
import { verifySignature } from "../crypto/signature.js";
import type { DecodedRequest } from "../cmp/decode.js";
import { CmpClientError } from "./errors.js";
import { senderNameDer, taggedFieldDer } from "../asn1/header_fields.js";
import { MAC_MAX_ITERATIONS } from "./mac_parameters.js";
import type { TrustOptions } from "./options.js";

/** What a response's protection is checked against. */
export interface ResponseTrust {
  /** Our shared secret, when we use MAC protection. */
  secret?: Uint8Array;
  /** Anchors for signed responses; with `pinned`, the one certificate that may sign them. */
  anchors?: TrustAnchors;
  pinned?: Uint8Array;
  now: () => Date;
  /** The key of one of our own messages with this protectionAlg (DER), if any (see OutgoingProtection.sentMacKey). */
  sentMacKey?: (protectionAlgDer: Uint8Array) => MacKey | undefined;
  /**
   * Keys already derived for responses, by their protectionAlg (DER). A
   * server may answer under a salt of its own that it keeps for a while
   * (Jellyfish does: answerKey in src/crypto/mac_protection.ts); the key
   * follows from our secret and those parameters alone, so it is derived
   * once (500-1 000 rounds of PBM, ~0.5 ms) instead of once per response.
   */
  answerMacKeys?: BoundedCache<string, Promise<MacKey>>;
}

/** How many response MAC keys a client keeps: a server's answer salts in the last while. */
const ANSWER_MAC_KEYS = 16;

export function responseTrust(
  trust: TrustOptions | undefined,
  secret: Uint8Array | undefined,
  now: () => Date,
  sentMacKey?: ResponseTrust["sentMacKey"],
): ResponseTrust {
  const answerMacKeys = secret ? new BoundedCache<string, Promise<MacKey>>(ANSWER_MAC_KEYS) : undefined;
  if (!trust) return { secret, now, sentMacKey, answerMacKeys };
  if ("pinned" in trust) return { secret, anchors: prepareTrustAnchors([trust.pinned]), pinned: trust.pinned.slice(), now, sentMacKey, answerMacKeys };
  if (trust.anchors.length === 0) throw new TypeError("trust.anchors is empty: no signed response could ever be trusted");
  return { secret, anchors: prepareTrustAnchors(trust.anchors), now, sentMacKey, answerMacKeys };
}

/** The key for a response's MAC, derived once per protectionAlg (a failed derivation is not kept). */
function answerMacKey(trust: ResponseTrust, protectionAlg: AlgorithmIdentifier, der: Uint8Array | undefined): Promise<MacKey> {
  const derive = () => prepareMac(protectionAlg, trust.secret!, MAC_MAX_ITERATIONS);
  if (!der || !trust.answerMacKeys) return derive();
  const id = bytesKey(der);
  let key = trust.answerMacKeys.get(id);
  if (!key) {
    key = derive();
    trust.answerMacKeys.set(id, key);
    key.catch(() => trust.answerMacKeys!.delete(id));
  }
  return key;
}

/**
 * Verify a response's protection (RFC 9810 §5.1.3) by its own protectionAlg,
 * as OpenSSL does: a MAC with our secret and the response's parameters
 * (§5.1.3.1), or a signature by a certificate we trust (§5.1.3.3) whose
 * subject is the sender and whose subjectKeyIdentifier is the senderKID
 * (RFC 9483 §3.1). With anchors, the protection certificate is the first of
 * extraCerts (RFC 9483 §3.3) and the rest may complete its path; with a
 * pinned certificate, that certificate. A response without protection is
 * refused, error messages included, as OpenSSL does unless given
 * -unprotected_errors: anyone on the path can forge an unprotected error, so
 * it cannot count as the server's refusal (the caller still gets its text).
 * Every failure is a CmpClientError of kind "protection".
 */
export async function verifyResponseProtection(response: DecodedRequest, trust: ResponseTrust): Promise<void> {
  const { header, protection } = response.message;
  const protectionAlg = header.protectionAlg;
  if (!protectionAlg || !protection) throw refused("the response is not protected");
  const part = protectedPart(response.headerDer, response.bodyDer);
  const bits = new Uint8Array(protection);
  try {
    if (isMacProtection(protectionAlg)) {
      if (!trust.secret) throw refused("the response is MAC-protected, but we hold no shared secret");
      const sentAlgorithm = taggedFieldDer(response.headerDer, 1);
      const mac = (sentAlgorithm && trust.sentMacKey?.(sentAlgorithm)) ?? (await answerMacKey(trust, protectionAlg, sentAlgorithm));
      if (!(await mac.verify(part, bits))) throw refused("the response's MAC does not verify with our secret: altered, or not from the server that knows it");
      return;
    }
    if (!trust.anchors) throw refused("the response is signed, but no trust (anchors or pinned certificate) is configured");
    const [first, ...intermediates] = response.extraCertsDer;
    const certificate = trust.pinned ?? first;
    if (!certificate) throw refused("the signed response carries no protection certificate in extraCerts (RFC 9483 §3.3)");
    await validateCertificatePath({ certificate, intermediates, anchors: trust.anchors, now: trust.now() });
    const signerCertificate = parseCertificate(certificate);
    const sender = senderNameDer(response.headerDer);
    if (!sender || !bytesEqual(sender, signerCertificate.subject)) {
      throw refused(`the sender is not the subject of the protection certificate ${signerCertificate.label}`);
    }
    if (header.senderKID) {
      const ski = signerCertificate.subjectKeyId;
      if (!ski || !bytesEqual(ski, new Uint8Array(header.senderKID))) {
        throw refused(`senderKID is not the subjectKeyIdentifier of the protection certificate ${signerCertificate.label}`);
      }
    }
    if (!(await verifySignature(signerCertificate.spki, protectionAlg, part, bits, { reuseKey: true }))) {
      throw refused(`the signature does not verify with the key of ${signerCertificate.label}: altered, or signed by another key`);
    }
  } catch (error) {
    if (error instanceof CmpClientError) throw error;
    // Path validation and the algorithm registry speak CmpError (signerNotTrusted, badAlg, ...).
    if (error instanceof CmpError) throw refused(`${error.message} (${error.failInfo.join(", ")})`, error);
    throw error;
  }
}

function refused(reason: string, cause?: unknown): CmpClientError {
  return new CmpClientError("protection", `response refused: ${reason}`, { cause });
}
