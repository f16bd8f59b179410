import type { WriteOptions } from "./store.js";

/**
 * Validation and conversion of Store call arguments, shared by the backends
 * so that each rejects a caller's mistake the same way (see the guarantees in
 * store.ts). A mistake is a RangeError or TypeError raised before the backend
 * is touched, never a StoreError.
 */

/** Entries per list page when the caller names no limit. */
export const DEFAULT_PAGE = 100;
/** Most entries per list page; a larger limit is lowered to this. */
export const MAX_PAGE = 1000;

/** The page size for list: `limit`, or DEFAULT_PAGE when absent, capped at `max`. */
export function pageLimit(limit: number | undefined, max: number = MAX_PAGE): number {
  if (limit === undefined) return DEFAULT_PAGE;
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`list limit must be a positive integer, got ${limit}`);
  return Math.min(limit, max);
}

/** The write's TTL in seconds once checked to be a positive finite number; undefined means no expiry. */
export function ttlSeconds(options?: WriteOptions): number | undefined {
  const ttl = options?.ttlSeconds;
  if (ttl === undefined) return undefined;
  if (!(ttl > 0) || !Number.isFinite(ttl)) throw new RangeError(`ttlSeconds must be a positive number, got ${ttl}`);
  return ttl;
}

/**
 * When a write's entry expires, in milliseconds by the clock that read `now`
 * (not rounded); undefined means no expiry.
 */
export function expiresAt(now: number, options?: WriteOptions): number | undefined {
  const ttl = ttlSeconds(options);
  return ttl === undefined ? undefined : now + ttl * 1000;
}

/** The value as JSON text; throws when it has none (undefined, a function, a symbol). */
export function toJson(value: unknown): string {
  const json = JSON.stringify(value);
  if (json === undefined) throw new TypeError("store values must be JSON-serialisable");
  return json;
}
