/**
 * A Map that keeps at most `capacity` entries, dropping the least recently
 * used: for what a process (or a Worker isolate) sees again and again across
 * requests, such as the CA's certificate and key, and the certificates of
 * signers that come back. Only for values that follow from the key alone:
 * a parse of given bytes, an imported key, a signature check.
 */
export class BoundedCache<K, V> {
  private readonly entries = new Map<K, V>();

  constructor(private readonly capacity: number) {}

  get(key: K): V | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) {
      // Map keeps insertion order: re-inserting marks the entry as newest.
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  set(key: K, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }

  delete(key: K): void {
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}

/**
 * Bytes as a string usable as a Map key (one UTF-16 unit per byte). `apply`
 * with the typed array, not a spread: V8 spreads through the iterator, about
 * seven times slower for a certificate's 600 octets (13 µs against 2 µs).
 */
export function bytesKey(bytes: Uint8Array): string {
  let key = "";
  for (let offset = 0; offset < bytes.length; offset += 8192) {
    key += String.fromCharCode.apply(null, bytes.subarray(offset, offset + 8192) as unknown as number[]);
  }
  return key;
}
