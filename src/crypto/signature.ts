import { parseDer } from "../asn1/parse_der.js";
import { AsnProp, AsnPropTypes, AsnType, AsnTypeTypes } from "@peculiar/asn1-schema";
import { AlgorithmIdentifier, SubjectPublicKeyInfo } from "@peculiar/asn1-x509";
import { CmpError } from "../asn1/pki_failure_info.js";
import { OID, signatureAlgorithm, type SignatureAlgorithm } from "./algorithms.js";
import { BoundedCache, bytesKey } from "./bounded_cache.js";
import { ecdsaDerToRaw } from "./ecdsa_signature.js";
import { namedCurveOfParameters, type NamedCurve } from "./named_curves.js";
import { assertModulusLimit, checkRsaKey, DEFAULT_RSA_MAX_MODULUS_BITS, rsaKeyFacts, type RsaKeyFacts } from "./rsa_key.js";
import type { CryptoKey, KeyImportAlgorithm, VerifyAlgorithm } from "./webcrypto_types.js";
import { serializeDer } from "../asn1/serialize_der.js";

export { digest } from "./digest.js";
export { DEFAULT_RSA_MAX_MODULUS_BITS } from "./rsa_key.js";

export interface VerifyOptions {
  /**
   * The key will be seen again (a certificate's: the CA, a trust anchor, a
   * signer that comes back): keep the imported key among the recent ones.
   * Not for keys seen once, such as a new key proving possession.
   */
  reuseKey?: boolean;
  /** The same SubjectPublicKeyInfo already decoded (a template's), which saves parsing the DER again. */
  parsedKey?: SubjectPublicKeyInfo;
  /**
   * Largest RSA modulus, in bits, to verify with (default
   * DEFAULT_RSA_MAX_MODULUS_BITS). Larger keys, and keys whose public
   * exponent is even, below 3 or not below 2^256, are refused with badAlg
   * before WebCrypto sees them: the verification's cost grows with both.
   */
  rsaMaxModulusBits?: number;
}

/**
 * Verify an X.509-style signature (PKIMessage protection, POPOSigningKey,
 * PKCS #10, certificates) with WebCrypto.
 *
 * Returns false when the signature does not verify, including a malformed
 * ECDSA-Sig-Value or a signature of the wrong length: either way the data
 * is not authentic, and the caller knows whether that means badMessageCheck
 * or badPOP.
 *
 * Throws CmpError:
 * - badAlg: the algorithm is unknown or refused (SHA-1, MD5, SHA-224, ...),
 *   the key type or curve is unsupported, an RSA key is outside the bounds
 *   (rsaMaxModulusBits, public exponent), or key and algorithm do not match
 *   (e.g. an RSA key with ecdsa-with-SHA256). A mismatch is reported rather
 *   than answered with false because it is a configuration error of the
 *   sender, not a forgery, and the client deserves to be told which.
 * - badDataFormat: the SubjectPublicKeyInfo, the RSAPublicKey inside it or
 *   the RSASSA-PSS parameters cannot be decoded, or WebCrypto refuses the key as malformed.
 */
export async function verifySignature(
  spkiDer: Uint8Array,
  algorithm: AlgorithmIdentifier,
  data: Uint8Array,
  signature: Uint8Array,
  options: VerifyOptions = {},
): Promise<boolean> {
  const maxModulusBits = options.rsaMaxModulusBits ?? DEFAULT_RSA_MAX_MODULUS_BITS;
  assertModulusLimit(maxModulusBits, "verifySignature");
  const sig = signatureAlgorithm(algorithm);
  const known = options.reuseKey ? recentKey(spkiDer) : undefined;
  const spki = options.parsedKey ?? known?.spki ?? decodeSpki(spkiDer);
  const keyOid = spki.algorithm.algorithm;
  let importParams: KeyImportAlgorithm;
  let verifyParams: VerifyAlgorithm;
  let keyDer: Uint8Array = spkiDer;
  let format: "spki" | "raw" = "spki";
  let signatureBytes = signature;

  switch (sig.scheme) {
    case "RSASSA-PKCS1-v1_5":
      // RFC 4055 §1.2: an id-RSASSA-PSS key may only make PSS signatures.
      if (keyOid !== OID.rsaEncryption) throw mismatch(sig, keyOid);
      checkRsaKey(rsaFacts(spki, known), maxModulusBits);
      importParams = { name: sig.scheme, hash: sig.hash.name };
      verifyParams = { name: sig.scheme };
      break;
    case "RSA-PSS":
      if (keyOid !== OID.rsaEncryption && keyOid !== OID.rsassaPss) throw mismatch(sig, keyOid);
      checkRsaKey(rsaFacts(spki, known), maxModulusBits);
      // WebCrypto imports RSA keys only as rsaEncryption; the RSAPublicKey
      // inside is the same for an id-RSASSA-PSS key (RFC 4055 §1.2).
      if (keyOid === OID.rsassaPss) keyDer = asRsaEncryptionSpki(spki);
      importParams = { name: "RSA-PSS", hash: sig.hash.name };
      verifyParams = { name: "RSA-PSS", saltLength: sig.saltLength! };
      break;
    case "ECDSA": {
      if (keyOid !== OID.ecPublicKey) throw mismatch(sig, keyOid);
      const curve = namedCurve(spki);
      importParams = { name: "ECDSA", namedCurve: curve.name };
      // An EC point alone is imported "raw": about half the work of "spki" on Node.
      const point = uncompressedPoint(spki, curve.fieldBytes);
      if (point) [keyDer, format] = [point, "raw"];
      verifyParams = { name: "ECDSA", hash: sig.hash.name };
      try {
        signatureBytes = ecdsaDerToRaw(signature, curve.fieldBytes);
      } catch (e) {
        if (e instanceof CmpError) return false;
        throw e;
      }
      break;
    }
    case "Ed25519":
      if (keyOid !== OID.ed25519) throw mismatch(sig, keyOid);
      importParams = { name: "Ed25519" };
      verifyParams = { name: "Ed25519" };
      break;
  }

  let key: CryptoKey;
  try {
    key = await importVerifyKey(format, keyDer, importParams, known);
  } catch (cause) {
    throw new CmpError("badDataFormat", `the ${sig.scheme} public key cannot be imported`, { cause });
  }
  try {
    return await crypto.subtle.verify(verifyParams, key, signatureBytes, data);
  } catch (e) {
    // Some implementations throw instead of answering false for
    // signatures of impossible length or value; that is still "not valid".
    if (isDomException(e)) return false;
    throw e;
  }
}

/** A key verified with again and again (reuseKey): its SPKI decoded once, and its WebCrypto imports. */
interface RecentKey {
  spki: SubjectPublicKeyInfo;
  /** By format and import parameters: the key bytes imported follow from those and the SPKI. */
  imported: Map<string, Promise<CryptoKey>>;
  /** An RSA key's modulus size and exponent verdict, read the first time it is verified with. */
  rsa?: RsaKeyFacts;
}

/** Recent reused keys, by their SubjectPublicKeyInfo's DER. */
const RECENT_KEYS = new BoundedCache<string, RecentKey>(128);

/** The key's entry among the recent ones; a SPKI that does not decode throws and is not kept. */
function recentKey(spkiDer: Uint8Array): RecentKey {
  const cacheKey = bytesKey(spkiDer);
  let known = RECENT_KEYS.get(cacheKey);
  if (!known) RECENT_KEYS.set(cacheKey, (known = { spki: decodeSpki(spkiDer), imported: new Map() }));
  return known;
}

/**
 * The RSA key's facts, decoded once for a reused key (the limit is compared
 * on every call, since callers may differ in it), each time otherwise.
 */
function rsaFacts(spki: SubjectPublicKeyInfo, known?: RecentKey): RsaKeyFacts {
  if (!known) return rsaKeyFacts(spki);
  return (known.rsa ??= rsaKeyFacts(spki));
}

function importVerifyKey(format: "spki" | "raw", keyDer: Uint8Array, params: KeyImportAlgorithm, known?: RecentKey): Promise<CryptoKey> {
  if (!known) return crypto.subtle.importKey(format, keyDer, params, false, ["verify"]);
  const name = `${format}|${JSON.stringify(params)}`;
  let imported = known.imported.get(name);
  if (!imported) {
    imported = crypto.subtle.importKey(format, keyDer, params, false, ["verify"]);
    known.imported.set(name, imported);
    // A key that does not import is not kept: the next caller gets the error anew.
    imported.catch(() => known.imported.delete(name));
  }
  return imported;
}

/**
 * The public key of an id-ecPublicKey SPKI as an uncompressed point
 * (SEC 1 §2.3.3: 0x04 || X || Y), which WebCrypto imports "raw"; undefined
 * for any other form (a compressed point goes the "spki" way, and WebCrypto
 * decides).
 */
function uncompressedPoint(spki: SubjectPublicKeyInfo, fieldBytes: number): Uint8Array | undefined {
  const point = new Uint8Array(spki.subjectPublicKey);
  return point.length === 1 + 2 * fieldBytes && point[0] === 0x04 ? point : undefined;
}

/**
 * ```asn1
 * ECParameters ::= CHOICE {
 *   namedCurve         OBJECT IDENTIFIER
 *   -- implicitCurve   NULL
 *   -- specifiedCurve  SpecifiedECDomain
 * }
 * ```
 * RFC 5480 §2.1.1, reduced to the one alternative PKIX allows. Private to
 * this file: signature verification is its only reader.
 */
@AsnType({ type: AsnTypeTypes.Choice })
class ECParameters {
  @AsnProp({ type: AsnPropTypes.ObjectIdentifier })
  public namedCurve?: string;
}

/** The named curve of an id-ecPublicKey SPKI (RFC 5480 §2.1.1: namedCurve is the only form allowed). */
function namedCurve(spki: SubjectPublicKeyInfo): NamedCurve {
  const params = spki.algorithm.parameters;
  const known = namedCurveOfParameters(params);
  if (known) return known;
  // Not one of ours: parse, to say which curve it is, or that it names none.
  let oid: string | undefined;
  if (params) {
    try {
      oid = parseDer(params, ECParameters).namedCurve;
    } catch {
      oid = undefined; // implicitCurve or specifiedCurve
    }
  }
  if (oid === undefined) {
    throw new CmpError("badAlg", "EC public key without a namedCurve (RFC 5480 §2.1.1) is not supported");
  }
  throw new CmpError("badAlg", `EC curve ${oid} is not supported; use P-256, P-384 or P-521`);
}

function decodeSpki(der: Uint8Array): SubjectPublicKeyInfo {
  try {
    return parseDer(der, SubjectPublicKeyInfo);
  } catch (cause) {
    throw new CmpError("badDataFormat", "the public key is not a valid SubjectPublicKeyInfo", { cause });
  }
}

/** The same SPKI relabelled rsaEncryption with NULL parameters (RFC 3279 §2.3.1). */
function asRsaEncryptionSpki(spki: SubjectPublicKeyInfo): Uint8Array {
  const relabelled = new SubjectPublicKeyInfo({
    algorithm: new AlgorithmIdentifier({ algorithm: OID.rsaEncryption, parameters: null }),
    subjectPublicKey: spki.subjectPublicKey,
  });
  return serializeDer(relabelled);
}

function mismatch(sig: SignatureAlgorithm, keyOid: string): CmpError {
  return new CmpError("badAlg", `signature algorithm ${sig.oid} (${sig.scheme}) does not match the public key type ${keyOid}`);
}

function isDomException(e: unknown): boolean {
  return typeof e === "object" && e !== null && (e as { name?: unknown }).name !== undefined &&
    ["OperationError", "DataError", "InvalidAccessError"].includes(String((e as { name: unknown }).name));
}
