import { AlgorithmIdentifier } from "@peculiar/asn1-x509";
import { RsaSaPssParams } from "../asn1/rsa.js";
import { OID, type WebCryptoHash } from "../crypto/algorithms.js";
import { serializeDerBuffer } from "../asn1/serialize_der.js";

/**
 * Which AWS KMS signing algorithm a key signs with, and how X.509 names the
 * result. KMS names algorithms by its own enums (KeySpec, SigningAlgorithmSpec,
 * AWS KMS Developer Guide "Asymmetric key specs"); certificates need the
 * AlgorithmIdentifier, and our Signer hashes locally, so each entry also
 * says which WebCrypto hash makes the digest KMS signs.
 */

/** The KMS signing algorithms a CA key may use: ECDSA and RSA, each with a SHA-2. */
export type KmsSigningAlgorithm =
  | "ECDSA_SHA_256"
  | "ECDSA_SHA_384"
  | "ECDSA_SHA_512"
  | "RSASSA_PKCS1_V1_5_SHA_256"
  | "RSASSA_PKCS1_V1_5_SHA_384"
  | "RSASSA_PKCS1_V1_5_SHA_512"
  | "RSASSA_PSS_SHA_256"
  | "RSASSA_PSS_SHA_384"
  | "RSASSA_PSS_SHA_512";

export const KMS_SIGNING_ALGORITHMS: readonly KmsSigningAlgorithm[] = [
  "ECDSA_SHA_256",
  "ECDSA_SHA_384",
  "ECDSA_SHA_512",
  "RSASSA_PKCS1_V1_5_SHA_256",
  "RSASSA_PKCS1_V1_5_SHA_384",
  "RSASSA_PKCS1_V1_5_SHA_512",
  "RSASSA_PSS_SHA_256",
  "RSASSA_PSS_SHA_384",
  "RSASSA_PSS_SHA_512",
];

export interface KmsScheme {
  signingAlgorithm: KmsSigningAlgorithm;
  /** The hash whose full output is sent as the DIGEST message. */
  hash: WebCryptoHash;
  /** The X.509 signatureAlgorithm (a fresh object: callers may keep it). */
  algorithm: AlgorithmIdentifier;
}

const RSA_SPECS = new Set(["RSA_2048", "RSA_3072", "RSA_4096"]);

/**
 * KMS allows exactly one ECDSA algorithm per curve (Developer Guide,
 * "Elliptic curve key specs"): P-256 with SHA-256, P-384 with SHA-384,
 * P-521 with SHA-512, matching RFC 5480 §4's pairing of curve and hash.
 */
const ECC_SPECS: ReadonlyMap<string, KmsSigningAlgorithm> = new Map([
  ["ECC_NIST_P256", "ECDSA_SHA_256"],
  ["ECC_NIST_P384", "ECDSA_SHA_384"],
  ["ECC_NIST_P521", "ECDSA_SHA_512"],
]);

/** An RSA key signs PKCS #1 v1.5 with SHA-256 unless configured otherwise: what every verifier accepts. */
const RSA_DEFAULT: KmsSigningAlgorithm = "RSASSA_PKCS1_V1_5_SHA_256";

/**
 * The scheme for a key spec and an optional preferred algorithm. Throws an
 * Error with a readable reason when the key cannot sign certificates here
 * (symmetric, HMAC, secp256k1, SM2, Ed25519, ML-DSA) or the algorithm does
 * not fit the key.
 */
export function kmsScheme(keySpec: string, preferred?: KmsSigningAlgorithm): KmsScheme {
  let signingAlgorithm: KmsSigningAlgorithm;
  const ecdsa = ECC_SPECS.get(keySpec);
  if (ecdsa) {
    if (preferred && preferred !== ecdsa) throw new Error(`a ${keySpec} key signs with ${ecdsa}, not ${preferred}`);
    signingAlgorithm = ecdsa;
  } else if (RSA_SPECS.has(keySpec)) {
    if (preferred && !preferred.startsWith("RSASSA_")) throw new Error(`a ${keySpec} key cannot sign with ${preferred}`);
    signingAlgorithm = preferred ?? RSA_DEFAULT;
  } else {
    throw new Error(`key spec ${keySpec} is not supported; use ECC_NIST_P256, ECC_NIST_P384, ECC_NIST_P521 or RSA_2048/3072/4096`);
  }
  return schemeOf(signingAlgorithm);
}

function schemeOf(signingAlgorithm: KmsSigningAlgorithm): KmsScheme {
  const bits = signingAlgorithm.slice(-3) as "256" | "384" | "512";
  const hash = `SHA-${bits}` as WebCryptoHash;
  if (signingAlgorithm.startsWith("ECDSA_")) {
    // RFC 5758 §3.2: ecdsa-with-SHA2 identifiers carry no parameters.
    return { signingAlgorithm, hash, algorithm: new AlgorithmIdentifier({ algorithm: ECDSA_OIDS[bits] }) };
  }
  if (signingAlgorithm.startsWith("RSASSA_PKCS1_V1_5_")) {
    // RFC 4055 §5: sha*WithRSAEncryption parameters MUST be NULL.
    return { signingAlgorithm, hash, algorithm: new AlgorithmIdentifier({ algorithm: PKCS1_OIDS[bits], parameters: null }) };
  }
  return { signingAlgorithm, hash, algorithm: pssAlgorithm(bits) };
}

const ECDSA_OIDS = { "256": OID.ecdsaWithSHA256, "384": OID.ecdsaWithSHA384, "512": OID.ecdsaWithSHA512 } as const;
const PKCS1_OIDS = { "256": OID.sha256WithRSAEncryption, "384": OID.sha384WithRSAEncryption, "512": OID.sha512WithRSAEncryption } as const;
const HASH_OIDS = { "256": OID.sha256, "384": OID.sha384, "512": OID.sha512 } as const;
const HASH_BYTES = { "256": 32, "384": 48, "512": 64 } as const;

/**
 * id-RSASSA-PSS with RSASSA-PSS-params (RFC 4055 §3.1) as KMS signs: the
 * message hash, MGF1 with the same hash, a salt as long as the hash (the AWS
 * KMS Developer Guide, "RSA key specs for signing and verification", gives
 * RSASSA_PSS_SHA_256 as PKCS #1 v2.2 §8.1 with SHA-256 for the digest and
 * MGF1 and a 256-bit salt; likewise 384 and 512) and trailerField 1, which
 * as the DEFAULT is left out of the DER (X.690 §11.5). The hash identifiers
 * carry NULL, as RFC 4055 §6 writes sha256Identifier ::= { id-sha256, NULL }.
 */
function pssAlgorithm(bits: "256" | "384" | "512"): AlgorithmIdentifier {
  const hashAlgorithm = new AlgorithmIdentifier({ algorithm: HASH_OIDS[bits], parameters: null });
  const params = new RsaSaPssParams({
    hashAlgorithm,
    maskGenAlgorithm: new AlgorithmIdentifier({ algorithm: OID.mgf1, parameters: serializeDerBuffer(hashAlgorithm) }),
    saltLength: HASH_BYTES[bits],
    trailerField: 1,
  });
  return new AlgorithmIdentifier({ algorithm: OID.rsassaPss, parameters: serializeDerBuffer(params) });
}

export function isKmsSigningAlgorithm(value: string): value is KmsSigningAlgorithm {
  return (KMS_SIGNING_ALGORITHMS as readonly string[]).includes(value);
}
