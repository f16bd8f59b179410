import { describe, expect, it } from "vitest";
import { EntryCache } from "../../src/store/entry_cache.js";
import { MessageStore, StoreConflict, getUnlessNew } from "../../src/store/message_store.js";
import { MemoryStore } from "../../src/store/memory.js";
import { StoreError, type BatchOperation, type Store } from "../../src/store/store.js";

/** A MemoryStore that counts calls, so each test can say how many round trips a message made. */
function counted(): { store: Store; backend: MemoryStore; calls: string[] } {
  const backend = new MemoryStore();
  const calls: string[] = [];
  const store = new Proxy(backend, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        calls.push(String(property));
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store, backend, calls };
}

const clock = () => 1_000_000;

describe("MessageStore", () => {
  it("holds writes back and commits them in one batch with the conditions they rest on", async () => {
    const { store, backend, calls } = counted();
    await backend.put("cert/1", { status: "issued" });
    const session = new MessageStore(store, undefined, clock);
    const cert = (await session.get<{ status: string }>("cert/1"))!;
    expect(await session.create("txn/a", { n: 1 }, { ttlSeconds: 60 })).toBe(true);
    expect(await session.compareAndSet("cert/1", cert.version, { status: "confirmed" })).toBe(true);
    await session.put("idx/1", { x: 1 });
    // Nothing written yet; the message reads its own writes.
    expect(await backend.get("txn/a")).toBeUndefined();
    expect((await session.get("txn/a"))?.value).toEqual({ n: 1 });
    calls.length = 0;
    await session.commit();
    expect(calls).toEqual(["batch"]);
    expect((await backend.get("txn/a"))?.value).toEqual({ n: 1 });
    expect((await backend.get("cert/1"))?.value).toEqual({ status: "confirmed" });
    expect((await backend.get("idx/1"))?.value).toEqual({ x: 1 });
  });

  it("answers create and compareAndSet from what it knows, as the backend would", async () => {
    const { store, backend } = counted();
    await backend.put("cert/1", { n: 1 });
    const session = new MessageStore(store, undefined, clock);
    const cert = (await session.get("cert/1"))!;
    expect(await session.create("cert/1", { n: 2 })).toBe(false);
    expect(await session.compareAndSet("cert/1", cert.version + 1, { n: 2 })).toBe(false);
    expect(await session.compareAndSet("cert/1", cert.version, { n: 2 })).toBe(true);
    // Its own write moved the version on.
    expect(await session.compareAndSet("cert/1", cert.version, { n: 3 })).toBe(false);
    expect(await session.compareAndSet("cert/1", cert.version + 1, { n: 3 })).toBe(true);
    await session.commit();
    expect((await backend.get("cert/1"))?.value).toEqual({ n: 3 });
  });

  it("throws StoreConflict and writes nothing when a concurrent writer got there first", async () => {
    const { store, backend } = counted();
    await backend.put("cert/1", { n: 1 });
    const session = new MessageStore(store, undefined, clock);
    const cert = (await session.get("cert/1"))!;
    await session.compareAndSet("cert/1", cert.version, { n: "mine" });
    await session.create("txn/a", { n: 1 });
    await backend.put("cert/1", { n: "theirs" });
    await expect(session.commit()).rejects.toBeInstanceOf(StoreConflict);
    expect((await backend.get("cert/1"))?.value).toEqual({ n: "theirs" });
    expect(await backend.get("txn/a")).toBeUndefined();
  });

  it("takes a new key as absent without a read, and the batch checks it", async () => {
    const { store, backend, calls } = counted();
    const session = new MessageStore(store, undefined, clock);
    expect(await getUnlessNew(session, "txn/a")).toBeUndefined();
    expect(await session.create("txn/a", { n: 1 })).toBe(true);
    expect(calls).toEqual([]);
    await backend.put("txn/a", { n: "replayed" });
    await expect(session.commit()).rejects.toBeInstanceOf(StoreConflict);
    // Without a MessageStore it is an ordinary read.
    expect((await getUnlessNew(backend, "txn/a"))?.value).toEqual({ n: "replayed" });
  });

  it("lets the next message use what this one wrote, checked by its batch", async () => {
    const { store, backend, calls } = counted();
    const cache = new EntryCache();
    const first = new MessageStore(store, cache, clock);
    await first.create("txn/a", { state: "issued" }, { ttlSeconds: 300 });
    await first.put("cert/1", { status: "issued" });
    await first.commit();

    calls.length = 0;
    const second = new MessageStore(store, cache, clock);
    const txn = (await second.get<{ state: string }>("txn/a"))!;
    const cert = (await second.get<{ status: string }>("cert/1"))!;
    expect(txn.value).toEqual({ state: "issued" });
    expect(await second.compareAndSet("txn/a", txn.version, { state: "closed" }, { ttlSeconds: 300 })).toBe(true);
    expect(await second.compareAndSet("cert/1", cert.version, { status: "confirmed" })).toBe(true);
    await second.commit();
    expect(calls).toEqual(["batch"]);
    expect((await backend.get("cert/1"))?.value).toEqual({ status: "confirmed" });
  });

  it("checks a remembered entry even when the message only reads it, and a stale one is a conflict", async () => {
    const { store, backend } = counted();
    const cache = new EntryCache();
    const first = new MessageStore(store, cache, clock);
    await first.put("cert/1", { status: "good" });
    await first.commit();
    // Revoked elsewhere (the admin API writes the backend directly).
    await backend.put("cert/1", { status: "revoked" });
    const second = new MessageStore(store, cache, clock);
    expect((await second.get("cert/1"))?.value).toEqual({ status: "good" });
    await second.create("txn/b", { n: 1 });
    await expect(second.commit()).rejects.toBeInstanceOf(StoreConflict);
    expect(await backend.get("txn/b")).toBeUndefined();
    // The stale entry is forgotten: the rerun reads the truth.
    const third = new MessageStore(store, cache, clock);
    expect((await third.get("cert/1"))?.value).toEqual({ status: "revoked" });
  });

  it("makes no call at all for a message that wrote nothing and guessed nothing", async () => {
    const { store, calls } = counted();
    const session = new MessageStore(store, new EntryCache(), clock);
    await session.get("cert/none");
    calls.length = 0;
    await session.commit();
    expect(calls).toEqual([]);
  });

  it("recognises a batch that was applied though its answer was lost", async () => {
    const backend = new MemoryStore();
    const lossy: Store = Object.assign(Object.create(backend) as MemoryStore, {
      batch: async (operations: readonly BatchOperation[]) => {
        await backend.batch(operations);
        throw new StoreError("answer lost");
      },
    });
    const session = new MessageStore(lossy, undefined, clock);
    await session.create("txn/a", { nonce: "0a1b" });
    await expect(session.commit()).resolves.toBeUndefined();

    const failing: Store = Object.assign(Object.create(backend) as MemoryStore, {
      batch: async () => {
        throw new StoreError("down");
      },
    });
    const other = new MessageStore(failing, undefined, clock);
    await other.create("txn/b", { nonce: "2c3d" });
    await expect(other.commit()).rejects.toBeInstanceOf(StoreError);
  });
});

describe("EntryCache", () => {
  it("forgets an entry after its lifetime or its TTL, and the least recently used beyond capacity", () => {
    const cache = new EntryCache(2, 60_000);
    cache.set("a", { json: "1", version: 1 }, 0);
    cache.set("b", { json: "2", version: 1 }, 0, 10_000);
    expect(cache.get("b", 9_999)?.json).toBe("2");
    expect(cache.get("b", 10_000)).toBeUndefined();
    expect(cache.get("a", 59_999)?.json).toBe("1");
    expect(cache.get("a", 60_000)).toBeUndefined();
    cache.set("a", { json: "1", version: 1 }, 0);
    cache.set("b", { json: "2", version: 1 }, 0);
    cache.get("a", 1);
    cache.set("c", { json: "3", version: 1 }, 0);
    expect(cache.get("b", 1)).toBeUndefined();
    expect(cache.get("a", 1)?.json).toBe("1");
  });
});
