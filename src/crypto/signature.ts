import { AsnConvert, AsnProp, AsnPropTypes, AsnType, AsnTypeTypes } from "@peculiar/asn1-schema";
import { AlgorithmIdentifier, SubjectPublicKeyInfo } from "@peculiar/asn1-x509";
import { CmpError } from "../asn1/pki_failure_info.js";
import { OID, signatureAlgorithm, type SignatureAlgorithm } from "./algorithms.js";
import { toHex } from "../asn1/bytes.js";
import { BoundedCache, bytesKey } from "./bounded_cache.js";
import { ecdsaDerToRaw } from "./ecdsa_signature.js";
import type { CryptoKey, KeyImportAlgorithm, VerifyAlgorithm } from "./webcrypto_types.js";

export { digest } from "./digest.js";

export interface VerifyOptions {
  /**
   * The key will be seen again (a certificate's: the CA, a trust anchor, a
   * signer that comes back): keep the imported key among the recent ones.
   * Not for keys seen once, such as a new key proving possession.
   */
  reuseKey?: boolean;
  /** The same SubjectPublicKeyInfo already decoded (a template's), which saves parsing the DER again. */
  parsedKey?: SubjectPublicKeyInfo;
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
 *   the key type or curve is unsupported, or key and algorithm do not match
 *   (e.g. an RSA key with ecdsa-with-SHA256). A mismatch is reported rather
 *   than answered with false because it is a configuration error of the
 *   sender, not a forgery, and the client deserves to be told which.
 * - badDataFormat: the SubjectPublicKeyInfo or the RSASSA-PSS parameters
 *   cannot be decoded, or WebCrypto refuses the key as malformed.
 */
export async function verifySignature(
  spkiDer: Uint8Array,
  algorithm: AlgorithmIdentifier,
  data: Uint8Array,
  signature: Uint8Array,
  options: VerifyOptions = {},
): Promise<boolean> {
  const sig = signatureAlgorithm(algorithm);
  const spki = options.parsedKey ?? (options.reuseKey ? recentSpki(spkiDer) : decodeSpki(spkiDer));
  const keyOid = spki.algorithm.algorithm;
  let importParams: KeyImportAlgorithm;
  let verifyParams: VerifyAlgorithm;
  let keyDer: Uint8Array = spkiDer;
  let signatureBytes = signature;

  switch (sig.scheme) {
    case "RSASSA-PKCS1-v1_5":
      // RFC 4055 §1.2: an id-RSASSA-PSS key may only make PSS signatures.
      if (keyOid !== OID.rsaEncryption) throw mismatch(sig, keyOid);
      importParams = { name: sig.scheme, hash: sig.hash.name };
      verifyParams = { name: sig.scheme };
      break;
    case "RSA-PSS":
      if (keyOid !== OID.rsaEncryption && keyOid !== OID.rsassaPss) throw mismatch(sig, keyOid);
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
      keyDer = uncompressedPoint(spki, curve.fieldBytes) ?? spkiDer;
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

  // An EC point alone is imported "raw" (about half the work of "spki" on Node).
  const format = keyDer === spkiDer || sig.scheme !== "ECDSA" ? "spki" : "raw";
  let key: CryptoKey;
  try {
    key = await importVerifyKey(format, keyDer, importParams, options.reuseKey === true);
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

/** Imported keys lately reused, by import parameters and key bytes. */
const RECENT_KEYS = new BoundedCache<string, Promise<CryptoKey>>(128);

function importVerifyKey(format: "spki" | "raw", keyDer: Uint8Array, params: KeyImportAlgorithm, reuse: boolean): Promise<CryptoKey> {
  if (!reuse) return crypto.subtle.importKey(format, keyDer, params, false, ["verify"]);
  const cacheKey = `${JSON.stringify(params)}|${format}|${bytesKey(keyDer)}`;
  const known = RECENT_KEYS.get(cacheKey);
  if (known) return known;
  const imported = crypto.subtle.importKey(format, keyDer, params, false, ["verify"]);
  RECENT_KEYS.set(cacheKey, imported);
  // A key that does not import is not kept: the next caller gets the error anew.
  imported.catch(() => RECENT_KEYS.delete(cacheKey));
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

const CURVES: ReadonlyMap<string, { name: "P-256" | "P-384" | "P-521"; fieldBytes: number }> = new Map([
  [OID.secp256r1, { name: "P-256", fieldBytes: 32 }],
  [OID.secp384r1, { name: "P-384", fieldBytes: 48 }],
  [OID.secp521r1, { name: "P-521", fieldBytes: 66 }],
]);

/** The named curve of an id-ecPublicKey SPKI (RFC 5480 §2.1.1: namedCurve is the only form allowed). */
function namedCurve(spki: SubjectPublicKeyInfo): { name: "P-256" | "P-384" | "P-521"; fieldBytes: number } {
  const params = spki.algorithm.parameters;
  // The usual case, the namedCurve OID's DER of a supported curve, is looked up as bytes.
  const known = params ? CURVES_BY_DER.get(toHex(new Uint8Array(params))) : undefined;
  if (known) return known;
  let oid: string | undefined;
  if (params) {
    try {
      oid = AsnConvert.parse(params, ECParameters).namedCurve;
    } catch {
      oid = undefined; // implicitCurve or specifiedCurve
    }
  }
  if (oid === undefined) {
    throw new CmpError("badAlg", "EC public key without a namedCurve (RFC 5480 §2.1.1) is not supported");
  }
  const curve = CURVES.get(oid);
  if (!curve) throw new CmpError("badAlg", `EC curve ${oid} is not supported; use P-256, P-384 or P-521`);
  return curve;
}

/** The same curves by the DER of their OID (an ECParameters namedCurve is exactly that TLV). */
const CURVES_BY_DER = new Map(
  [...CURVES].map(([oid, curve]) => [toHex(new Uint8Array(AsnConvert.serialize(Object.assign(new ECParameters(), { namedCurve: oid })))), curve]),
);

/** Keys verified with again and again (reuseKey): decoded once while recent. */
const RECENT_SPKIS = new BoundedCache<string, SubjectPublicKeyInfo>(128);

function recentSpki(der: Uint8Array): SubjectPublicKeyInfo {
  const key = bytesKey(der);
  let spki = RECENT_SPKIS.get(key);
  if (!spki) RECENT_SPKIS.set(key, (spki = decodeSpki(der)));
  return spki;
}

function decodeSpki(der: Uint8Array): SubjectPublicKeyInfo {
  try {
    return AsnConvert.parse(der, SubjectPublicKeyInfo);
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
  return new Uint8Array(AsnConvert.serialize(relabelled));
}

function mismatch(sig: SignatureAlgorithm, keyOid: string): CmpError {
  return new CmpError("badAlg", `signature algorithm ${sig.oid} (${sig.scheme}) does not match the public key type ${keyOid}`);
}

function isDomException(e: unknown): boolean {
  return typeof e === "object" && e !== null && (e as { name?: unknown }).name !== undefined &&
    ["OperationError", "DataError", "InvalidAccessError"].includes(String((e as { name: unknown }).name));
}
