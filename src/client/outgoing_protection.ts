import { Name, type AlgorithmIdentifier } from "@peculiar/asn1-x509";
import { bytesEqual } from "../asn1/bytes.js";
import { parseCertificate } from "../crypto/parsed_certificate.js";
import { BoundedCache, bytesKey } from "../crypto/bounded_cache.js";
import type { MacKey } from "../crypto/mac_protection.js";
import { derOf } from "../asn1/der_of.js";
import { checkIterations, MAC_DEFAULT_ITERATIONS, newMacKey } from "./mac_parameters.js";
import type { ProtectionOptions } from "./options.js";
import { serializeDer } from "../asn1/serialize_der.js";
import { decodeDer } from "../asn1/codec/der_decoder.js";

/** How one outgoing message is protected: its protectionAlg and the PKIProtection bits over ProtectedPart. */
export interface MessageProtection {
  protectionAlg: AlgorithmIdentifier;
  protect(protectedPart: Uint8Array): Promise<Uint8Array>;
}

/**
 * Our credentials as they shape every request (RFC 9483 §3.1-3.3): the
 * protection, senderKID, who we say we are, and the extraCerts we send.
 */
export interface OutgoingProtection {
  kind: "mac" | "signature";
  /** Signature: the protection certificate's subject, which the sender must be (RFC 9483 §3.1). */
  sender?: Name;
  /** MAC: the reference (RFC 9483 §3.1); signature: the certificate's subjectKeyIdentifier, if it has one. */
  senderKID?: ArrayBuffer;
  /** Signature: the protection certificate and its chain (RFC 9483 §3.3). */
  extraCerts: readonly Uint8Array[];
  /** Signature: the issuer of our certificate, the natural recipient (OpenSSL's default too). */
  issuer?: Name;
  /** Signature: the protection certificate (DER), which kur updates and rr may revoke by default. */
  certificate?: Uint8Array;
  /** MAC: the shared secret, also the key to the server's MAC-protected answers. */
  secret?: Uint8Array;
  /** A fresh protection for one message (MAC: a new salt each time). */
  next(): Promise<MessageProtection>;
  /**
   * MAC: the key of one of our recent messages whose protectionAlg (DER) is
   * this one. A server that answers with our own parameters (Jellyfish
   * does, RFC 9483 §3.2 lets it) is checked without deriving the key again.
   */
  sentMacKey?(protectionAlgDer: Uint8Array): MacKey | undefined;
}

/** protectionAlg as DER, encoded once per object (the request and the key cache both need it). */
export function protectionAlgDer(algorithm: AlgorithmIdentifier): Uint8Array {
  return derOf(algorithm, (value) => serializeDer(value));
}

/** How many of our recent MAC keys are kept to check answers with: more than the messages a client has in flight. */
const SENT_MAC_KEYS = 64;

export function outgoingProtection(options: ProtectionOptions, randomBytes: (length: number) => Uint8Array): OutgoingProtection {
  if ("mac" in options) {
    const { reference, algorithm = "pbm" } = options.mac;
    if (algorithm !== "pbm" && algorithm !== "pbmac1") throw new TypeError(`unknown MAC algorithm "${String(algorithm)}"; use "pbm" or "pbmac1"`);
    if (reference === "") throw new TypeError("the MAC reference must not be empty: the server finds the secret by it");
    const iterations = options.mac.iterations ?? MAC_DEFAULT_ITERATIONS[algorithm];
    checkIterations(iterations);
    const secret = typeof options.mac.secret === "string" ? new TextEncoder().encode(options.mac.secret) : options.mac.secret.slice();
    const sent = new BoundedCache<string, MacKey>(SENT_MAC_KEYS);
    return {
      kind: "mac",
      senderKID: new TextEncoder().encode(reference).buffer as ArrayBuffer,
      extraCerts: [],
      secret,
      async next() {
        const mac = await newMacKey(algorithm, secret, iterations, randomBytes);
        sent.set(bytesKey(protectionAlgDer(mac.protectionAlg)), mac);
        return { protectionAlg: mac.protectionAlg, protect: (data) => mac.sign(data) };
      },
      sentMacKey: (der) => sent.get(bytesKey(der)),
    };
  }
  const { signer, certificates } = options.signature;
  const [certificate] = certificates;
  if (!certificate) throw new TypeError("signature protection needs the protection certificate (certificates[0])");
  const parsed = parseCertificate(certificate);
  // A key that does not match its certificate would only earn badMessageCheck from the server.
  if (!bytesEqual(parsed.spki, signer.publicKey)) throw new TypeError("the signer's public key is not the key of certificates[0]");
  return {
    kind: "signature",
    sender: decodeDer(parsed.subject, Name),
    senderKID: parsed.subjectKeyId ? (parsed.subjectKeyId.slice().buffer as ArrayBuffer) : undefined,
    extraCerts: certificates.map((der) => der.slice()),
    issuer: decodeDer(parsed.issuer, Name),
    certificate: certificate.slice(),
    async next() {
      return { protectionAlg: signer.algorithm, protect: (data) => signer.sign(data) };
    },
  };
}
