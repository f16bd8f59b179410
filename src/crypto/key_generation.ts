import type { KeyType } from "../config/profile.js";

/** A key pair generated for a requester (RFC 9483 §4.1.6): the public key to certify, the private key to deliver. */
export interface GeneratedKeyPair {
  /** DER SubjectPublicKeyInfo. */
  publicKey: Uint8Array;
  /** DER PrivateKeyInfo (RFC 5958 OneAsymmetricKey v1), as WebCrypto exports it. Never stored, never logged. */
  privateKey: Uint8Array;
}

/**
 * Generate a key pair of `type` with WebCrypto (the same in workerd, Node
 * and Lambda). The algorithm named at generation only decides the export
 * formats' OIDs: rsaEncryption, id-ecPublicKey with the named curve, or
 * id-Ed25519 (RFC 3279, RFC 5480, RFC 8410), whatever the key is used for.
 */
export async function generateKeyPair(type: KeyType, rsaBits: number): Promise<GeneratedKeyPair> {
  const algorithm =
    type === "RSA"
      ? { name: "RSASSA-PKCS1-v1_5", modulusLength: rsaBits, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" }
      : type === "Ed25519"
        ? { name: "Ed25519" }
        : { name: "ECDSA", namedCurve: type };
  const pair = (await crypto.subtle.generateKey(algorithm, true, ["sign", "verify"])) as { publicKey: CryptoKeyLike; privateKey: CryptoKeyLike };
  const [publicKey, privateKey] = await Promise.all([
    crypto.subtle.exportKey("spki", pair.publicKey as never),
    crypto.subtle.exportKey("pkcs8", pair.privateKey as never),
  ]);
  return { publicKey: new Uint8Array(publicKey as ArrayBuffer), privateKey: new Uint8Array(privateKey as ArrayBuffer) };
}

type CryptoKeyLike = object;
