/** Byte conversions used across layers: hex for keys and logs, base64 for records and PEM. */

/** Lower-case hex of bytes: transaction IDs, nonces and serials in store keys and logs. */
export function toHex(bytes: Uint8Array | ArrayBuffer): string {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let out = "";
  for (const byte of view) out += HEX[byte];
  return out;
}

const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, "0"));

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let index = 0; index < a.length; index++) if (a[index] !== b[index]) return false;
  return true;
}

export function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let index = 0; index < bytes.length; index += 0x8000) {
    binary += String.fromCharCode.apply(null, bytes.subarray(index, index + 0x8000) as unknown as number[]);
  }
  return btoa(binary);
}

/** Throws on text that is not base64 (atob's DOMException). */
export function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let index = 0; index < binary.length; index++) out[index] = binary.charCodeAt(index);
  return out;
}

/** Bytes from hex digits (even count); throws on anything else. */
export function fromHex(text: string): Uint8Array {
  if (text.length % 2 !== 0) throw new Error("not an even number of hex digits");
  // A loop, not a regular expression and a map: CRLs turn a hundred thousand serials into bytes.
  const out = new Uint8Array(text.length / 2);
  for (let index = 0; index < out.length; index++) {
    const high = hexDigit(text.charCodeAt(2 * index));
    const low = hexDigit(text.charCodeAt(2 * index + 1));
    if (high < 0 || low < 0) throw new Error("not an even number of hex digits");
    out[index] = (high << 4) | low;
  }
  return out;
}

function hexDigit(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (code >= 0x61 && code <= 0x66) return code - 0x57;
  if (code >= 0x41 && code <= 0x46) return code - 0x37;
  return -1;
}
