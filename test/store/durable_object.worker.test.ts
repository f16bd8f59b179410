import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { DurableObjectStore } from "../../src/store/durable_object.js";
import { VERSION_RETENTION_SECONDS } from "../../src/store/store.js";
import { storeContract } from "./contract.js";
import { testEnv } from "./worker_env.js";

// Each store gets its own object (a random name), so tests share no state.
storeContract(
  "durable-object",
  (now) => new DurableObjectStore(testEnv.STORE_DO, { name: crypto.randomUUID(), now }),
  { kind: "durable-object", atomic: true },
);

describe("DurableObjectStore", () => {
  it("shares state between clients that use the same object name", async () => {
    const name = crypto.randomUUID();
    const a = new DurableObjectStore(testEnv.STORE_DO, { name });
    const b = new DurableObjectStore(testEnv.STORE_DO, { name });
    const other = new DurableObjectStore(testEnv.STORE_DO, { name: crypto.randomUUID() });
    expect(await a.create("txn/1", { step: 1 })).toBe(true);
    expect(await b.create("txn/1", { step: 2 })).toBe(false);
    expect((await b.get("txn/1"))?.value).toEqual({ step: 1 });
    expect(await other.get("txn/1")).toBeUndefined();
  });

  it("deletes rows expired longer than the retention window as later writes arrive, so storage does not grow", async () => {
    const name = crypto.randomUUID();
    let clock = Date.now();
    const store = new DurableObjectStore(testEnv.STORE_DO, { name, now: () => clock });
    const rows = () =>
      runInDurableObject(testEnv.STORE_DO.getByName(name), (_, state) =>
        state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM entries").one().n,
      );
    for (let i = 0; i < 20; i++) await store.put(`txn/${i}`, { i }, { ttlSeconds: 60 });
    await store.put("cert/1", { serial: 1 });
    expect(await rows()).toBe(21);
    // Expired, but within VERSION_RETENTION_SECONDS: the rows stay, so their versions keep counting.
    clock += 61_000;
    await store.put("txn/new-0", { i: 0 }, { ttlSeconds: 60 });
    expect(await rows()).toBe(22);
    clock += VERSION_RETENTION_SECONDS * 1000;
    for (let i = 1; i < 5; i++) await store.put(`txn/new-${i}`, { i }, { ttlSeconds: 60 });
    // The 20 old rows are gone; txn/new-0, expired for less than the window, stays with the new ones and the permanent one.
    expect(await rows()).toBe(1 + 1 + 4);
    expect((await store.get("cert/1"))?.value).toEqual({ serial: 1 });
  });
});
