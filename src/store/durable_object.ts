import { DurableObject } from "cloudflare:workers";
import type { DurableObjectNamespace, DurableObjectState } from "@cloudflare/workers-types";
import { InvalidCursorError, StoreError, type BatchOperation, type BatchResult, type ListOptions, type ListPage, type Store, type Versioned, type WriteOptions } from "./store.js";
import { expiresAt, pageLimit, prepareBatch, toJson, ttlSeconds, VERSION_RETENTION_MS, type PreparedOperation } from "./store_arguments.js";

/**
 * The Store on Cloudflare Workers: one Durable Object holds every entry in
 * its SQLite database. Strongly consistent and atomic (docs/store.md says why
 * this is the default).
 *
 * Atomicity: a Durable Object runs one event at a time, and each method below
 * runs its SQL synchronously, with no `await` inside; the conditional writes
 * are each one statement (INSERT ... ON CONFLICT ... WHERE, UPDATE ... WHERE
 * version = ?). So no other call can run between a check and its write.
 *
 * Time: the caller passes its clock reading with every call and the object
 * judges expiry by it, so the engine's clock (and a test's fake clock) decide
 * what has expired. Each write also deletes up to PURGE_PER_WRITE rows expired
 * for longer than VERSION_RETENTION_SECONDS (store.ts), more than it adds, so
 * expired rows cannot pile up while writes go on.
 *
 * Values travel and rest as JSON text; the object never parses them.
 */
export class StoreObject extends DurableObject {
  constructor(ctx: DurableObjectState, env: unknown) {
    super(ctx, env);
    ctx.storage.sql.exec(SCHEMA);
  }

  getEntry(key: string, now: number): StoredEntry | null {
    const rows = this.sql<StoredEntry>(
      "SELECT json, version FROM entries WHERE key = ?1 AND (expires_at IS NULL OR expires_at > ?2)",
      key,
      now,
    );
    return rows[0] ?? null;
  }

  /** Create-if-absent; an expired row counts as absent and is replaced. */
  createEntry(key: string, json: string, expiresAt: number | null, now: number): boolean {
    this.purgeExpired(now);
    // The version continues from an expired predecessor, so a caller still
    // holding the old version cannot compare-and-set the new entry.
    const rows = this.sql(
      `INSERT INTO entries (key, json, version, expires_at) VALUES (?1, ?2, 1, ?3)
       ON CONFLICT (key) DO UPDATE SET json = excluded.json, version = entries.version + 1, expires_at = excluded.expires_at
       WHERE entries.expires_at IS NOT NULL AND entries.expires_at <= ?4
       RETURNING version`,
      key,
      json,
      expiresAt,
      now,
    );
    return rows.length === 1;
  }

  compareAndSetEntry(key: string, expectedVersion: number, json: string, expiresAt: number | null, now: number): boolean {
    this.purgeExpired(now);
    const rows = this.sql(
      `UPDATE entries SET json = ?2, version = version + 1, expires_at = ?3
       WHERE key = ?1 AND version = ?4 AND (expires_at IS NULL OR expires_at > ?5)
       RETURNING version`,
      key,
      json,
      expiresAt,
      expectedVersion,
      now,
    );
    return rows.length === 1;
  }

  putEntry(key: string, json: string, expiresAt: number | null, now: number): void {
    this.purgeExpired(now);
    this.upsert(key, json, expiresAt);
  }

  /** Write the entry whatever is there; returns its new version. */
  private upsert(key: string, json: string, expiresAt: number | null): number {
    return this.sql<{ version: number }>(
      `INSERT INTO entries (key, json, version, expires_at) VALUES (?1, ?2, 1, ?3)
       ON CONFLICT (key) DO UPDATE SET json = excluded.json, version = entries.version + 1, expires_at = excluded.expires_at
       RETURNING version`,
      key,
      json,
      expiresAt,
    )[0]!.version;
  }

  /**
   * Delete as "expired now": the row keeps its version for the retention
   * window (store.ts, VERSION_RETENTION_SECONDS) and loses its value at once.
   */
  deleteEntry(key: string, now: number): void {
    this.sql(
      "UPDATE entries SET json = 'null', version = version + 1, expires_at = ?2 WHERE key = ?1 AND (expires_at IS NULL OR expires_at > ?2)",
      key,
      now,
    );
  }

  /**
   * Every condition, then every write, in one synchronous SQLite transaction:
   * nothing else runs in the object meanwhile, and a failure part way rolls
   * the writes back. Expired rows are purged once per batch, not per write.
   */
  batchEntries(operations: PreparedOperation[], now: number): BatchResult {
    return this.ctx.storage.transactionSync(() => {
      const failed = operations.flatMap(({ key, expect }, index) => (expect === undefined || this.liveVersion(key, now) === expect ? [] : [index]));
      if (failed.length > 0) return { committed: false as const, failed };
      this.purgeExpired(now);
      const versions = operations.map(({ key, expect, write }) => {
        if (write === undefined) return expect ?? undefined;
        if (write === "delete") return void this.deleteEntry(key, now);
        return this.upsert(key, write.json, expiryOf(now, write.ttlSeconds));
      });
      return { committed: true as const, versions };
    });
  }

  /** The version of the live entry under key, or null: a condition needs no value. */
  private liveVersion(key: string, now: number): number | null {
    return this.sql<{ version: number }>("SELECT version FROM entries WHERE key = ?1 AND (expires_at IS NULL OR expires_at > ?2)", key, now)[0]?.version ?? null;
  }

  /** Live entries with the prefix and a key after `after`, in key order; one more than `limit` tells the caller a next page exists. */
  listEntries(prefix: string, after: string | null, limit: number, now: number): ListedEntry[] {
    // Bounds on both sides make the scan an index range, so a page costs the
    // same however many entries lie outside the prefix or before the cursor.
    const where: string[] = [];
    const bindings: unknown[] = [];
    const and = (condition: string, ...values: unknown[]) => {
      where.push(condition);
      bindings.push(...values);
    };
    if (after === null) and("key >= ?", prefix);
    else and("key > ?", after);
    const upper = prefixUpperBound(prefix);
    if (upper === null) and("substr(key, 1, length(?)) = ?", prefix, prefix);
    else and("key < ?", upper);
    and("(expires_at IS NULL OR expires_at > ?)", now);
    return this.sql<ListedEntry>(
      `SELECT key, json, version FROM entries WHERE ${where.join(" AND ")} ORDER BY key LIMIT ?`,
      ...bindings,
      limit + 1,
    );
  }

  /** Rows absent for longer than the retention window go; younger ones keep their version counting. */
  private purgeExpired(now: number): void {
    this.sql(
      "DELETE FROM entries WHERE key IN (SELECT key FROM entries WHERE expires_at <= ?1 LIMIT ?2)",
      now - VERSION_RETENTION_MS,
      PURGE_PER_WRITE,
    );
  }

  private sql<T extends Record<string, string | number | null>>(query: string, ...bindings: unknown[]): T[] {
    return this.ctx.storage.sql.exec<T>(query, ...bindings).toArray();
  }
}

/** The Store client: forwards each call to one named StoreObject. */
export class DurableObjectStore implements Store {
  readonly atomic = true;
  readonly kind = "durable-object";

  private readonly namespace: DurableObjectNamespace<StoreObject>;
  private readonly name: string;
  private readonly now: () => number;

  /**
   * @param namespace the STORE_DO binding
   * @param options.name the object's name; every Worker using the same name shares the same state
   * @param options.now clock in milliseconds; tests pass a fake one to expire entries without sleeping
   */
  constructor(namespace: DurableObjectNamespace<StoreObject>, options: { name?: string; now?: () => number } = {}) {
    this.namespace = namespace;
    this.name = options.name ?? "jellyfish";
    this.now = options.now ?? Date.now;
  }

  async get<T>(key: string): Promise<Versioned<T> | undefined> {
    const entry = await this.call((o) => o.getEntry(key, this.now()));
    return entry ? { value: JSON.parse(entry.json) as T, version: entry.version } : undefined;
  }

  async create<T>(key: string, value: T, options?: WriteOptions): Promise<boolean> {
    const { json, expires, now } = this.prepare(value, options);
    return this.call((o) => o.createEntry(key, json, expires, now));
  }

  async compareAndSet<T>(key: string, expectedVersion: number, value: T, options?: WriteOptions): Promise<boolean> {
    const { json, expires, now } = this.prepare(value, options);
    return this.call((o) => o.compareAndSetEntry(key, expectedVersion, json, expires, now));
  }

  async put<T>(key: string, value: T, options?: WriteOptions): Promise<void> {
    const { json, expires, now } = this.prepare(value, options);
    await this.call((o) => o.putEntry(key, json, expires, now));
  }

  async delete(key: string): Promise<void> {
    const now = this.now();
    await this.call((o) => o.deleteEntry(key, now));
  }

  async batch(operations: readonly BatchOperation[]): Promise<BatchResult> {
    const prepared = prepareBatch(operations);
    if (prepared.length === 0) return { committed: true, versions: [] };
    const now = this.now();
    return this.call((o) => o.batchEntries(prepared, now));
  }

  async list<T>(prefix: string, options: ListOptions = {}): Promise<ListPage<T>> {
    const limit = pageLimit(options.limit);
    const after = options.cursor ?? null;
    // A cursor is the last key of the previous page, so it has the prefix;
    // the object relies on that to bound its scan.
    if (after !== null && !after.startsWith(prefix)) throw new InvalidCursorError("list cursor does not belong to this prefix");
    const now = this.now();
    const rows = await this.call((o) => o.listEntries(prefix, after, limit, now));
    const items = rows.slice(0, limit).map((row) => ({
      key: row.key,
      value: JSON.parse(row.json) as T,
      version: row.version,
    }));
    return rows.length > limit ? { items, cursor: items[items.length - 1].key } : { items };
  }

  /** Checks a write's arguments here, so a caller's mistake is not reported as a store failure. */
  private prepare(value: unknown, options?: WriteOptions): { json: string; expires: number | null; now: number } {
    const now = this.now();
    const json = toJson(value);
    return { json, expires: expiryOf(now, ttlSeconds(options)), now };
  }

  /**
   * One RPC to the object. The stub is made per call because a stub belongs
   * to the request that made it, and a Store may outlive a request.
   * Failures are not retried: a write may have committed before the error.
   */
  private async call<R>(rpc: (object: StoreRpc) => R | Promise<R>): Promise<R> {
    const stub = this.namespace.get(this.namespace.idFromName(this.name)) as unknown as StoreRpc;
    try {
      return await rpc(stub);
    } catch (error) {
      throw new StoreError(`Durable Object store "${this.name}": ${(error as Error)?.message ?? error}`, { cause: error });
    }
  }
}

/**
 * The object's methods as seen through a stub: the same signatures, each
 * returning a promise. Spelled out because the RPC stub types of
 * @cloudflare/workers-types need its global declarations to resolve.
 */
type StoreRpc = {
  [K in "getEntry" | "createEntry" | "compareAndSetEntry" | "putEntry" | "deleteEntry" | "listEntries" | "batchEntries"]: (
    ...args: Parameters<StoreObject[K]>
  ) => Promise<ReturnType<StoreObject[K]>>;
};

interface StoredEntry extends Record<string, string | number> {
  json: string;
  version: number;
}

interface ListedEntry extends StoredEntry {
  key: string;
}

/** Whole milliseconds for the INTEGER column; null is SQL's "no expiry". */
function expiryOf(now: number, ttlSeconds: number | undefined): number | null {
  const expires = expiresAt(now, ttlSeconds === undefined ? undefined : { ttlSeconds });
  return expires === undefined ? null : Math.ceil(expires);
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS entries (
    key TEXT PRIMARY KEY,
    json TEXT NOT NULL,
    version INTEGER NOT NULL,
    expires_at INTEGER
  );
  CREATE INDEX IF NOT EXISTS entries_expires_at ON entries (expires_at) WHERE expires_at IS NOT NULL;
`;

/** More than one row per write, so expired rows are removed faster than they can accumulate. */
const PURGE_PER_WRITE = 8;

/**
 * The least string greater than every string that starts with prefix, or null
 * when there is none that is simple to compute. SQLite compares text as UTF-8
 * bytes, which orders like code points, so incrementing the last character
 * works unless it is a surrogate or the last code point of the BMP.
 */
function prefixUpperBound(prefix: string): string | null {
  if (prefix === "") return null;
  const last = prefix.charCodeAt(prefix.length - 1);
  if ((last >= 0xd7ff && last <= 0xdfff) || last === 0xffff) return null;
  return prefix.slice(0, -1) + String.fromCharCode(last + 1);
}
