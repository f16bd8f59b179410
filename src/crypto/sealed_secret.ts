import { fromBase64, fromHex, toBase64 } from "../asn1/bytes.js";
import type { CryptoKey } from "./webcrypto_types.js";

/**
 * Secrets the server must be able to read again (an enrollment code is the
 * MAC key of its holder's messages, so it cannot be hashed), stored encrypted
 * at rest with AES-256-GCM. The key comes from a secret binding; the
 * associated data binds each ciphertext to what it belongs to (a username), so
 * a sealed code copied onto another entity does not open.
 */
export interface Sealed {
  /** Base64 of the 12-byte IV and of ciphertext||tag. */
  iv: string;
  data: string;
}

export class SecretSealer {
  readonly #key: CryptoKey;

  private constructor(key: CryptoKey) {
    this.#key = key;
  }

  /** From 32 bytes as base64 or 64 hex digits; throws a plain Error that says which form is expected. */
  static async fromBinding(text: string): Promise<SecretSealer> {
    const trimmed = text.trim();
    let bytes: Uint8Array | undefined;
    try {
      bytes = /^[0-9a-fA-F]{64}$/.test(trimmed) ? fromHex(trimmed) : fromBase64(trimmed);
    } catch {
      bytes = undefined;
    }
    if (!bytes || bytes.length !== 32) throw new Error("must be 32 random bytes, as base64 or 64 hex digits (openssl rand -base64 32)");
    const key = await crypto.subtle.importKey("raw", bytes, "AES-GCM", false, ["encrypt", "decrypt"]);
    return new SecretSealer(key);
  }

  async seal(secret: Uint8Array, context: string): Promise<Sealed> {
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const data = await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: encoder.encode(context) }, this.#key, secret);
    return { iv: toBase64(iv), data: toBase64(new Uint8Array(data)) };
  }

  /** The secret, or undefined when the ciphertext, its context or the key do not match. */
  async open(sealed: Sealed, context: string): Promise<Uint8Array | undefined> {
        try {
      const iv = fromBase64(sealed.iv);
      const data = fromBase64(sealed.data);
      return new Uint8Array(await crypto.subtle.decrypt({ name: "AES-GCM", iv, additionalData: encoder.encode(context) }, this.#key, data));
    } catch {
      return undefined;
    }
  }
}

const encoder = new TextEncoder();
