import { BATCH_LIMIT, VERSION_RETENTION_SECONDS, type BatchOperation, type WriteOptions } from "./store.js";

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

/** A batch operation checked and with its value as JSON text, ready for a backend. */
export interface PreparedOperation {
  key: string;
  /** undefined: no condition; null: must be absent; a number: must have that version. */
  expect: number | null | undefined;
  write: { json: string; ttlSeconds: number | undefined } | "delete" | undefined;
}

/**
 * Checks a batch before any backend is touched: at most `limit` operations,
 * each key once, each operation doing something, versions integers, TTLs and
 * values as for single writes.
 */
export function prepareBatch(operations: readonly BatchOperation[], limit = BATCH_LIMIT): PreparedOperation[] {
  if (operations.length > limit) throw new RangeError(`a batch holds at most ${limit} operations, got ${operations.length}`);
  const keys = new Set<string>();
  return operations.map(({ key, expect, write }) => {
    if (keys.has(key)) throw new RangeError(`a batch names each key once; "${key}" appears twice`);
    keys.add(key);
    if (expect === undefined && write === undefined) throw new RangeError(`batch operation on "${key}" neither expects nor writes`);
    if (expect !== undefined && expect !== null && !(Number.isSafeInteger(expect) && expect > 0)) {
      throw new RangeError(`batch operation on "${key}" expects version ${expect}, not a positive integer`);
    }
    const prepared = write === undefined || write === "delete" ? write : { json: jsonOf(write), ttlSeconds: ttlSeconds(write) };
    return { key, expect, write: prepared };
  });
}

/** The retention window in milliseconds: how long an absent (deleted or expired) entry keeps its version. */
export const VERSION_RETENTION_MS = VERSION_RETENTION_SECONDS * 1000;

function jsonOf(write: { value: unknown } | { json: string }): string {
  if (!("json" in write)) return toJson(write.value);
  if (typeof write.json !== "string") throw new TypeError("a batch write's json must be JSON text");
  return write.json;
}
