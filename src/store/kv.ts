import type { KVNamespace } from "@cloudflare/workers-types";
import { InvalidCursorError, StoreError, type BatchOperation, type BatchResult, type ListOptions, type ListPage, type Store, type Versioned, type WriteOptions } from "./store.js";
import { pageLimit, prepareBatch, toJson, ttlSeconds } from "./store_arguments.js";

/**
 * A Store over a Workers KV namespace.
 *
 * NOT ATOMIC, EVENTUALLY CONSISTENT (`atomic` is false). KV has no
 * conditional write, so create and compareAndSet read and then write: two
 * concurrent callers can both see the same version and both return true,
 * and the last write wins. A read may return a value up to about a minute
 * old, in another location even older, and KV allows about one write per
 * second to one key. Use it only where a lost race is harmless; docs/store.md
 * lists what that permits in CMP (a reused transactionID accepted twice,
 * a certConf applied twice, a lost update to a certificate's status).
 *
 * Layout: the value is the JSON text of the entry; the version and expiry
 * time ride in KV metadata, so one read returns all three.
 *
 * Time: KV expires keys by itself, but no sooner than 60 s after a write, so
 * the expiry time is also stored and every read filters by it against the
 * injected clock. A short TTL therefore behaves as on the other backends;
 * KV only deletes the key later.
 */
export class KvStore implements Store {
  readonly atomic = false;
  readonly kind = "kv";

  private readonly now: () => number;

  /**
   * @param namespace the KV namespace binding
   * @param options.now clock in milliseconds; tests pass a fake one to expire entries without sleeping
   */
  constructor(
    private readonly namespace: KVNamespace,
    options: { now?: () => number } = {},
  ) {
    this.now = options.now ?? Date.now;
  }

  async get<T>(key: string): Promise<Versioned<T> | undefined> {
    const entry = await this.read(key);
    return entry && entry.live ? { value: JSON.parse(entry.json) as T, version: entry.version } : undefined;
  }

  async create<T>(key: string, value: T, options?: WriteOptions): Promise<boolean> {
    const json = toJson(value);
    const ttl = ttlSeconds(options);
    const existing = await this.read(key);
    if (existing?.live) return false;
    // Not atomic: another create may pass the same check before this write lands.
    await this.write(key, json, (existing?.version ?? 0) + 1, ttl);
    return true;
  }

  async compareAndSet<T>(key: string, expectedVersion: number, value: T, options?: WriteOptions): Promise<boolean> {
    const json = toJson(value);
    const ttl = ttlSeconds(options);
    const existing = await this.read(key);
    if (!existing?.live || existing.version !== expectedVersion) return false;
    // Not atomic: another writer holding the same version may also get here.
    await this.write(key, json, expectedVersion + 1, ttl);
    return true;
  }

  async put<T>(key: string, value: T, options?: WriteOptions): Promise<void> {
    const json = toJson(value);
    const ttl = ttlSeconds(options);
    const existing = await this.read(key);
    await this.write(key, json, (existing?.version ?? 0) + 1, ttl);
  }

  async delete(key: string): Promise<void> {
    await this.guard(`delete ${key}`, () => this.namespace.delete(key));
  }

  /**
   * Not atomic, like create and compareAndSet: the conditions are read (in
   * parallel), then the writes are made one by one; a concurrent writer can
   * slip in between, and a failure part way leaves the earlier writes.
   */
  async batch(operations: readonly BatchOperation[]): Promise<BatchResult> {
    const prepared = prepareBatch(operations);
    const found = await Promise.all(prepared.map(({ key }) => this.read(key)));
    const current = found.map((entry) => (entry?.live ? entry.version : null));
    const failed = prepared.flatMap(({ expect }, index) => (expect === undefined || current[index] === expect ? [] : [index]));
    if (failed.length > 0) return { committed: false, failed };
    const versions: Array<number | undefined> = [];
    for (const [index, { key, write }] of prepared.entries()) {
      if (write === "delete") {
        await this.delete(key);
        versions.push(undefined);
      } else if (write) {
        const version = (found[index]?.version ?? 0) + 1;
        await this.write(key, write.json, version, write.ttlSeconds);
        versions.push(version);
      } else {
        versions.push(current[index] ?? undefined);
      }
    }
    return { committed: true, versions };
  }

  async list<T>(prefix: string, options: ListOptions = {}): Promise<ListPage<T>> {
    const limit = pageLimit(options.limit, KV_MAX_LIST_LIMIT);
    const { cursor } = options;
    // KV's cursors are opaque tokens of URL-safe text; anything else is not
    // one it handed out, and KV refuses a token it did not make by an error
    // that names the cursor: both are the caller's mistake, not a KV outage.
    if (cursor !== undefined && !/^[\w+/=.-]{1,1024}$/.test(cursor)) throw new InvalidCursorError();
    const page = await this.guard(`list ${prefix}`, () => this.namespace.list<Metadata>({ prefix, limit, cursor })).catch((error: unknown) => {
      if (cursor !== undefined && /cursor/i.test(String((error as Error)?.message))) throw new InvalidCursorError();
      throw error;
    });
    // KV lists keys only; values need one read each. A key deleted or
    // expired between the list and the read is left out.
    const entries = await Promise.all(page.keys.map(async ({ name }) => ({ key: name, entry: await this.read(name) })));
    const items: ListPage<T>["items"] = [];
    for (const { key, entry } of entries) {
      if (entry?.live) items.push({ key, value: JSON.parse(entry.json) as T, version: entry.version });
    }
    return page.list_complete ? { items } : { items, cursor: page.cursor };
  }

  private async read(key: string): Promise<{ json: string; version: number; live: boolean } | undefined> {
    const { value, metadata } = await this.guard(`get ${key}`, () =>
      this.namespace.getWithMetadata<Metadata>(key, "text"),
    );
    if (value === null || metadata === null || typeof metadata.version !== "number") return undefined;
    const live = metadata.expiresAt === undefined || metadata.expiresAt > this.now();
    return { json: value, version: metadata.version, live };
  }

  private async write(key: string, json: string, version: number, ttl: number | undefined): Promise<void> {
    const metadata: Metadata = { version };
    if (ttl !== undefined) metadata.expiresAt = Math.ceil(this.now() + ttl * 1000);
    await this.guard(`put ${key}`, () =>
      this.namespace.put(key, json, {
        metadata,
        ...(ttl === undefined ? {} : { expirationTtl: Math.max(KV_MIN_TTL_SECONDS, Math.ceil(ttl)) }),
      }),
    );
  }

  private async guard<R>(what: string, operation: () => Promise<R>): Promise<R> {
    try {
      return await operation();
    } catch (error) {
      throw new StoreError(`KV store ${what}: ${(error as Error)?.message ?? error}`, { cause: error });
    }
  }
}

interface Metadata {
  version: number;
  /** Milliseconds since the epoch by the store's clock; absent means no expiry. */
  expiresAt?: number;
}

/** KV rejects an expirationTtl below 60 seconds. */
const KV_MIN_TTL_SECONDS = 60;
/** KV's own maximum for one list call. */
const KV_MAX_LIST_LIMIT = 1000;
