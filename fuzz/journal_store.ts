import type { BatchOperation, BatchResult, ListOptions, ListPage, Store, Versioned, WriteOptions } from "../src/store/store.js";

/**
 * A Store that remembers, for the message under test, what each key held
 * before its first write, so the oracle can tell whether the message
 * changed the state (a write undone by its own rollback is no change).
 */
export class JournalStore implements Store {
  readonly atomic: boolean;
  readonly kind: string;
  private before = new Map<string, string | undefined>();

  constructor(private readonly inner: Store) {
    this.atomic = inner.atomic;
    this.kind = inner.kind;
  }

  /** Start a new message: forget what was written before. */
  begin(): void {
    this.before = new Map();
  }

  /** The keys whose value now differs from what it was at begin(). */
  async changedKeys(): Promise<string[]> {
    const changed: string[] = [];
    for (const [key, was] of this.before) {
      if (was !== (await this.snapshot(key))) changed.push(key);
    }
    return changed;
  }

  get<T>(key: string): Promise<Versioned<T> | undefined> {
    return this.inner.get<T>(key);
  }
  async create<T>(key: string, value: T, options?: WriteOptions): Promise<boolean> {
    await this.remember(key);
    return this.inner.create(key, value, options);
  }
  async compareAndSet<T>(key: string, expectedVersion: number, value: T, options?: WriteOptions): Promise<boolean> {
    await this.remember(key);
    return this.inner.compareAndSet(key, expectedVersion, value, options);
  }
  async put<T>(key: string, value: T, options?: WriteOptions): Promise<void> {
    await this.remember(key);
    return this.inner.put(key, value, options);
  }
  async delete(key: string): Promise<void> {
    await this.remember(key);
    return this.inner.delete(key);
  }
  list<T>(prefix: string, options?: ListOptions): Promise<ListPage<T>> {
    return this.inner.list<T>(prefix, options);
  }
  async batch(operations: readonly BatchOperation[]): Promise<BatchResult> {
    for (const { key, write } of operations) if (write !== undefined) await this.remember(key);
    return this.inner.batch(operations);
  }

  private async remember(key: string): Promise<void> {
    if (!this.before.has(key)) this.before.set(key, await this.snapshot(key));
  }

  private async snapshot(key: string): Promise<string | undefined> {
    const entry = await this.inner.get(key);
    return entry === undefined ? undefined : JSON.stringify(entry.value);
  }
}
