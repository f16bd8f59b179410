import { describe, expect, it } from "vitest";
import { callsBetween, countingStore } from "../../bench/counting_store.js";
import { MemoryStore } from "../../src/store/memory.js";
import type { Store } from "../../src/store/store.js";

describe("countingStore (bench: Durable Object calls per message)", () => {
  it("counts each Store method call once, forwards it, and leaves properties alone", async () => {
    const counter = countingStore(new MemoryStore());
    const { store } = counter;
    expect(store.kind).toBe("memory");
    expect(store.atomic).toBe(true);
    expect(await store.create("a", 1)).toBe(true);
    const read = await store.get<number>("a");
    expect(read?.value).toBe(1);
    expect(await store.compareAndSet("a", read!.version, 2)).toBe(true);
    await store.put("b", 3);
    expect((await store.list("")).items.map((item) => item.key)).toEqual(["a", "b"]);
    await store.delete("b");
    expect(counter.total()).toBe(6);
    expect(counter.byMethod()).toEqual({ create: 1, get: 1, compareAndSet: 1, put: 1, list: 1, delete: 1 });
  });

  it("counts a method the Store interface does not know yet, and an inner call as one", async () => {
    // A batch method that calls the store's own methods: one call from the
    // engine, one Durable Object RPC, so one count.
    class Batching extends MemoryStore {
      async getMany(keys: string[]): Promise<unknown[]> {
        return Promise.all(keys.map((key) => this.get(key)));
      }
    }
    const counter = countingStore(new Batching());
    await (counter.store as Store & Batching).getMany(["x", "y", "z"]);
    expect(counter.byMethod()).toEqual({ getMany: 1 });
  });

  it("gives the calls between two readings, per method", () => {
    expect(callsBetween({ get: 2, put: 1 }, { get: 3, put: 1, create: 1 })).toEqual({ get: 1, create: 1 });
  });
});
