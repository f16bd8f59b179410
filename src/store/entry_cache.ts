import { BoundedCache } from "../crypto/bounded_cache.js";
import { VERSION_RETENTION_SECONDS, type Store } from "./store.js";

/**
 * How long this isolate trusts an entry it wrote or read, as a guess to be
 * checked: well inside VERSION_RETENTION_SECONDS, so a remembered (key,
 * version) cannot name a different write of that key (store.ts).
 */
export const ENTRY_CACHE_SECONDS = 60;

/** An entry as remembered: its JSON text and version. */
export interface RememberedEntry {
  json: string;
  version: number;
}

/**
 * Entries this isolate lately wrote or read, with their versions. Never an
 * answer on its own: message_store.ts uses a remembered entry only as the
 * expected state of a batch condition, so the store confirms it (or the
 * message runs again) in the same round trip that commits the message.
 * That is what makes the certConf after an ir one Durable Object call
 * instead of three: the transaction and certificate the ir wrote are here.
 *
 * Bounded (BoundedCache): at most `capacity` entries, the least recently used go first.
 */
export class EntryCache {
  private readonly entries: BoundedCache<string, RememberedEntry & { until: number }>;

  constructor(
    capacity = 4096,
    private readonly lifetimeMs = ENTRY_CACHE_SECONDS * 1000,
  ) {
    this.entries = new BoundedCache(capacity);
  }

  get(key: string, now: number): RememberedEntry | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.until <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  /** Remember an entry seen at `now`; `expiresAt` (ms) caps how long, for an entry with a TTL. */
  set(key: string, entry: RememberedEntry, now: number, expiresAt?: number): void {
    const until = Math.min(now + this.lifetimeMs, expiresAt ?? Infinity);
    if (until <= now) this.entries.delete(key);
    else this.entries.set(key, { json: entry.json, version: entry.version, until });
  }

  forget(key: string): void {
    this.entries.delete(key);
  }
}

const caches = new WeakMap<Store, EntryCache>();

/** The one cache of a backend store (an isolate keeps one Store for its life). */
export function entryCacheFor(store: Store): EntryCache {
  let cache = caches.get(store);
  if (!cache) caches.set(store, (cache = new EntryCache()));
  return cache;
}
