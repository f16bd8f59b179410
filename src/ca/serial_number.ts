import { randomBytes } from "../crypto/random_pool.js";
import { toHex } from "../asn1/bytes.js";
/**
 * Certificate serial numbers. RFC 5280 §4.1.2.2: a positive INTEGER, unique
 * per CA, at most 20 octets. The CA/Browser Forum Baseline Requirements
 * §7.1 ask for at least 64 bits from a CSPRNG; we take 128 so that
 * uniqueness needs no coordination between stateless instances.
 */

export interface SerialNumber {
  /** DER-minimal INTEGER contents: no redundant leading 0x00, positive. */
  bytes: Uint8Array;
  /** Lower-case hex of the positive value, without the sign octet; even length. */
  hex: string;
}

const RANDOM_OCTETS = 16;

export type RandomBytes = (length: number) => Uint8Array;

export const defaultRandomBytes: RandomBytes = randomBytes;

export function newSerialNumber(randomBytes: RandomBytes = defaultRandomBytes): SerialNumber {
  // Zero is not positive (RFC 5280 §4.1.2.2); with 128 random bits a retry
  // only happens when the random source is broken, hence the bound.
  for (let attempt = 0; attempt < 4; attempt++) {
    const random = randomBytes(RANDOM_OCTETS);
    if (random.length !== RANDOM_OCTETS) throw new Error(`randomBytes returned ${random.length} octets, wanted ${RANDOM_OCTETS}`);
    const serial = serialNumberFromUnsigned(random);
    if (serial) return serial;
  }
  throw new Error("the random source keeps returning zero");
}

/**
 * The serial number for an unsigned big-endian value, or undefined for zero.
 * A 0x00 sign octet is prepended when the top bit is set, so a 16-octet value
 * takes at most 17 octets, within the 20 allowed.
 */
export function serialNumberFromUnsigned(value: Uint8Array): SerialNumber | undefined {
  let start = 0;
  while (start < value.length && value[start] === 0) start++;
  if (start === value.length) return undefined;
  const magnitude = value.slice(start);
  const bytes = magnitude[0]! & 0x80 ? concatSign(magnitude) : magnitude;
  return { bytes, hex: toHex(magnitude) };
}

/**
 * The hex form of a serial number read from a certificate or a request
 * (INTEGER contents, e.g. CertificateSerialNumber from @peculiar/asn1-x509),
 * so that records keyed by serial agree whoever computed the key.
 * Throws for zero and negative numbers, which no conforming CA issues.
 */
export function serialNumberHex(integerContents: Uint8Array | ArrayBuffer): string {
  const contents = integerContents instanceof Uint8Array ? integerContents : new Uint8Array(integerContents);
  if (contents.length === 0 || contents[0]! & 0x80) throw new Error("serial number is not a positive INTEGER");
  const serial = serialNumberFromUnsigned(contents);
  if (!serial) throw new Error("serial number is zero");
  return serial.hex;
}

function concatSign(magnitude: Uint8Array): Uint8Array {
  const out = new Uint8Array(magnitude.length + 1);
  out.set(magnitude, 1);
  return out;
}

