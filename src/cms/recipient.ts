import type { Certificate } from "@peculiar/asn1-x509";

/**
 * Whom a centrally generated key is encrypted for (RFC 9483 §4.1.6): the
 * holder of the MAC secret that protected the request (password-based,
 * §4.1.6.3), or the holder of the private key of the certificate that
 * signed it (key agreement for EC, §4.1.6.2; key transport for RSA, §4.1.6.1).
 */
export type KeyRecipient =
  | {
      kind: "password";
      secret: Uint8Array;
      /**
       * How the PBKDF2-derived KEK wraps the content-encryption key:
       * "aesKeyWrap", AES-256 key wrap as RFC 9483 §4.1.6.3 and RFC 9481
       * §4.3 say (KM_KW_ALG); "pwriKek", RFC 3211's id-alg-PWRI-KEK, the
       * only one OpenSSL's CMS reads.
       */
      keyWrap: "aesKeyWrap" | "pwriKek";
    }
  | { kind: "certificate"; certificate: Certificate; spki: Uint8Array };
