import { createECDH, createHash, generateKeyPairSync, privateEncrypt, randomBytes, constants, type KeyObject } from "node:crypto";

/**
 * The emulated KMS keys and their signing, with node:crypto. KMS signs a
 * digest (MessageType DIGEST) without hashing again, which node:crypto's
 * sign() cannot do (it always hashes), so the schemes are assembled from
 * node:crypto primitives: raw RSA (privateEncrypt) under the padding of
 * RFC 8017, and ECDSA (FIPS 186-5 §6.4.1) with the curve point k·G from ECDH.
 * The tests check every signature with openssl, which shares no code with this.
 */

export type EmulatedKeySpec = "ECC_NIST_P256" | "ECC_NIST_P384" | "ECC_NIST_P521" | "RSA_2048" | "RSA_3072" | "RSA_4096";
type Hash = "sha256" | "sha384" | "sha512";

export interface EmulatedKeyPair {
  privateKey: KeyObject;
  /** DER SubjectPublicKeyInfo, as GetPublicKey returns it. */
  spki: Buffer;
  signingAlgorithms: string[];
}

interface Curve {
  ecdhName: string;
  /** The order n of the base point (SEC 2 §2.4.2, §2.5.1, §2.6.1). */
  n: bigint;
}

const CURVES: Record<string, Curve> = {
  ECC_NIST_P256: { ecdhName: "prime256v1", n: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n },
  ECC_NIST_P384: {
    ecdhName: "secp384r1",
    n: 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
  },
  ECC_NIST_P521: {
    ecdhName: "secp521r1",
    n: 0x1fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409n,
  },
};

const NAMED_CURVE = { ECC_NIST_P256: "P-256", ECC_NIST_P384: "P-384", ECC_NIST_P521: "P-521" } as const;

export function generateKeyPair(spec: EmulatedKeySpec): EmulatedKeyPair {
  if (spec.startsWith("ECC_")) {
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: NAMED_CURVE[spec as keyof typeof NAMED_CURVE] });
    const bits = { ECC_NIST_P256: "256", ECC_NIST_P384: "384", ECC_NIST_P521: "512" }[spec as keyof typeof NAMED_CURVE];
    return { privateKey, spki: publicKey.export({ type: "spki", format: "der" }), signingAlgorithms: [`ECDSA_SHA_${bits}`] };
  }
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: Number(spec.slice(4)), publicExponent: 65537 });
  return {
    privateKey,
    spki: publicKey.export({ type: "spki", format: "der" }),
    signingAlgorithms: ["256", "384", "512"].flatMap((bits) => [`RSASSA_PSS_SHA_${bits}`, `RSASSA_PKCS1_V1_5_SHA_${bits}`]),
  };
}

export function hashOf(signingAlgorithm: string): { name: Hash; bytes: number } {
  const bits = signingAlgorithm.slice(-3);
  return { name: `sha${bits}` as Hash, bytes: Number(bits) / 8 };
}

/** Sign a digest made with the algorithm's hash. */
export function signDigest(keySpec: string, key: KeyObject, signingAlgorithm: string, digest: Buffer): Buffer {
  const hash = hashOf(signingAlgorithm).name;
  if (signingAlgorithm.startsWith("ECDSA_")) return ecdsaSign(CURVES[keySpec]!, key, digest);
  const modulusBits = key.asymmetricKeyDetails!.modulusLength!;
  if (signingAlgorithm.startsWith("RSASSA_PKCS1_V1_5_")) {
    // RSASSA-PKCS1-v1_5 (RFC 8017 §8.2.1): type-1 padding over DigestInfo.
    return privateEncrypt({ key, padding: constants.RSA_PKCS1_PADDING }, Buffer.concat([DIGEST_INFO[hash], digest]));
  }
  const encoded = emsaPssEncode(hash, digest, modulusBits - 1);
  const k = Math.ceil(modulusBits / 8);
  return privateEncrypt({ key, padding: constants.RSA_NO_PADDING }, Buffer.concat([Buffer.alloc(k - encoded.length), encoded]));
}

/** DER DigestInfo prefixes of RFC 8017 §9.2, note 1. */
const DIGEST_INFO: Record<Hash, Buffer> = {
  sha256: Buffer.from("3031300d060960864801650304020105000420", "hex"),
  sha384: Buffer.from("3041300d060960864801650304020205000430", "hex"),
  sha512: Buffer.from("3051300d060960864801650304020305000440", "hex"),
};

/** EMSA-PSS-ENCODE (RFC 8017 §9.1.1) with MGF1 of the same hash and a salt as long as the hash. */
function emsaPssEncode(hash: Hash, mHash: Buffer, emBits: number): Buffer {
  const hLen = mHash.length;
  const sLen = hLen;
  const emLen = Math.ceil(emBits / 8);
  const salt = randomBytes(sLen);
  const h = createHash(hash).update(Buffer.concat([Buffer.alloc(8), mHash, salt])).digest();
  const db = Buffer.concat([Buffer.alloc(emLen - sLen - hLen - 2), Buffer.of(0x01), salt]);
  const mask = mgf1(hash, h, emLen - hLen - 1);
  for (let i = 0; i < db.length; i++) db[i]! ^= mask[i]!;
  db[0]! &= 0xff >> (8 * emLen - emBits);
  return Buffer.concat([db, h, Buffer.of(0xbc)]);
}

/** MGF1 (RFC 8017 Appendix B.2.1). */
function mgf1(hash: Hash, seed: Buffer, length: number): Buffer {
  const blocks: Buffer[] = [];
  for (let counter = 0; blocks.length * seed.length < length; counter++) {
    const c = Buffer.alloc(4);
    c.writeUInt32BE(counter);
    blocks.push(createHash(hash).update(Buffer.concat([seed, c])).digest());
  }
  return Buffer.concat(blocks).subarray(0, length);
}

/** ECDSA signature generation (FIPS 186-5 §6.4.1), returned as DER ECDSA-Sig-Value (RFC 3279 §2.2.3), as KMS does. */
function ecdsaSign(curve: Curve, key: KeyObject, digest: Buffer): Buffer {
  const d = toBigInt(Buffer.from(key.export({ format: "jwk" }).d!, "base64url"));
  const nBits = curve.n.toString(2).length;
  const nBytes = Math.ceil(nBits / 8);
  // e: the leftmost nBits of the digest (§6.4.1 step 2-3).
  const hashBits = digest.length * 8;
  const e = toBigInt(digest) >> BigInt(Math.max(0, hashBits - nBits));
  for (;;) {
    const k = (toBigInt(randomBytes(nBytes + 8)) % (curve.n - 1n)) + 1n;
    const ecdh = createECDH(curve.ecdhName);
    ecdh.setPrivateKey(toBuffer(k, nBytes));
    const point = ecdh.getPublicKey(); // 04 || x || y
    const x = toBigInt(point.subarray(1, 1 + (point.length - 1) / 2));
    const r = x % curve.n;
    if (r === 0n) continue;
    const s = (modInverse(k, curve.n) * (e + r * d)) % curve.n;
    if (s === 0n) continue;
    return derSequence([derInteger(r), derInteger(s)]);
  }
}

function toBigInt(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt(`0x${Buffer.from(bytes).toString("hex")}`);
}

function toBuffer(value: bigint, length: number): Buffer {
  return Buffer.from(value.toString(16).padStart(length * 2, "0"), "hex");
}

function modInverse(a: bigint, m: bigint): bigint {
  let [oldR, r] = [a % m, m];
  let [oldS, s] = [1n, 0n];
  while (r !== 0n) {
    const q = oldR / r;
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s];
  }
  return ((oldS % m) + m) % m;
}

function derInteger(value: bigint): Buffer {
  let hex = value.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  let bytes = Buffer.from(hex, "hex");
  if (bytes[0]! & 0x80) bytes = Buffer.concat([Buffer.of(0), bytes]);
  return Buffer.concat([Buffer.of(0x02), derLength(bytes.length), bytes]);
}

function derSequence(parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  return Buffer.concat([Buffer.of(0x30), derLength(body.length), body]);
}

function derLength(length: number): Buffer {
  return length < 0x80 ? Buffer.of(length) : Buffer.of(0x81, length); // ECDSA-Sig-Value stays under 256 bytes
}
