import type { CryptoKey } from "./webcrypto_types.js";

/**
 * AES-CBC with WebCrypto, which always pads (PKCS #7): the content
 * encryption of EnvelopedData pads the same way (RFC 5652 §6.3), and the
 * two unpadded passes of RFC 3211's key wrap are made from it.
 */

const BLOCK = 16;

export function importAesCbcKey(raw: Uint8Array): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", raw, "AES-CBC", false, ["encrypt", "decrypt"]);
}

/** Encrypt with PKCS #7 padding (RFC 5652 §6.3). */
export async function encryptCbc(key: CryptoKey, iv: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.encrypt({ name: "AES-CBC", iv }, key, data));
}

/** Decrypt and remove PKCS #7 padding; a wrong key or altered data fails here (or in what reads the result). */
export async function decryptCbc(key: CryptoKey, iv: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.decrypt({ name: "AES-CBC", iv }, key, data));
}

/** CBC over whole blocks, no padding: the padded result less its last block (the padding's), which CBC computes last. */
export async function encryptCbcBlocks(key: CryptoKey, iv: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
  if (data.length === 0 || data.length % BLOCK !== 0) throw new Error("unpadded AES-CBC needs whole blocks");
  return (await encryptCbc(key, iv, data)).subarray(0, data.length);
}

/**
 * CBC decryption of whole blocks without padding. WebCrypto insists on
 * valid padding, so the block a padded encryption would have appended is
 * computed (the encryption of an empty message chained from the last
 * ciphertext block) and decrypted along; it decrypts to a full padding block,
 * which WebCrypto removes.
 */
export async function decryptCbcBlocks(key: CryptoKey, iv: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
  if (data.length === 0 || data.length % BLOCK !== 0) throw new Error("unpadded AES-CBC needs whole blocks");
  const padding = await encryptCbc(key, data.subarray(data.length - BLOCK), new Uint8Array(0));
  const joined = new Uint8Array(data.length + BLOCK);
  joined.set(data);
  joined.set(padding, data.length);
  return decryptCbc(key, iv, joined);
}

export const AES_BLOCK_BYTES = BLOCK;
