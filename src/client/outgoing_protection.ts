import { AsnConvert } from "@peculiar/asn1-schema";
import { Name, type AlgorithmIdentifier } from "@peculiar/asn1-x509";
import { bytesEqual } from "../asn1/bytes.js";
import { parseCertificate } from "../crypto/parsed_certificate.js";
import { checkIterations, MAC_DEFAULT_ITERATIONS, newMacKey } from "./mac_parameters.js";
import type { ProtectionOptions } from "./options.js";

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
}

export function outgoingProtection(options: ProtectionOptions, randomBytes: (length: number) => Uint8Array): OutgoingProtection {
  if ("mac" in options) {
    const { reference, algorithm = "pbm" } = options.mac;
    if (algorithm !== "pbm" && algorithm !== "pbmac1") throw new TypeError(`unknown MAC algorithm "${String(algorithm)}"; use "pbm" or "pbmac1"`);
    if (reference === "") throw new TypeError("the MAC reference must not be empty: the server finds the secret by it");
    const iterations = options.mac.iterations ?? MAC_DEFAULT_ITERATIONS[algorithm];
    checkIterations(iterations);
    const secret = typeof options.mac.secret === "string" ? new TextEncoder().encode(options.mac.secret) : options.mac.secret.slice();
    return {
      kind: "mac",
      senderKID: new TextEncoder().encode(reference).buffer as ArrayBuffer,
      extraCerts: [],
      secret,
      async next() {
        const mac = await newMacKey(algorithm, secret, iterations, randomBytes);
        return { protectionAlg: mac.protectionAlg, protect: (data) => mac.sign(data) };
      },
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
    sender: AsnConvert.parse(parsed.subject, Name),
    senderKID: parsed.subjectKeyId ? (parsed.subjectKeyId.slice().buffer as ArrayBuffer) : undefined,
    extraCerts: certificates.map((der) => der.slice()),
    issuer: AsnConvert.parse(parsed.issuer, Name),
    certificate: certificate.slice(),
    async next() {
      return { protectionAlg: signer.algorithm, protect: (data) => signer.sign(data) };
    },
  };
}
