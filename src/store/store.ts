/**
 * The key-value store that holds every piece of state that must outlive one
 * request: CMP transactions, certificate records, later end entities.
 *
 * Values are JSON-serialisable objects. Every entry carries a version, a
 * positive integer that the store increments on each successful write, so
 * that callers can do optimistic concurrency with compareAndSet.
 *
 * Guarantees (each backend documents which it gives; `atomic` says so):
 *  - get: returns the latest committed value, or undefined when the key is
 *    absent or its TTL has passed (an expired entry is never returned, even
 *    if the backend has not yet deleted it).
 *  - create: create-if-absent. When `atomic` is true, of any number of
 *    concurrent creates of one key exactly one returns true. An expired entry
 *    counts as absent.
 *  - compareAndSet: writes only when the stored version equals
 *    `expectedVersion`. When `atomic` is true, of concurrent calls with the
 *    same expectedVersion exactly one returns true.
 *  - put and delete: unconditional, last writer wins.
 *  - batch: conditions and writes on several keys, all or nothing, in one
 *    round trip (see BatchOperation).
 *  - versions: a (key, version) pair names one write for at least
 *    VERSION_RETENTION_SECONDS after the entry was deleted or expired.
 *  - list: entries whose key starts with `prefix`, in key order, at most
 *    `limit` per page; pass the returned cursor to get the next page.
 *  - ttlSeconds: the entry disappears after that many seconds; absent means
 *    it lives until deleted.
 *
 * A backend with `atomic === false` (Workers KV) only approximates create
 * and compareAndSet with a read followed by a write: concurrent writers can
 * both win. The engine logs a warning when it runs on such a store, and
 * docs/store.md names the races that allows.
 */
export interface Store {
  /** True when create and compareAndSet are atomic (see above). */
  readonly atomic: boolean;
  /** A short name for logs and docs: "memory", "durable-object", "kv", "dynamodb". */
  readonly kind: string;

  get<T>(key: string): Promise<Versioned<T> | undefined>;
  create<T>(key: string, value: T, options?: WriteOptions): Promise<boolean>;
  compareAndSet<T>(key: string, expectedVersion: number, value: T, options?: WriteOptions): Promise<boolean>;
  put<T>(key: string, value: T, options?: WriteOptions): Promise<void>;
  delete(key: string): Promise<void>;
  list<T>(prefix: string, options?: ListOptions): Promise<ListPage<T>>;
  /**
   * Several conditions and writes in one round trip (one Durable Object call,
   * one DynamoDB TransactWriteItems): every condition is judged against the
   * same state, and either every write is applied or none is. When `atomic`
   * is false (KV) the conditions are read first and the writes follow, with
   * the same races as create and compareAndSet. Each key at most once; at most
   * BATCH_LIMIT operations.
   */
  batch(operations: readonly BatchOperation[]): Promise<BatchResult>;
}

/**
 * One key's part of a batch: a condition, a write, or both.
 *  - `expect`: the stored version must be this number, or the key must be
 *    absent (`null`); an expired entry is absent, as for create.
 *  - `write`: the new value (and TTL), or "delete".
 * So create is `{expect: null, write}`, compareAndSet `{expect: v, write}`,
 * put `{write}`, and a pure check `{expect}`.
 */
export interface BatchOperation {
  key: string;
  expect?: number | null;
  /** `json`: the value already as JSON.stringify's text, for a caller that holds it so (message_store.ts), sparing a parse and a second stringify. */
  write?: { value: unknown; ttlSeconds?: number } | { json: string; ttlSeconds?: number } | "delete";
}

export type BatchResult =
  /** `versions[i]`: operation i's key's version after the batch (undefined when deleted, or when the backend cannot tell without reading). */
  | { committed: true; versions: Array<number | undefined> }
  /** Nothing was written; `failed` lists the operations whose condition did not hold. */
  | { committed: false; failed: number[] };

/** Most operations in one batch: DynamoDB's TransactWriteItems takes 100 items. */
export const BATCH_LIMIT = 100;

/**
 * How long a key keeps counting its version after it was deleted or expired:
 * a backend removes the row (or lets DynamoDB's TTL remove the item) only
 * this long after the entry stopped being live, and a write in the meantime
 * continues from the old version. So within this window a (key, version) pair
 * never names two different writes, which is what lets message_store.ts
 * trust a remembered version for at most ENTRY_CACHE_SECONDS (< this).
 */
export const VERSION_RETENTION_SECONDS = 600;

export interface Versioned<T> {
  value: T;
  version: number;
}

export interface WriteOptions {
  /** Lifetime of the entry in seconds from now; omitted means no expiry. */
  ttlSeconds?: number;
}

export interface ListOptions {
  limit?: number;
  cursor?: string;
}

export interface ListPage<T> {
  items: Array<{ key: string } & Versioned<T>>;
  /** Present when more entries may follow. */
  cursor?: string;
}

/**
 * Raised by list for a cursor this store did not hand out: the caller's
 * input is wrong, the store is fine (the admin API answers 400, not 500).
 */
export class InvalidCursorError extends RangeError {
  constructor(message = "list cursor is not one this store returned") {
    super(message);
    this.name = "InvalidCursorError";
  }
}

/** Raised by a backend when the store itself fails (not for a lost race). */
export class StoreError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "StoreError";
  }
}
