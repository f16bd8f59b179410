import type { HashAlgorithm } from "./algorithms.js";
import { digest } from "./digest.js";

/**
 * The ANSI X9.63 key derivation function (SEC 1 §3.6.1), as ECDH key
 * agreement in CMS uses it (RFC 5753 §7.1.4, RFC 9481 §4.1.2):
 * Hash(Z || counter || SharedInfo) for counter = 1, 2, ... until enough
 * octets, the counter a 32-bit big-endian number.
 */
export async function x963Kdf(hash: HashAlgorithm, sharedSecret: Uint8Array, sharedInfo: Uint8Array, length: number): Promise<Uint8Array> {
  const out = new Uint8Array(length);
  const input = new Uint8Array(sharedSecret.length + 4 + sharedInfo.length);
  input.set(sharedSecret);
  input.set(sharedInfo, sharedSecret.length + 4);
  const counter = new DataView(input.buffer, sharedSecret.length, 4);
  for (let i = 1, filled = 0; filled < length; i++) {
    counter.setUint32(0, i);
    const block = await digest(hash, input);
    out.set(block.subarray(0, length - filled), filled);
    filled += block.length;
  }
  return out;
}
