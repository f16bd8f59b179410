import { AsnProp, AsnPropTypes, AsnType, AsnTypeTypes } from "@peculiar/asn1-schema";
import { AlgorithmIdentifier } from "@peculiar/asn1-x509";
import { ecdsaRawToDer } from "../crypto/ecdsa_signature.js";
import { decodePem } from "../asn1/pem.js";
import { parseDer } from "../asn1/parse_der.js";
import { SignerError, type Signer } from "./signer.js";

/**
 * The development Signer: a private key held in memory as a WebCrypto
 * CryptoKey (DESIGN.md, "Keys never leave the KMS": the local key is the
 * stand-in for a KMS, not a production choice).
 */

type CryptoKey = Awaited<ReturnType<typeof globalThis.crypto.subtle.importKey>>;
type KeyPair = { privateKey: CryptoKey; publicKey: CryptoKey };
interface Jwk {
  kty?: string;
  crv?: string;
  x?: string;
  y?: string;
  n?: string;
  e?: string;
}

export type LocalKeyKind = "P-256" | "P-384" | "RSA-2048" | "RSA-3072" | "RSA-4096" | "Ed25519";

const OID_RSA_ENCRYPTION = "1.2.840.113549.1.1.1";
const OID_EC_PUBLIC_KEY = "1.2.840.10045.2.1";
const OID_ED25519 = "1.3.101.112";
const OID_SECP256R1 = "1.2.840.10045.3.1.7";
const OID_SECP384R1 = "1.3.132.0.34";

/**
 *   PrivateKeyInfo ::= SEQUENCE {            -- RFC 5208 §5; RFC 5958 §2
 *     version                   Version,
 *     privateKeyAlgorithm       AlgorithmIdentifier,
 *     privateKey                OCTET STRING,
 *     attributes           [0]  IMPLICIT Attributes OPTIONAL,
 *     ... }
 * Only the algorithm is read here; WebCrypto parses the key itself, and
 * the trailing optional fields are ignored by the parser.
 */
class PrivateKeyInfo {
  @AsnProp({ type: AsnPropTypes.Integer })
  version = 0;
  @AsnProp({ type: AlgorithmIdentifier })
  privateKeyAlgorithm = new AlgorithmIdentifier();
  @AsnProp({ type: AsnPropTypes.OctetString })
  privateKey = new ArrayBuffer(0);
}

/**
 *   ECParameters ::= CHOICE { namedCurve OBJECT IDENTIFIER, ... }   -- RFC 5480 §2.1.1
 * Only named curves are allowed in PKIX (RFC 5480 §2.1.1: implicitCurve and
 * specifiedCurve MUST NOT be used).
 */
@AsnType({ type: AsnTypeTypes.Choice })
class ECParameters {
  @AsnProp({ type: AsnPropTypes.ObjectIdentifier })
  namedCurve?: string;
}

/** How one key kind is imported into WebCrypto and what it signs as. */
interface Scheme {
  importParams: { name: string; namedCurve?: string; hash?: string };
  signParams: { name: string; hash?: string };
  /** The X.509 signatureAlgorithm. */
  algorithm: () => AlgorithmIdentifier;
  ecdsa: boolean;
}

// Signature AlgorithmIdentifiers as X.509 expects them: ECDSA with the
// parameters field absent (RFC 5758 §3.2), RSA PKCS #1 v1.5 with NULL
// (RFC 4055 §5; RFC 8017 Appendix A.2.4), Ed25519 absent (RFC 8410 §3).
const ECDSA_P256: Scheme = {
  importParams: { name: "ECDSA", namedCurve: "P-256" },
  signParams: { name: "ECDSA", hash: "SHA-256" },
  algorithm: () => new AlgorithmIdentifier({ algorithm: "1.2.840.10045.4.3.2" }),
  ecdsa: true,
};
const ECDSA_P384: Scheme = {
  importParams: { name: "ECDSA", namedCurve: "P-384" },
  signParams: { name: "ECDSA", hash: "SHA-384" },
  algorithm: () => new AlgorithmIdentifier({ algorithm: "1.2.840.10045.4.3.3" }),
  ecdsa: true,
};
const RSA_PKCS1_SHA256: Scheme = {
  importParams: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
  signParams: { name: "RSASSA-PKCS1-v1_5" },
  algorithm: () => new AlgorithmIdentifier({ algorithm: "1.2.840.113549.1.1.11", parameters: null }),
  ecdsa: false,
};
const ED25519: Scheme = {
  importParams: { name: "Ed25519" },
  signParams: { name: "Ed25519" },
  algorithm: () => new AlgorithmIdentifier({ algorithm: OID_ED25519 }),
  ecdsa: false,
};

const RSA_MIN_BITS = 2048;
const RSA_MAX_BITS = 4096;

export class LocalSigner implements Signer {
  readonly algorithm: AlgorithmIdentifier;
  readonly publicKey: Uint8Array;
  readonly #privateKey: CryptoKey;
  readonly #scheme: Scheme;

  private constructor(privateKey: CryptoKey, publicKey: Uint8Array, scheme: Scheme) {
    this.#privateKey = privateKey;
    this.publicKey = publicKey;
    this.#scheme = scheme;
    this.algorithm = scheme.algorithm();
  }

  /**
   * Load a PKCS #8 private key (a "PRIVATE KEY" PEM, or its DER) and derive
   * its public key, so the operator provides the key alone.
   */
  static async fromPkcs8(key: string | Uint8Array): Promise<LocalSigner> {
    const der = toPkcs8Der(key);
    const scheme = schemeOf(der);
    const subtle = globalThis.crypto.subtle;
    let privateKey: CryptoKey;
    let publicKey: Uint8Array;
    try {
      // Imported once extractable, only to read the public half from the JWK
      // (WebCrypto has no "public key of" operation), then again without
      // extractability for signing.
      const extractable = await subtle.importKey("pkcs8", der, scheme.importParams, true, ["sign"]);
      const jwk = (await subtle.exportKey("jwk", extractable)) as Jwk;
      const publicJwk: Jwk =
        jwk.kty === "RSA"
          ? { kty: jwk.kty, n: jwk.n, e: jwk.e }
          : jwk.kty === "EC"
            ? { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }
            : { kty: jwk.kty, crv: jwk.crv, x: jwk.x };
      const publicCryptoKey = await subtle.importKey("jwk", publicJwk, scheme.importParams, true, ["verify"]);
      publicKey = new Uint8Array(await subtle.exportKey("spki", publicCryptoKey));
      privateKey = await subtle.importKey("pkcs8", der, scheme.importParams, false, ["sign"]);
      if (scheme === RSA_PKCS1_SHA256) checkRsaSize(extractable);
    } catch (error) {
      if (error instanceof SignerError) throw error;
      throw new SignerError(`cannot load the private key: ${describe(error)}`, false, { cause: error });
    }
    return new LocalSigner(privateKey, publicKey, scheme);
  }

  async sign(data: Uint8Array): Promise<Uint8Array> {
    let signature: Uint8Array;
    try {
      signature = new Uint8Array(await globalThis.crypto.subtle.sign(this.#scheme.signParams, this.#privateKey, data));
    } catch (error) {
      // A local key has no outage to wait out: a failure will repeat.
      throw new SignerError(`local signing failed: ${describe(error)}`, false, { cause: error });
    }
    // WebCrypto's ECDSA output is r || s; X.509 carries ECDSA-Sig-Value (RFC 3279 §2.2.3).
    return this.#scheme.ecdsa ? ecdsaRawToDer(signature) : signature;
  }
}

/** A fresh key pair for the development setup: PKCS #8 and SPKI DER. */
export async function generateLocalKey(kind: LocalKeyKind): Promise<{ pkcs8: Uint8Array; spki: Uint8Array }> {
  const subtle = globalThis.crypto.subtle;
  let params: Record<string, unknown>;
  switch (kind) {
    case "P-256":
    case "P-384":
      params = { name: "ECDSA", namedCurve: kind };
      break;
    case "RSA-2048":
    case "RSA-3072":
    case "RSA-4096":
      params = {
        name: "RSASSA-PKCS1-v1_5",
        modulusLength: Number(kind.slice(4)),
        publicExponent: Uint8Array.of(1, 0, 1), // 65537
        hash: "SHA-256",
      };
      break;
    case "Ed25519":
      params = { name: "Ed25519" };
      break;
    default:
      throw new Error(`unknown key kind: ${kind as string}`);
  }
  const pair = (await subtle.generateKey(params as { name: string }, true, ["sign", "verify"])) as KeyPair;
  return {
    pkcs8: new Uint8Array(await subtle.exportKey("pkcs8", pair.privateKey)),
    spki: new Uint8Array(await subtle.exportKey("spki", pair.publicKey)),
  };
}

function toPkcs8Der(key: string | Uint8Array): Uint8Array {
  const text = typeof key === "string" ? key : startsWithPem(key) ? new TextDecoder().decode(key) : undefined;
  if (text === undefined) return key as Uint8Array;
  const blocks = decodePem(text);
  const pkcs8 = blocks.filter((block) => block.label === "PRIVATE KEY");
  if (pkcs8.length === 1) return pkcs8[0]!.der;
  if (pkcs8.length > 1) throw new SignerError("more than one PRIVATE KEY in the PEM", false);
  const labels = blocks.map((block) => block.label);
  if (labels.includes("ENCRYPTED PRIVATE KEY")) {
    throw new SignerError("the private key is encrypted; decrypt it with `openssl pkcs8 -in key.pem -out plain.pem`", false);
  }
  if (labels.some((label) => label === "EC PRIVATE KEY" || label === "RSA PRIVATE KEY")) {
    throw new SignerError("the private key is not PKCS #8; convert it with `openssl pkcs8 -topk8 -nocrypt -in key.pem`", false);
  }
  throw new SignerError("no PRIVATE KEY PEM block found", false);
}

function startsWithPem(bytes: Uint8Array): boolean {
  // "-----" or leading whitespace: DER always starts with 0x30 (SEQUENCE).
  return bytes.length > 0 && bytes[0] !== 0x30;
}

function schemeOf(pkcs8: Uint8Array): Scheme {
  let info: PrivateKeyInfo;
  try {
    info = parseDer(pkcs8, PrivateKeyInfo);
  } catch (error) {
    throw new SignerError(`the private key is not PKCS #8 DER: ${describe(error)}`, false, { cause: error });
  }
  const { algorithm, parameters } = info.privateKeyAlgorithm;
  switch (algorithm) {
    case OID_RSA_ENCRYPTION:
      return RSA_PKCS1_SHA256;
    case OID_ED25519:
      return ED25519;
    case OID_EC_PUBLIC_KEY: {
      const curve = parameters ? parseNamedCurve(parameters) : undefined;
      if (curve === OID_SECP256R1) return ECDSA_P256;
      if (curve === OID_SECP384R1) return ECDSA_P384;
      throw new SignerError(`unsupported EC curve ${curve ?? "(none)"}; use P-256 or P-384`, false);
    }
    default:
      throw new SignerError(`unsupported key algorithm ${algorithm}; use P-256, P-384, RSA 2048..4096 or Ed25519`, false);
  }
}

function parseNamedCurve(parameters: ArrayBuffer): string | undefined {
  try {
    return parseDer(parameters, ECParameters).namedCurve;
  } catch {
    return undefined;
  }
}

function checkRsaSize(key: CryptoKey): void {
  const bits = (key.algorithm as { modulusLength?: number }).modulusLength ?? 0;
  if (bits < RSA_MIN_BITS || bits > RSA_MAX_BITS) {
    throw new SignerError(`RSA key of ${bits} bits; use ${RSA_MIN_BITS} to ${RSA_MAX_BITS}`, false);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
