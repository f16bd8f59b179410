import type { EntryCache, RememberedEntry } from "./entry_cache.js";
import { BATCH_LIMIT, type BatchOperation, type BatchResult, type ListOptions, type ListPage, type Store, type Versioned, type WriteOptions } from "./store.js";
import { toJson, ttlSeconds } from "./store_arguments.js";

/**
 * The Store one CMP message works on: its writes are held back and committed
 * together, with the conditions they rest on, in one Store.batch at the end
 * of the message. On Cloudflare that is one Durable Object call per message
 * (issue 15) where each get, create and compareAndSet used to be one.
 *
 * What the handlers see is what they saw before, provided the commit
 * succeeds:
 *  - create and compareAndSet answer from what this message knows of the key
 *    (read, remembered, or written by itself) and become the batch's
 *    conditions: "absent" and "still at version v". A key never looked at is
 *    assumed to be as the caller expects, and the condition checks it.
 *  - get reads through: this message's own writes first, then an entry this
 *    isolate remembers (EntryCache), then the backend. A remembered entry is
 *    a guess, so the batch also checks that its version is still current.
 *  - a condition that fails at commit means a concurrent writer got there
 *    first, or a guess was stale: commit throws StoreConflict, nothing is
 *    written, and the engine runs the message again on the backend directly
 *    (engine.ts), where each call is atomic on its own, as before.
 *  - list goes to the backend and does not see this message's writes.
 *
 * Reads from the backend are not re-checked at commit, exactly as a get
 * followed by a later write was never atomic with it before.
 */
export class MessageStore implements Store {
  readonly atomic: boolean;
  readonly kind: string;

  /** What this message knows of each key: the entry (null: absent), and whether that is a remembered guess. */
  private readonly known = new Map<string, { entry: RememberedEntry | null }>();
  /** The state of the backend each decision rested on: the batch's conditions. */
  private readonly expected = new Map<string, number | null>();
  private readonly writes = new Map<string, { json: string; ttlSeconds: number | undefined } | "delete">();
  private committed = false;

  /**
   * @param backend the store the batch goes to
   * @param cache entries this isolate remembers; undefined to read everything from the backend
   * @param now milliseconds, the engine's clock
   */
  constructor(
    readonly backend: Store,
    private readonly cache: EntryCache | undefined,
    private readonly now: () => number,
  ) {
    this.atomic = backend.atomic;
    this.kind = backend.kind;
  }

  async get<T>(key: string): Promise<Versioned<T> | undefined> {
    const entry = await this.lookup(key);
    return entry ? { value: JSON.parse(entry.json) as T, version: entry.version } : undefined;
  }

  /**
   * For a key the message is about to create (a new transaction): take it as
   * absent without asking, and let the batch's "absent" condition check it.
   * A replay of an old transactionID thus costs a signature and a second run
   * of the message, instead of every new transaction costing a read.
   */
  assumeAbsent(key: string): void {
    if (this.known.has(key)) return;
    this.known.set(key, { entry: null });
    this.expect(key, null);
  }

  async create<T>(key: string, value: T, options?: WriteOptions): Promise<boolean> {
    const json = toJson(value);
    const ttl = ttlSeconds(options);
    const known = this.known.get(key);
    if (known?.entry) return false;
    this.expect(key, null);
    this.write(key, { json, ttlSeconds: ttl }, 1);
    return true;
  }

  async compareAndSet<T>(key: string, expectedVersion: number, value: T, options?: WriteOptions): Promise<boolean> {
    const json = toJson(value);
    const ttl = ttlSeconds(options);
    const known = this.known.get(key);
    if (known && known.entry?.version !== expectedVersion) return false;
    this.expect(key, expectedVersion);
    this.write(key, { json, ttlSeconds: ttl }, expectedVersion + 1);
    return true;
  }

  async put<T>(key: string, value: T, options?: WriteOptions): Promise<void> {
    const json = toJson(value);
    const ttl = ttlSeconds(options);
    this.write(key, { json, ttlSeconds: ttl }, (this.known.get(key)?.entry?.version ?? 0) + 1);
  }

  async delete(key: string): Promise<void> {
    this.writes.set(key, "delete");
    this.known.set(key, { entry: null });
  }

  list<T>(prefix: string, options?: ListOptions): Promise<ListPage<T>> {
    return this.backend.list<T>(prefix, options);
  }

  /** Straight to the backend, outside this message's own batch; the keys it touches are forgotten here. */
  async batch(operations: readonly BatchOperation[]): Promise<BatchResult> {
    for (const { key } of operations) {
      this.known.delete(key);
      this.cache?.forget(key);
    }
    return this.backend.batch(operations);
  }

  /** Whether commit was called (whatever came of it). */
  get isCommitted(): boolean {
    return this.committed;
  }

  /** Whether commit has anything to send. */
  get dirty(): boolean {
    return this.expected.size > 0 || this.writes.size > 0;
  }

  /**
   * Send the conditions and writes as one batch (nothing when there are
   * none). Throws StoreConflict when a condition failed (nothing written),
   * StoreError when the backend failed. Once only.
   */
  async commit(): Promise<void> {
    if (this.committed) throw new Error("MessageStore committed twice");
    this.committed = true;
    if (!this.dirty) return;
    const keys = [...new Set([...this.expected.keys(), ...this.writes.keys()])];
    if (keys.length > BATCH_LIMIT) throw new StoreConflict(`the message's ${keys.length} writes do not fit one batch`, []);
    const operations: BatchOperation[] = keys.map((key) => {
      const write = this.writes.get(key);
      return {
        key,
        expect: this.expected.get(key),
        write: write === undefined || write === "delete" ? write : { json: write.json, ttlSeconds: write.ttlSeconds },
      };
    });
    let result: BatchResult;
    try {
      result = await this.backend.batch(operations);
    } catch (error) {
      // The batch may have been applied though its answer was lost: nothing here is to be trusted.
      for (const key of keys) this.cache?.forget(key);
      if (!(await this.applied())) throw error;
      return;
    }
    if (!result.committed) {
      const failed = result.failed.map((index) => keys[index]!);
      for (const key of failed) this.cache?.forget(key);
      throw new StoreConflict(`a condition on ${failed.join(", ")} no longer held`, failed);
    }
    this.remember(keys, result.versions);
  }

  /**
   * After a failed batch call: whether it was applied all the same (its
   * answer lost on the way back). A batch is all or nothing, so one key
   * holding exactly what this message wrote tells; the values carry fresh
   * nonces and serials, so another writer's value is never equal. Unknown
   * (no value written, or the read fails too) counts as not applied.
   */
  private async applied(): Promise<boolean> {
    const witness = [...this.writes].find(([, write]) => write !== "delete");
    if (!witness || !this.backend.atomic) return false;
    const [key, write] = witness as [string, { json: string }];
    try {
      const entry = await this.backend.get(key);
      return entry !== undefined && JSON.stringify(entry.value) === write.json;
    } catch {
      return false;
    }
  }

  /** Remember what was written (with the version the backend reports) for the next message. */
  private remember(keys: string[], versions: Array<number | undefined>): void {
    if (!this.cache) return;
    const now = this.now();
    keys.forEach((key, index) => {
      const write = this.writes.get(key);
      const version = versions[index];
      if (write === undefined) return;
      if (write === "delete" || version === undefined) return this.cache!.forget(key);
      this.cache!.set(key, { json: write.json, version }, now, write.ttlSeconds === undefined ? undefined : now + write.ttlSeconds * 1000);
    });
  }

  private async lookup(key: string): Promise<RememberedEntry | null> {
    const known = this.known.get(key);
    if (known) return known.entry;
    const remembered = this.cache?.get(key, this.now());
    if (remembered) {
      this.known.set(key, { entry: remembered });
      // A guess: the batch checks it is still current.
      this.expect(key, remembered.version);
      return remembered;
    }
    const read = await this.backend.get(key);
    const entry = read ? { json: JSON.stringify(read.value), version: read.version } : null;
    // Another call of this message may have written the key meanwhile: its write wins.
    if (this.known.has(key)) return this.known.get(key)!.entry;
    this.known.set(key, { entry });
    if (entry) this.cache?.set(key, entry, this.now());
    return entry;
  }

  /** The first assumption about a key's stored state is the one to check; later ones are about this message's own writes. */
  private expect(key: string, version: number | null): void {
    if (!this.expected.has(key) && !this.writes.has(key)) this.expected.set(key, version);
  }

  private write(key: string, write: { json: string; ttlSeconds: number | undefined }, version: number): void {
    this.writes.set(key, write);
    this.known.set(key, { entry: { json: write.json, version } });
  }
}

/** A batch condition no longer held: another writer was first, or a remembered entry was stale. Run the message again. */
export class StoreConflict extends Error {
  constructor(
    message: string,
    readonly keys: readonly string[],
  ) {
    super(message);
    this.name = "StoreConflict";
  }
}

/** The key is about to be created by this message: with a MessageStore, take it as absent without a read. */
export async function getUnlessNew<T>(store: Store, key: string): Promise<Versioned<T> | undefined> {
  if (store instanceof MessageStore) {
    store.assumeAbsent(key);
    return undefined;
  }
  return store.get<T>(key);
}

/** The store whose writes take effect at once: a MessageStore's backend, or the store itself. */
export function committedStore(store: Store): Store {
  return store instanceof MessageStore ? store.backend : store;
}
