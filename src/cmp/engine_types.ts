import type { JellyfishConfig, Profile } from "../config/profile.js";
import type { CertificateAuthority } from "../ca/authority.js";
import type { Store } from "../store/store.js";
import type { CmpSigner } from "./cmp_signer.js";
import type { KeyPackageSigner } from "../cms/signed_key_package.js";
import type { SecretSealer } from "../crypto/sealed_secret.js";

/** Everything the engine needs, passed in so it knows no platform (DESIGN.md). */
export interface EngineContext {
  config: JellyfishConfig;
  ca: CertificateAuthority;
  store: Store;
  /** The current time; tests pass their own clock. */
  now(): Date;
  /** Cryptographically secure random bytes. */
  randomBytes(length: number): Uint8Array;
  /** Dedicated signers of signed responses, by profile name (Profile.responseSigner); others use the CA. */
  responseSigners?: ReadonlyMap<string, CmpSigner>;
  /** Key generation authorities that sign centrally generated keys, by profile name (CentralKeyGeneration.signer); others use the CA. */
  keyGenerationSigners?: ReadonlyMap<string, KeyPackageSigner>;
  /** Opens sealed enrollment codes (client-mode profiles); from the ENROLLMENT_CODE_KEY secret. */
  sealer?: SecretSealer;
  /** Operational warnings (not the per-message line, which the caller writes). */
  warn(message: string, fields?: Record<string, unknown>): void;
}

/**
 * What the engine answers. httpStatus is 200 for every CMP answer, errors
 * included, and 400 only when the body was not a PKIMessage at all
 * (RFC 9811 §3.4; the OpenSSL client never reads a 4xx body anyway).
 */
export interface CmpAnswer {
  httpStatus: 200 | 400;
  body: Uint8Array;
  log: CmpLogEntry;
}

/** The facts of one CMP exchange, logged as one JSON line. Never a secret. */
export interface CmpLogEntry {
  profile: string;
  transactionID?: string;
  bodyType?: string;
  sender?: string;
  senderKID?: string;
  /** "accepted", "rejected", "error" ... what we answered. */
  outcome: string;
  responseType?: string;
  failInfo?: string[];
  reason?: string;
  serial?: string;
  /** Central key generation (RFC 9483 §4.1.6): the type of the key the server generated (never the key). */
  generatedKeyType?: string;
  /** A nested request (RFC 9483 §5.2.2): each inner message's entry, in order. */
  nested?: CmpLogEntry[];
}

export type { Profile };
