import type { AlgorithmIdentifier } from "@peculiar/asn1-x509";

/**
 * The one thing the CA needs from a key: sign bytes. Keys never leave the
 * KMS, so the certificate builder only ever sees this interface
 * (DESIGN.md, "Keys never leave the KMS").
 */
export interface Signer {
  /** The X.509 signatureAlgorithm this signer produces, e.g. ecdsa-with-SHA256. */
  readonly algorithm: AlgorithmIdentifier;
  /** The DER SubjectPublicKeyInfo of the signing key. */
  readonly publicKey: Uint8Array;
  /**
   * Sign `data` (the whole to-be-signed encoding; the signer hashes it) and
   * return the signature as X.509 carries it: DER ECDSA-Sig-Value for ECDSA,
   * the raw octets for RSA and Ed25519.
   */
  sign(data: Uint8Array): Promise<Uint8Array>;
  /**
   * Resolves when the key can be used now, else throws SignerError: for the
   * health check (src/runtime/health_checks.ts), which must not sign to find
   * out. Absent for a key held in memory, which always can be.
   */
  probe?(): Promise<void>;
}

/**
 * A signing failure. `transient` failures (timeouts, throttling, the service
 * unavailable) may succeed later; permanent ones (wrong key, access denied)
 * will not.
 */
export class SignerError extends Error {
  readonly transient: boolean;
  constructor(message: string, transient: boolean, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "SignerError";
    this.transient = transient;
  }
}
