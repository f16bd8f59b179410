import { InvalidCursorError, type BatchOperation, type BatchResult, type ListOptions, type ListPage, type Store, type Versioned, type WriteOptions } from "./store.js";
import { expiresAt, pageLimit, prepareBatch, toJson, VERSION_RETENTION_MS } from "./store_arguments.js";

/**
 * A Store in process memory: for tests, development and the single-process
 * Node server. Atomic, because every method reads and writes the map without
 * an `await` in between, so on one event loop no two calls can interleave.
 * State is lost when the process ends and is not shared between processes.
 *
 * Values are kept as JSON text, so a caller that mutates an object after
 * writing it (or after reading it) cannot change what is stored, and values
 * behave exactly as they do on the backends that serialise.
 */
export class MemoryStore implements Store {
  readonly atomic = true;
  readonly kind = "memory";

  private readonly entries = new Map<string, Entry>();
  private writesSinceSweep = 0;
  /** entries' keys in order; undefined after a key was added or removed (list sorts again). */
  private sorted: string[] | undefined;

  /** @param now clock in milliseconds; tests pass a fake one to expire entries without sleeping. */
  constructor(private readonly now: () => number = Date.now) {}

  async get<T>(key: string): Promise<Versioned<T> | undefined> {
    const entry = this.live(key);
    return entry && { value: JSON.parse(entry.json) as T, version: entry.version };
  }

  async create<T>(key: string, value: T, options?: WriteOptions): Promise<boolean> {
    if (this.live(key)) return false;
    this.write(key, value, options);
    return true;
  }

  async compareAndSet<T>(key: string, expectedVersion: number, value: T, options?: WriteOptions): Promise<boolean> {
    if (this.live(key)?.version !== expectedVersion) return false;
    this.write(key, value, options);
    return true;
  }

  async put<T>(key: string, value: T, options?: WriteOptions): Promise<void> {
    this.write(key, value, options);
  }

  async delete(key: string): Promise<void> {
    this.remove(key);
  }

  async batch(operations: readonly BatchOperation[]): Promise<BatchResult> {
    const prepared = prepareBatch(operations);
    // Judged and applied with no await in between: nothing interleaves.
    const failed = prepared.flatMap(({ key, expect }, index) =>
      expect === undefined || (this.live(key)?.version ?? null) === expect ? [] : [index],
    );
    if (failed.length > 0) return { committed: false, failed };
    const versions = prepared.map(({ key, write }) => {
      if (write === "delete") this.remove(key);
      else if (write) this.writeJson(key, write.json, write.ttlSeconds === undefined ? undefined : { ttlSeconds: write.ttlSeconds });
      return this.live(key)?.version;
    });
    return { committed: true, versions };
  }

  async list<T>(prefix: string, options: ListOptions = {}): Promise<ListPage<T>> {
    const limit = pageLimit(options.limit);
    const after = options.cursor;
    // As on Durable Objects: a cursor is the last key of a page, so it has the prefix.
    if (after !== undefined && !after.startsWith(prefix)) throw new InvalidCursorError("list cursor does not belong to this prefix");
    const keys = this.sortedKeys();
    const items: ListPage<T>["items"] = [];
    // Binary search to the first key after the cursor (or the first with the prefix): a page costs its own size, not the store's.
    for (let at = firstAfter(keys, after ?? prefix, after !== undefined); at < keys.length && keys[at]!.startsWith(prefix); at++) {
      const key = keys[at]!;
      const entry = this.live(key);
      if (!entry) continue;
      if (items.length === limit) return { items, cursor: items[items.length - 1].key };
      items.push({ key, value: JSON.parse(entry.json) as T, version: entry.version });
    }
    return { items };
  }

  /** Every key in order, sorted again only after a key was added or removed. */
  private sortedKeys(): string[] {
    this.sorted ??= [...this.entries.keys()].sort();
    return this.sorted;
  }

  /** The entry under key unless it is absent or expired (an expired one stays until sweep, keeping its version). */
  private live(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    return entry.expiresAt !== undefined && entry.expiresAt <= this.now() ? undefined : entry;
  }

  /** Delete as an entry that expires now: its version keeps counting for VERSION_RETENTION_SECONDS (store.ts). */
  private remove(key: string): void {
    const entry = this.live(key);
    if (entry) this.entries.set(key, { json: "null", version: entry.version + 1, expiresAt: this.now() });
  }

  private write(key: string, value: unknown, options?: WriteOptions): void {
    this.writeJson(key, toJson(value), options);
  }

  private writeJson(key: string, json: string, options?: WriteOptions): void {
    // The version keeps counting across an expired predecessor, so a caller
    // holding the old version cannot compare-and-set the new entry.
    const previous = this.entries.get(key);
    if (!previous) this.sorted = undefined;
    this.entries.set(key, {
      json,
      version: (previous?.version ?? 0) + 1,
      expiresAt: expiresAt(this.now(), options),
    });
    if (++this.writesSinceSweep >= SWEEP_EVERY) this.sweep();
  }

  /** Drops entries expired longer than the retention window, so memory does not grow forever. */
  private sweep(): void {
    this.writesSinceSweep = 0;
    const before = this.now() - VERSION_RETENTION_MS;
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt !== undefined && entry.expiresAt <= before) {
        this.entries.delete(key);
        this.sorted = undefined;
      }
    }
  }
}

/** Index of the first key > `bound` (exclusive) or >= `bound`, in sorted `keys`. */
function firstAfter(keys: readonly string[], bound: string, exclusive: boolean): number {
  let low = 0;
  let high = keys.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (keys[middle]! < bound || (exclusive && keys[middle] === bound)) low = middle + 1;
    else high = middle;
  }
  return low;
}

interface Entry {
  json: string;
  version: number;
  /** Milliseconds since the epoch; absent means no expiry. */
  expiresAt?: number;
}

const SWEEP_EVERY = 1024;
