/**
 * Random bytes from the platform's CSPRNG (WebCrypto getRandomValues), drawn
 * 4 KiB at a time: a CMP message needs a dozen small values (nonces, a
 * serial, a salt), and each getRandomValues call costs a trip into the
 * runtime that is several times the cost of copying 16 octets. Handed-out
 * octets are wiped from the pool, so the pool never holds a value already
 * in use. Larger requests go to getRandomValues directly.
 */
const POOL_SIZE = 4096;
const DIRECT_ABOVE = 256;

let pool = new Uint8Array(0);
let offset = 0;

export function randomBytes(length: number): Uint8Array {
  if (length > DIRECT_ABOVE) return crypto.getRandomValues(new Uint8Array(length));
  if (offset + length > pool.length) {
    pool = crypto.getRandomValues(new Uint8Array(POOL_SIZE));
    offset = 0;
  }
  const out = pool.slice(offset, offset + length);
  pool.fill(0, offset, offset + length);
  offset += length;
  return out;
}
