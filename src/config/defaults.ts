import { DEFAULT_MAX_DEPTH, DEFAULT_MAX_SIGNATURE_CHECKS } from "../crypto/cert_path.js";
import { DEFAULT_RSA_MAX_MODULUS_BITS } from "../crypto/rsa_key.js";
import { DEFAULT_DER_LIMITS } from "../asn1/der_scan.js";
import type { KeyUsageName, Limits } from "./profile.js";

/**
 * The embedded defaults: what `npm start` serves with no configuration, and
 * what every omitted field falls back to.
 */
export const DEFAULT_LIMITS: Limits = {
  // openssl cmp sends well under 10 KiB; 64 KiB leaves room for long chains in extraCerts.
  maxRequestBytes: 64 * 1024,
  messageTimeToleranceSeconds: 300,
  // SHA-256 iterations; heavier hashes get fewer (src/crypto/iteration_count.ts).
  // 10 000 costs about 5.5 ms of PBM rounds, which leaves a Worker on the
  // free plan (10 ms of CPU a request) room for the rest of a MAC request;
  // openssl cmp sends 500, Bouncy Castle 1000, EJBCA 1024.
  macMaxIterations: 10_000,
  // Long enough for a certConf after a slow client, and at least twice the
  // messageTime tolerance so a replayed request always finds its transaction.
  transactionTtlSeconds: 3600,
  // The worst case of these together is measured by `npm run fuzz` and
  // stated in docs/limits.md: what one request can cost before it is trusted.
  derMaxDepth: DEFAULT_DER_LIMITS.maxDepth,
  // Header and body; the schema parse costs 5-15 µs an element (docs/limits.md).
  derMaxElements: 1024,
  oidMaxArcs: DEFAULT_DER_LIMITS.oidMaxArcs,
  oidMaxBytes: DEFAULT_DER_LIMITS.oidMaxBytes,
  // A protection certificate, its chain and a few more (RFC 9483 §3.3).
  extraCertsMaxCount: 10,
  extraCertsMaxBytes: 32 * 1024,
  pathMaxIntermediates: DEFAULT_MAX_DEPTH,
  pathMaxSignatureChecks: DEFAULT_MAX_SIGNATURE_CHECKS,
  rsaMaxModulusBits: DEFAULT_RSA_MAX_MODULUS_BITS,
  // openssl cmp sends its few KiB at once; a body still arriving after 10 s
  // is a slow-body attack holding a connection (and a Worker) open.
  bodyReadTimeoutSeconds: 10,
};

export const DEFAULT_PROFILE_NAME = "default";

export const DEFAULT_CERTIFICATE = {
  validityDays: 365,
  backdateSeconds: 60,
  // Each certificate gets the bits its key can have (src/ca/key_usage.ts): RSA both, EC and Ed25519 digitalSignature alone.
  keyUsage: ["digitalSignature", "keyEncipherment"] as KeyUsageName[],
  extendedKeyUsage: ["clientAuth", "serverAuth"],
};

/** The body types served when a profile does not list its own: the whole certificate lifecycle, and genm's support messages (RFC 9483 §4.3). */
export const DEFAULT_BODY_TYPES = ["ir", "cr", "kur", "p10cr", "rr", "genm", "certConf", "pollReq", "error", "nested"];

/** extendedKeyUsage purposes by name (RFC 5280 §4.2.1.12, RFC 9483 §4.1.1). */
export const EXTENDED_KEY_USAGE: Record<string, string> = {
  serverAuth: "1.3.6.1.5.5.7.3.1",
  clientAuth: "1.3.6.1.5.5.7.3.2",
  codeSigning: "1.3.6.1.5.5.7.3.3",
  emailProtection: "1.3.6.1.5.5.7.3.4",
  timeStamping: "1.3.6.1.5.5.7.3.8",
  OCSPSigning: "1.3.6.1.5.5.7.3.9",
  cmcCA: "1.3.6.1.5.5.7.3.27",
  cmcRA: "1.3.6.1.5.5.7.3.28",
  cmKGA: "1.3.6.1.5.5.7.3.32",
};
