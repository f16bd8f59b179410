import { describe, expect, it } from "vitest";
import { MemoryStore } from "../../src/store/memory.js";
import { storeContract } from "./contract.js";

storeContract("memory", (now) => new MemoryStore(now), { kind: "memory", atomic: true });

describe("MemoryStore", () => {
  it("uses the real clock when none is given", async () => {
    const store = new MemoryStore();
    await store.put("k", 1, { ttlSeconds: 0.05 });
    expect((await store.get("k"))?.value).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(await store.get("k")).toBeUndefined();
  });

  it("rejects a TTL that is not a positive number and a value JSON cannot hold", async () => {
    const store = new MemoryStore();
    await expect(store.put("k", 1, { ttlSeconds: 0 })).rejects.toThrow(RangeError);
    await expect(store.put("k", 1, { ttlSeconds: Number.NaN })).rejects.toThrow(RangeError);
    await expect(store.put("k", undefined)).rejects.toThrow(TypeError);
    expect(await store.get("k")).toBeUndefined();
  });
});
