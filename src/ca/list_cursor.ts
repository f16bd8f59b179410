import { fromBase64, toBase64 } from "../asn1/bytes.js";

/**
 * The admin API's certificate list cursor. A filtered page can end in the
 * middle of a store page, so the cursor says where that store page began
 * (the store's own cursor, opaque: a key for memory and Durable Objects, an
 * encoded start key for DynamoDB, KV's token) and the last key returned;
 * listing resumes by reading that store page again and skipping up to the
 * key. The store's cursor alone cannot say that, and a bare key is not a
 * cursor for KV or DynamoDB. Base64 of JSON keeps it opaque and URL-safe
 * once percent-encoded; anything that does not decode is the caller's error.
 */
export interface ListPosition {
  /** The store cursor of the page to read next; absent: the first page. */
  store?: string;
  /** Skip keys up to and including this one. */
  after?: string;
}

/** Longer than any cursor this API hands out: a key plus a store's cursor. */
const MAX_CURSOR_LENGTH = 4096;

export function encodeListCursor(position: ListPosition): string {
  return toBase64(new TextEncoder().encode(JSON.stringify({ s: position.store, a: position.after })));
}

/** The position a cursor names, or undefined when it is not one encodeListCursor made for `prefix`. */
export function decodeListCursor(cursor: string, prefix: string): ListPosition | undefined {
  if (cursor.length > MAX_CURSOR_LENGTH) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(fromBase64(cursor)));
  } catch {
    return undefined;
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return undefined;
  const { s, a } = parsed as { s?: unknown; a?: unknown };
  if (s !== undefined && (typeof s !== "string" || s === "")) return undefined;
  if (a !== undefined && (typeof a !== "string" || !a.startsWith(prefix))) return undefined;
  return { store: s, after: a };
}
