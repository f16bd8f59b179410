import type { Signer } from "../kms/signer.js";

/**
 * The issuing CA as the engine sees it: a signer, and the CA certificate
 * with its chain. Built once per process by the runtime.
 */
export interface CertificateAuthority {
  signer: Signer;
  /** DER of the CA certificate whose key the signer holds. */
  certificate: Uint8Array;
  /** DER certificates from the CA certificate up to its root, the CA certificate first. */
  chain: Uint8Array[];
}
