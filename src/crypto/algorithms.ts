import { parseDer } from "../asn1/parse_der.js";
import { AlgorithmIdentifier } from "@peculiar/asn1-x509";
import { RsaSaPssParams } from "../asn1/rsa.js";
import { CmpError } from "../asn1/pki_failure_info.js";
import { id_PasswordBasedMac } from "../asn1/pbm.js";
import { id_PBES2, id_PBKDF2, id_PBMAC1, id_hmacWithSHA1 } from "../asn1/pbmac1.js";

/**
 * The algorithm registry: which OIDs Jellyfish knows, which of them it
 * accepts, and how each maps to WebCrypto. RFC 9481 lists the algorithms
 * CMP uses; WebCrypto (the same in workerd, Node and Lambda) decides which
 * of them we can run. Anything known but not runnable or not safe is
 * refused with CmpError badAlg and a reason the client can read.
 */
export const OID = {
  // Hash functions (RFC 9481 §2; RFC 3279 §2.1 for SHA-1 and MD5).
  md5: "1.2.840.113549.2.5",
  sha1: "1.3.14.3.2.26",
  sha224: "2.16.840.1.101.3.4.2.4",
  sha256: "2.16.840.1.101.3.4.2.1",
  sha384: "2.16.840.1.101.3.4.2.2",
  sha512: "2.16.840.1.101.3.4.2.3",
  shake128: "2.16.840.1.101.3.4.2.11",
  shake256: "2.16.840.1.101.3.4.2.12",

  // MAC algorithms (RFC 9481 §6.2; HMAC-SHA1 of RFC 4211 §4.4 / RFC 2404).
  hmacMd5: "1.3.6.1.5.5.8.1.1",
  hmacSha1: "1.3.6.1.5.5.8.1.2",
  hmacWithSHA1: id_hmacWithSHA1,
  hmacWithSHA224: "1.2.840.113549.2.8",
  hmacWithSHA256: "1.2.840.113549.2.9",
  hmacWithSHA384: "1.2.840.113549.2.10",
  hmacWithSHA512: "1.2.840.113549.2.11",
  hmacWithSHA3_224: "2.16.840.1.101.3.4.2.13",
  hmacWithSHA3_256: "2.16.840.1.101.3.4.2.14",
  hmacWithSHA3_384: "2.16.840.1.101.3.4.2.15",
  hmacWithSHA3_512: "2.16.840.1.101.3.4.2.16",
  kmacWithShake128: "2.16.840.1.101.3.4.2.19",
  kmacWithShake256: "2.16.840.1.101.3.4.2.20",
  // AES-GMAC (RFC 9044 §3.3, RFC 9481 §6.2).
  aes128Gmac: "2.16.840.1.101.3.4.1.9",
  aes192Gmac: "2.16.840.1.101.3.4.1.29",
  aes256Gmac: "2.16.840.1.101.3.4.1.49",
  // Diffie-Hellman based MAC (RFC 9810 §5.1.3.2).
  dhBasedMac: "1.2.840.113533.7.66.30",

  // Password-based MACs (RFC 9481 §6.1) and PBKDF2 (RFC 9481 §4.4.1).
  passwordBasedMac: id_PasswordBasedMac,
  pbmac1: id_PBMAC1,
  pbkdf2: id_PBKDF2,
  pbes2: id_PBES2,

  // Public keys (RFC 3279, RFC 4055, RFC 5480, RFC 8410).
  rsaEncryption: "1.2.840.113549.1.1.1",
  ecPublicKey: "1.2.840.10045.2.1",
  secp256r1: "1.2.840.10045.3.1.7",
  secp384r1: "1.3.132.0.34",
  secp521r1: "1.3.132.0.35",

  // Signature algorithms (RFC 9481 §3).
  md5WithRSAEncryption: "1.2.840.113549.1.1.4",
  sha1WithRSAEncryption: "1.2.840.113549.1.1.5",
  sha224WithRSAEncryption: "1.2.840.113549.1.1.14",
  sha256WithRSAEncryption: "1.2.840.113549.1.1.11",
  sha384WithRSAEncryption: "1.2.840.113549.1.1.12",
  sha512WithRSAEncryption: "1.2.840.113549.1.1.13",
  rsassaPss: "1.2.840.113549.1.1.10",
  mgf1: "1.2.840.113549.1.1.8",
  rsassaPssShake128: "1.3.6.1.5.5.7.6.30",
  rsassaPssShake256: "1.3.6.1.5.5.7.6.31",
  ecdsaWithSHA1: "1.2.840.10045.4.1",
  ecdsaWithSHA224: "1.2.840.10045.4.3.1",
  ecdsaWithSHA256: "1.2.840.10045.4.3.2",
  ecdsaWithSHA384: "1.2.840.10045.4.3.3",
  ecdsaWithSHA512: "1.2.840.10045.4.3.4",
  ecdsaWithShake128: "1.3.6.1.5.5.7.6.32",
  ecdsaWithShake256: "1.3.6.1.5.5.7.6.33",
  ed25519: "1.3.101.112",
  ed448: "1.3.101.113",
} as const;

// ---------------------------------------------------------------- hashes

export type WebCryptoHash = "SHA-1" | "SHA-256" | "SHA-384" | "SHA-512";

export interface HashAlgorithm {
  readonly name: WebCryptoHash;
  readonly oid: string;
  readonly outputBytes: number;
  /** The block size B of RFC 2104 (relevant for HMAC key lengths). */
  readonly blockBytes: number;
}

const HASHES: readonly HashAlgorithm[] = [
  { name: "SHA-1", oid: OID.sha1, outputBytes: 20, blockBytes: 64 },
  { name: "SHA-256", oid: OID.sha256, outputBytes: 32, blockBytes: 64 },
  { name: "SHA-384", oid: OID.sha384, outputBytes: 48, blockBytes: 128 },
  { name: "SHA-512", oid: OID.sha512, outputBytes: 64, blockBytes: 128 },
];

const NO_SHA224 = "SHA-224 is not available in WebCrypto; use SHA-256, SHA-384 or SHA-512";
const NO_SHAKE = "SHAKE is not available in WebCrypto; use SHA-256, SHA-384 or SHA-512";

/** Known hash OIDs we cannot or will not run, with the reason we tell the client. */
const REFUSED_HASHES: ReadonlyMap<string, string> = new Map([
  [OID.md5, "MD5 is broken and refused"],
  [OID.sha224, NO_SHA224],
  [OID.shake128, NO_SHAKE],
  [OID.shake256, NO_SHAKE],
]);

/**
 * A hash by OID. SHA-1 is returned: it is the mandatory PBM one-way function
 * (RFC 4211 §4.4) and sits inside HMAC-SHA1, where collisions do not matter;
 * the signature lookups below refuse it themselves.
 */
export function hashByOid(oid: string): HashAlgorithm {
  const hash = HASHES.find((h) => h.oid === oid);
  if (hash) return hash;
  throw new CmpError("badAlg", REFUSED_HASHES.get(oid) ?? `unknown hash algorithm ${oid}`);
}

/** A hash by its WebCrypto name ("SHA-256") or by OID. */
export function hashByName(nameOrOid: string): HashAlgorithm {
  const upper = nameOrOid.toUpperCase();
  const hash = HASHES.find((h) => h.name === upper || h.name.replace("-", "") === upper);
  if (hash) return hash;
  if (upper === "SHA-224" || upper === "SHA224") throw new CmpError("badAlg", NO_SHA224);
  return hashByOid(nameOrOid);
}

/**
 * A hash given as an AlgorithmIdentifier (PBM owf, RSASSA-PSS hashAlgorithm).
 * RFC 5754 §2: parameters are absent or NULL, and receivers MUST accept both.
 */
export function hashFromAlgorithmIdentifier(alg: AlgorithmIdentifier): HashAlgorithm {
  const hash = hashByOid(alg.algorithm);
  requireNullOrAbsentParameters(alg, hash.name);
  return hash;
}

// ---------------------------------------------------------------- HMAC

export interface HmacAlgorithm {
  readonly oid: string;
  readonly name: string;
  readonly hash: HashAlgorithm;
}

/**
 * HMAC OIDs (RFC 9481 §6.2.1, RFC 8018 Appendix B.1). HMAC-SHA1 is the
 * OpenSSL client's default PBM MAC and must work (DESIGN.md); its security
 * rests on the PRF property of SHA-1, not on collision resistance (RFC 6151 §2.3
 * reasons the same way for HMAC-MD5, RFC 2104 §6).
 */
const HMACS: readonly HmacAlgorithm[] = [
  { oid: OID.hmacSha1, name: "HMAC-SHA1", hash: hashByOid(OID.sha1) },
  { oid: OID.hmacWithSHA1, name: "hmacWithSHA1", hash: hashByOid(OID.sha1) },
  { oid: OID.hmacWithSHA256, name: "hmacWithSHA256", hash: hashByOid(OID.sha256) },
  { oid: OID.hmacWithSHA384, name: "hmacWithSHA384", hash: hashByOid(OID.sha384) },
  { oid: OID.hmacWithSHA512, name: "hmacWithSHA512", hash: hashByOid(OID.sha512) },
];

const NO_HMAC_SHA3 = "HMAC-SHA3 is not available in WebCrypto; use hmacWithSHA256, hmacWithSHA384 or hmacWithSHA512";
const REFUSED_HMACS: ReadonlyMap<string, string> = new Map([
  [OID.hmacMd5, "HMAC-MD5 is refused"],
  [OID.hmacWithSHA224, "HMAC-SHA224 is not available in WebCrypto; use hmacWithSHA256, hmacWithSHA384 or hmacWithSHA512"],
  [OID.hmacWithSHA3_224, NO_HMAC_SHA3],
  [OID.hmacWithSHA3_256, NO_HMAC_SHA3],
  [OID.hmacWithSHA3_384, NO_HMAC_SHA3],
  [OID.hmacWithSHA3_512, NO_HMAC_SHA3],
  [OID.kmacWithShake128, "KMAC is not available in WebCrypto; use an HMAC-SHA2"],
  [OID.kmacWithShake256, "KMAC is not available in WebCrypto; use an HMAC-SHA2"],
]);

export function hmacByOid(oid: string): HmacAlgorithm {
  const hmac = HMACS.find((h) => h.oid === oid);
  if (hmac) return hmac;
  throw new CmpError("badAlg", REFUSED_HMACS.get(oid) ?? `unknown MAC algorithm ${oid}`);
}

/** An HMAC given as an AlgorithmIdentifier: RFC 8018 B.1 says parameters NULL, many encoders omit them. */
export function hmacFromAlgorithmIdentifier(alg: AlgorithmIdentifier): HmacAlgorithm {
  const hmac = hmacByOid(alg.algorithm);
  requireNullOrAbsentParameters(alg, hmac.name);
  return hmac;
}

// ---------------------------------------------------------------- signatures

export type SignatureScheme = "RSASSA-PKCS1-v1_5" | "RSA-PSS" | "ECDSA" | "Ed25519";

export interface SignatureAlgorithm {
  readonly oid: string;
  readonly scheme: SignatureScheme;
  /**
   * The signature's hash. For Ed25519 this is SHA-512, the hash inside the
   * scheme, which RFC 9481 §3.3 makes the certHash hash.
   */
  readonly hash: HashAlgorithm;
  /** RSA-PSS only: the salt length from RSASSA-PSS-params. */
  readonly saltLength?: number;
}

const SIGNATURES: ReadonlyMap<string, { scheme: SignatureScheme; hash: string }> = new Map([
  [OID.sha256WithRSAEncryption, { scheme: "RSASSA-PKCS1-v1_5", hash: OID.sha256 }],
  [OID.sha384WithRSAEncryption, { scheme: "RSASSA-PKCS1-v1_5", hash: OID.sha384 }],
  [OID.sha512WithRSAEncryption, { scheme: "RSASSA-PKCS1-v1_5", hash: OID.sha512 }],
  [OID.ecdsaWithSHA256, { scheme: "ECDSA", hash: OID.sha256 }],
  [OID.ecdsaWithSHA384, { scheme: "ECDSA", hash: OID.sha384 }],
  [OID.ecdsaWithSHA512, { scheme: "ECDSA", hash: OID.sha512 }],
  [OID.ed25519, { scheme: "Ed25519", hash: OID.sha512 }],
]);

const NO_SHA1_SIGNATURES = "SHA-1 signatures are refused (SHA-1 collisions are practical); use SHA-256 or stronger";
const REFUSED_SIGNATURES: ReadonlyMap<string, string> = new Map([
  [OID.md5WithRSAEncryption, "MD5 signatures are refused"],
  [OID.sha1WithRSAEncryption, NO_SHA1_SIGNATURES],
  [OID.ecdsaWithSHA1, NO_SHA1_SIGNATURES],
  [OID.sha224WithRSAEncryption, NO_SHA224],
  [OID.ecdsaWithSHA224, NO_SHA224],
  [OID.rsassaPssShake128, NO_SHAKE],
  [OID.rsassaPssShake256, NO_SHAKE],
  [OID.ecdsaWithShake128, NO_SHAKE],
  [OID.ecdsaWithShake256, NO_SHAKE],
  [OID.ed448, "Ed448 is not available in WebCrypto on every platform; use Ed25519, ECDSA or RSA"],
]);

/**
 * Whether `oid` is a signature algorithm this registry knows, whether it
 * accepts it or refuses it with a reason (signatureAlgorithm tells which).
 */
export function isKnownSignatureAlgorithm(oid: string): boolean {
  return oid === OID.rsassaPss || SIGNATURES.has(oid) || REFUSED_SIGNATURES.has(oid);
}

/**
 * Resolve a signature AlgorithmIdentifier (protectionAlg, POPOSigningKey,
 * CSR or certificate signatureAlgorithm) to what WebCrypto needs.
 * Unknown, refused or badly parameterised algorithms raise CmpError badAlg;
 * RSASSA-PSS parameters that are not DER raise badDataFormat.
 */
export function signatureAlgorithm(alg: AlgorithmIdentifier): SignatureAlgorithm {
  if (alg.algorithm === OID.rsassaPss) return rsassaPss(alg);
  const known = SIGNATURES.get(alg.algorithm);
  if (!known) {
    throw new CmpError("badAlg", REFUSED_SIGNATURES.get(alg.algorithm) ?? `unknown signature algorithm ${alg.algorithm}`);
  }
  // RFC 4055 §5 wants NULL for PKCS #1 v1.5, RFC 5758 §3.2 and RFC 8410 §3
  // want ECDSA and Ed25519 parameters absent; accepting both is harmless.
  requireNullOrAbsentParameters(alg, alg.algorithm);
  return { oid: alg.algorithm, scheme: known.scheme, hash: hashByOid(known.hash) };
}

/**
 * RSASSA-PSS with its RSASSA-PSS-params (RFC 4055 §3.1, RFC 9481 §3.1).
 * WebCrypto fixes MGF1's hash to the message hash and the trailer to 0xBC,
 * so parameters that differ are refused rather than misverified.
 */
function rsassaPss(alg: AlgorithmIdentifier): SignatureAlgorithm {
  if (alg.parameters === undefined || alg.parameters === null) {
    // Absent parameters would mean all DEFAULTs, i.e. SHA-1 (RFC 4055 §3.1).
    throw new CmpError("badAlg", "RSASSA-PSS without parameters means SHA-1, which is refused");
  }
  let params: RsaSaPssParams;
  try {
    params = parseDer(alg.parameters, RsaSaPssParams);
  } catch (cause) {
    throw new CmpError("badDataFormat", "RSASSA-PSS parameters are not a valid RSASSA-PSS-params", { cause });
  }
  if (params.hashAlgorithm.algorithm === OID.sha1) throw new CmpError("badAlg", NO_SHA1_SIGNATURES);
  const hash = hashFromAlgorithmIdentifier(params.hashAlgorithm);
  if (params.maskGenAlgorithm.algorithm !== OID.mgf1) {
    throw new CmpError("badAlg", `RSASSA-PSS mask generation ${params.maskGenAlgorithm.algorithm} is not supported, only MGF1`);
  }
  let mgfHash: AlgorithmIdentifier;
  try {
    mgfHash = parseDer(params.maskGenAlgorithm.parameters ?? new ArrayBuffer(0), AlgorithmIdentifier);
  } catch (cause) {
    throw new CmpError("badDataFormat", "RSASSA-PSS MGF1 parameters are not an AlgorithmIdentifier", { cause });
  }
  if (mgfHash.algorithm !== hash.oid) {
    throw new CmpError("badAlg", `RSASSA-PSS with MGF1 hash ${mgfHash.algorithm} different from message hash ${hash.name} is not supported`);
  }
  const saltLength = Number(params.saltLength);
  if (!Number.isSafeInteger(saltLength) || saltLength < 0 || saltLength > 1024) {
    throw new CmpError("badAlg", `RSASSA-PSS saltLength ${String(params.saltLength)} is out of range`);
  }
  if (Number(params.trailerField) !== 1) {
    throw new CmpError("badAlg", "RSASSA-PSS trailerField must be 1 (RFC 4055 §3.1)");
  }
  return { oid: OID.rsassaPss, scheme: "RSA-PSS", hash, saltLength };
}

/**
 * The hash for certHash in certConf (RFC 9810 §5.3.18): the hash of the
 * certificate's signature algorithm; SHA-512 for Ed25519 (RFC 9481 §3.3);
 * for RSASSA-PSS the hashAlgorithm in its parameters. Certificates signed
 * with refused algorithms raise badAlg, as everywhere else.
 */
export function certHashAlgorithm(certSignatureAlgorithm: AlgorithmIdentifier): HashAlgorithm {
  return signatureAlgorithm(certSignatureAlgorithm).hash;
}

// ---------------------------------------------------------------- helpers

/** Parameters must be absent or NULL: the only two encodings the simple algorithms have. */
function requireNullOrAbsentParameters(alg: AlgorithmIdentifier, what: string): void {
  const p = alg.parameters;
  if (p === undefined || p === null) return;
  // AlgorithmIdentifier decodes NULL to null, but a hand-built one may carry its DER.
  const bytes = new Uint8Array(p);
  if (bytes.length === 2 && bytes[0] === 0x05 && bytes[1] === 0x00) return;
  throw new CmpError("badAlg", `${what} takes no parameters (absent or NULL)`);
}
