import { AES_BLOCK_BYTES, decryptCbcBlocks, encryptCbcBlocks } from "./aes_cbc.js";
import type { CryptoKey } from "./webcrypto_types.js";

/**
 * The password-based key wrap of RFC 3211 §2.3 (id-alg-PWRI-KEK), with
 * AES-CBC as its block cipher: the KEK derived from the password encrypts
 * the formatted content-encryption key twice in CBC mode, so that every
 * ciphertext bit depends on every key bit. It is the one PWRI key
 * encryption OpenSSL's CMS implements, hence what a MAC-protected central
 * key generation request gets (RFC 9483 §4.1.6.3).
 */

/**
 * RFC 3211 §2.3.1: length octet, check value (the complement of the key's
 * first three octets), the key, random padding up to a multiple of the
 * block size and at least two blocks; then CBC under `iv`, then CBC again
 * with the last block of the first pass as IV.
 */
export async function pwriWrap(kek: CryptoKey, iv: Uint8Array, cek: Uint8Array, randomBytes: (n: number) => Uint8Array): Promise<Uint8Array> {
  if (cek.length < 3 || cek.length > 255) throw new Error("RFC 3211 wraps keys of 3 to 255 octets");
  const length = Math.max(2 * AES_BLOCK_BYTES, Math.ceil((4 + cek.length) / AES_BLOCK_BYTES) * AES_BLOCK_BYTES);
  const formatted = new Uint8Array(length);
  formatted[0] = cek.length;
  formatted[1] = ~cek[0]! & 0xff;
  formatted[2] = ~cek[1]! & 0xff;
  formatted[3] = ~cek[2]! & 0xff;
  formatted.set(cek, 4);
  formatted.set(randomBytes(length - 4 - cek.length), 4 + cek.length);
  const first = await encryptCbcBlocks(kek, iv, formatted);
  return encryptCbcBlocks(kek, first.subarray(first.length - AES_BLOCK_BYTES), first);
}

/**
 * RFC 3211 §2.3.2: undo the second pass (its last block first, with the
 * block before it as IV; then the rest with that block as IV), then the
 * first, and check length and check value. Any mismatch (a wrong password,
 * an altered key) is one error that says no more.
 */
export async function pwriUnwrap(kek: CryptoKey, iv: Uint8Array, wrapped: Uint8Array): Promise<Uint8Array> {
  const n = wrapped.length;
  if (n < 2 * AES_BLOCK_BYTES || n % AES_BLOCK_BYTES !== 0) throw new Error("the wrapped key has an impossible length");
  const lastIv = wrapped.subarray(n - 2 * AES_BLOCK_BYTES, n - AES_BLOCK_BYTES);
  const last = await decryptCbcBlocks(kek, lastIv, wrapped.subarray(n - AES_BLOCK_BYTES));
  const head = await decryptCbcBlocks(kek, last, wrapped.subarray(0, n - AES_BLOCK_BYTES));
  const inner = new Uint8Array(n);
  inner.set(head);
  inner.set(last, n - AES_BLOCK_BYTES);
  const formatted = await decryptCbcBlocks(kek, iv, inner);
  const length = formatted[0]!;
  const check = (formatted[1]! ^ formatted[4]!) & (formatted[2]! ^ formatted[5]!) & (formatted[3]! ^ formatted[6]!);
  if (length < 3 || 4 + length > n || check !== 0xff) throw new Error("the key does not unwrap: wrong password, or the key was altered");
  return formatted.slice(4, 4 + length);
}
