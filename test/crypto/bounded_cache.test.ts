import { describe, expect, it } from "vitest";
import { BoundedCache, bytesKey } from "../../src/crypto/bounded_cache.js";

describe("BoundedCache", () => {
  it("drops the least recently used entry beyond its capacity", () => {
    const cache = new BoundedCache<string, number>(2);
    cache.set("a", 1);
    cache.set("b", 2);
    expect(cache.get("a")).toBe(1); // a is now newer than b
    cache.set("c", 3);
    expect(cache.get("b")).toBeUndefined();
    expect(cache.get("a")).toBe(1);
    expect(cache.get("c")).toBe(3);
    expect(cache.size).toBe(2);
    cache.delete("a");
    expect(cache.get("a")).toBeUndefined();
  });
});

describe("bytesKey", () => {
  it("tells different bytes apart and maps equal bytes to the same key, beyond one chunk too", () => {
    const long = new Uint8Array(20_000).map((_, i) => i % 251);
    const other = long.slice();
    other[19_999] ^= 1;
    expect(bytesKey(long)).toBe(bytesKey(long.slice()));
    expect(bytesKey(long)).not.toBe(bytesKey(other));
    expect(bytesKey(Uint8Array.of(0x00, 0xff))).toHaveLength(2);
    expect(bytesKey(Uint8Array.of(1, 2))).not.toBe(bytesKey(Uint8Array.of(1, 2, 0)));
  });
});
