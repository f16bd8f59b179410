/**
 * A profile is one CMP endpoint's policy: who may authenticate how, and what
 * certificate they may get. It is served at /.well-known/cmp/p/<name>
 * (RFC 9811 §3.3); the default profile also at /.well-known/cmp.
 *
 * This is the validated, in-memory shape; src/config/load.ts builds it from
 * JSON and secret bindings and names the field of any error.
 */
export interface Profile {
  name: string;
  /** Shared MAC secrets by sender reference (the senderKID, RFC 9483 §3.1). */
  macSecrets: ReadonlyMap<string, Uint8Array>;
  /**
   * What the issued certificates look like: the certificate profile in
   * effect. As loaded, the default one; for a request that names another in
   * its PKIHeader generalInfo (id-it-certProfile, RFC 9810 §5.1.1.4, RFC 9483
   * §3.1), that one (src/cmp/cert_profile.ts).
   */
  certificate: CertificateProfile;
  /** The name of `certificate`: what a request's certProfile names to get it. */
  certificateProfile: string;
  /** Every certificate profile this CMP profile offers, by name; the default one among them. */
  certificateProfiles: ReadonlyMap<string, CertificateProfile>;
  /** Grant implicitConfirm when a request asks for it (RFC 9810 §5.1.1.1). */
  implicitConfirm: boolean;
  /** PKIBody types this profile serves (by their RFC 9810 name: "ir", "certConf", ...). */
  bodyTypes: ReadonlySet<string>;
  /** Who may authenticate with a signature (RFC 9483 §3.2). */
  signatureTrust: SignatureTrust;
  /** Senders trusted as a registration authority: raVerified POP, revoking others' certificates. */
  registrationAuthority: RegistrationAuthorityTrust;
  /**
   * How answers are protected: "mirror" answers MAC with MAC and signature
   * with signature; "signature" signs every answer (RFC 9483 §3.2 allows a
   * signed response to a MAC-protected request).
   */
  responseProtection: "mirror" | "signature";
  /**
   * A dedicated CMP signer for this profile's signed answers, PEM, resolved
   * from bindings; absent: the CA key and certificate sign them.
   */
  responseSigner?: { keyPem: string; certificatesPem: string };
  keyUpdate: KeyUpdatePolicy;
  /**
   * "ra": an authenticated sender (an RA, or a device it vouches for) names
   * the subject; "client": every enrollment must match a registered end entity
   * (EJBCA's RA and client modes).
   */
  mode: "ra" | "client";
  /**
   * One MAC secret for any senderKID (EJBCA's HMAC module with a fixed
   * parameter), as opposed to per-reference secrets. Its holder is an RA.
   */
  macSecret?: Uint8Array;
  /** Client mode: MAC requests may authenticate with the end entity's one-time enrollment code. */
  enrollmentCodes: boolean;
  /** How the end entity's username is found (EJBCA's "Extract Username Component"). */
  username: UsernameSource;
  /** Further URL paths that serve this profile, e.g. "/ejbca/publicweb/cmp/opensslra". */
  paths: readonly string[];
  /** Which requests wait for an operator's approval (RFC 9810 §5.3.22 polling meanwhile). */
  approval: ApprovalPolicy;
  /** How a transient signing failure turns into waiting (RFC 9810 §5.2.3 waiting) and when it gives up. */
  signerRetry: { maxAttempts: number; checkAfterSeconds: number };
  /** confirmWaitTime (RFC 9810 §5.1.1.2): how long a certificate may stay unconfirmed, and what then. */
  confirmation: { waitSeconds: number; revokeUnconfirmed: boolean };
  /** Key pairs the server may generate for a requester (RFC 9483 §4.1.6); no keyTypes: refused. */
  centralKeyGeneration: CentralKeyGeneration;
}

/**
 * Central key generation (RFC 9483 §4.1.6, src/cmp/central_key_generation.ts):
 * the key types the server generates, the one it picks when the template
 * names none, and the RSA modulus size. Empty keyTypes (the default): refused.
 */
export interface CentralKeyGeneration {
  keyTypes: ReadonlySet<KeyType>;
  defaultKeyType?: KeyType;
  rsaBits: number;
  /**
   * The key generation authority that signs key packages, PEM, resolved from
   * bindings: a certificate with id-kp-cmKGA (RFC 9483 §4.1.6; OpenSSL's
   * client insists on it for the signer), then its chain. Absent: the CA signs.
   */
  signer?: { keyPem: string; certificatesPem: string };
}

export interface ApprovalPolicy {
  /** Certificate requests: "none": issue at once; "all": hold every request; "outsideDnsNames": hold those with a dNSName outside dnsNames. */
  hold: "none" | "all" | "outsideDnsNames";
  dnsNames: readonly string[];
  /**
   * rr (RFC 9483 §4.4 delayed delivery): "none": revoke at once; "all": hold
   * every rr; "registrationAuthority": hold those an RA sends for a
   * certificate that is not its own.
   */
  revocations: "none" | "all" | "registrationAuthority";
  /** genm: "none": answer at once; "all": hold every genm until an operator releases it. */
  generalMessages: "none" | "all";
  /** The checkAfter of pollRep while a request waits. */
  checkAfterSeconds: number;
  /** A request not decided within this time expires. */
  pendingTtlSeconds: number;
}

/**
 * "senderKID": the MAC reference (or a signer's key identifier as hex);
 * otherwise the short name of a DN attribute of the requested subject
 * ("CN", "UID", "serialNumber", ...), its first value.
 */
export type UsernameSource = { from: "senderKID" } | { from: "subject"; attribute: string };

export interface SignatureTrust {
  /** Certificates this CA issued authenticate their holders (and are checked against our revocation records). */
  thisCa: boolean;
  /** Further trust anchors (DER), e.g. the CA of a factory's device certificates. */
  anchors: readonly Uint8Array[];
}

export interface RegistrationAuthorityTrust {
  /** MAC sender references that act as an RA. */
  macReferences: ReadonlySet<string>;
  /** Certificates chaining to these anchors (DER) act as an RA. */
  anchors: readonly Uint8Array[];
}

export type KeyType = "RSA" | "P-256" | "P-384" | "P-521" | "Ed25519";

export type SubjectAltNameKind = "dNSName" | "iPAddress" | "rfc822Name" | "uniformResourceIdentifier";

export interface KeyUpdatePolicy {
  /** Let kur certify the key of the certificate being updated again (RFC 9483 §4.1.3 expects a new key). */
  allowKeyReuse: boolean;
  /** Revoke the updated certificate (reason superseded) once its successor is confirmed. */
  revokeOldCertificate: boolean;
}

export type KeyUsageName =
  | "digitalSignature"
  | "nonRepudiation"
  | "keyEncipherment"
  | "dataEncipherment"
  | "keyAgreement"
  | "keyCertSign"
  | "cRLSign"
  | "encipherOnly"
  | "decipherOnly";

export interface CertificateProfile {
  /** Key types that may be certified; RSA keys need at least rsaMinBits. */
  keyTypes: ReadonlySet<KeyType>;
  rsaMinBits: number;
  /** Subject rules: DN attributes (short names) that must be / may be present; empty `allowed` means any. */
  subject: { required: readonly string[]; allowed: readonly string[] };
  /**
   * SubjectAltName rules: GeneralName kinds allowed (empty: any), and DNS
   * names that dNSName entries must match ("example.com", "*.example.com";
   * empty: any).
   */
  subjectAltName: { allowed: readonly SubjectAltNameKind[]; dnsNames: readonly string[] };
  /** certificatePolicies OIDs (RFC 5280 §4.2.1.4); empty: none. */
  policies: readonly string[];
  /**
   * cRLDistributionPoints URIs (RFC 5280 §4.2.1.13); empty: none; absent:
   * the deployment's CRL URL when publication.baseUrl is set.
   */
  crlDistributionPoints?: readonly string[];
  /**
   * authorityInfoAccess (RFC 5280 §4.2.2.1): CA issuers and OCSP URIs; empty:
   * none; absent: the deployment's OCSP and CA certificate URLs when
   * publication.baseUrl is set.
   */
  authorityInfoAccess?: { caIssuers: readonly string[]; ocsp: readonly string[] };
  /** Lifetime of issued certificates, in seconds. */
  validitySeconds: number;
  /** Back-date notBefore by this many seconds to absorb client clock skew. */
  backdateSeconds: number;
  /** The keyUsage bits issued; a certificate gets those its key can have (src/ca/key_usage.ts). Empty: no keyUsage extension. */
  keyUsage: readonly KeyUsageName[];
  /**
   * EJBCA's "Allow Key Usage Override": a template (or CSR) that asks for
   * keyUsage gets those bits instead of `keyUsage`, less those its key
   * cannot have. Off by default: the profile decides.
   */
  keyUsageOverride: boolean;
  /** Dotted OIDs of extendedKeyUsage purposes; empty means no EKU extension. */
  extendedKeyUsage: readonly string[];
}

/** Limits that hold for the whole endpoint. */
export interface Limits {
  /** Largest request body accepted, in bytes (HTTP 413 above it). */
  maxRequestBytes: number;
  /** Accepted |messageTime - now| in seconds; 0 turns the check off. */
  messageTimeToleranceSeconds: number;
  /** Upper bound on PBM / PBMAC1 iteration counts (RFC 9481 §6.1; the Workers PBKDF2 limit is 100 000). */
  macMaxIterations: number;
  /** How long a transaction's state lives; its transactionID cannot be reused meanwhile. */
  transactionTtlSeconds: number;
  /** Deepest nesting of DER elements in a request (src/asn1/der_scan.ts). */
  derMaxDepth: number;
  /** Most DER elements in a request, extraCerts included. */
  derMaxElements: number;
  /** Most arcs, and most content bytes, of one OBJECT IDENTIFIER. */
  oidMaxArcs: number;
  oidMaxBytes: number;
  /** Most certificates in a request's extraCerts, and their most bytes together. */
  extraCertsMaxCount: number;
  extraCertsMaxBytes: number;
  /** Most intermediate CA certificates between a protection certificate and its trust anchor. */
  pathMaxIntermediates: number;
  /** Most signature checks one certification path search may make (RFC 5280 §6.1, src/crypto/cert_path.ts). */
  pathMaxSignatureChecks: number;
  /** Largest RSA modulus, in bits, of a key whose signature is verified (protection, POP, certificates). */
  rsaMaxModulusBits: number;
  /** Time to receive a request's whole body, in seconds (HTTP 408 after it). */
  bodyReadTimeoutSeconds: number;
}

/**
 * Where relying parties learn about revocations (RFC 5280 §4.2.1.13,
 * §4.2.2.1, §5; RFC 6960): the URLs written into certificates and how long
 * what is served there stays valid.
 */
export interface Publication {
  /**
   * The deployment's public origin, no trailing slash. Set, every profile's
   * certificates carry cRLDistributionPoints and authorityInfoAccess (OCSP,
   * caIssuers) under it unless the profile names its own.
   */
  baseUrl?: string;
  /** nextUpdate = thisUpdate + validitySeconds; a CRL is renewed once fewer than refreshSeconds remain. */
  crl: { validitySeconds: number; refreshSeconds: number };
  /**
   * nextUpdate of OCSP responses; responder: a delegated OCSP signing key and
   * certificate (id-kp-OCSPSigning, RFC 6960 §4.2.2.2) so answering needs no
   * KMS call; absent, the CA key signs.
   */
  ocsp: { validitySeconds: number; responder?: { keyPem: string; certificatesPem: string } };
}

/**
 * A root CA key rollover announced to clients that ask (genm
 * id-it-rootCaCert, RFC 9810 §5.3.19.15, RFC 9483 §4.3.2): the new root
 * self-signed, the new root's key certified by the current root, and
 * (optionally) the current root's key certified by the new one. DER.
 */
export interface RootCaUpdate {
  newWithNew: Uint8Array;
  newWithOld: Uint8Array;
  oldWithNew?: Uint8Array;
}

export interface JellyfishConfig {
  profiles: ReadonlyMap<string, Profile>;
  publication: Publication;
  /** The root rollover answered to id-it-rootCaCert; absent: none (the answer carries no value). */
  rootCaUpdate?: RootCaUpdate;
  /** The profile served at /.well-known/cmp. */
  defaultProfile: string;
  limits: Limits;
}
