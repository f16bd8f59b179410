import type { Certificate } from "@peculiar/asn1-x509";

/**
 * Whom a centrally generated key is encrypted for (RFC 9483 §4.1.6): the
 * holder of the MAC secret that protected the request (password-based,
 * §4.1.6.3), or the holder of the private key of the certificate that
 * signed it (key agreement for EC, §4.1.6.2; key transport for RSA, §4.1.6.1).
 */
export type KeyRecipient =
  | { kind: "password"; secret: Uint8Array }
  | { kind: "certificate"; certificate: Certificate; spki: Uint8Array };
