import { describe, expect, it } from "vitest";
import { KvStore } from "../../src/store/kv.js";
import { storeContract } from "./contract.js";
import { testEnv } from "./worker_env.js";

// One KV namespace for all tests; the contract keeps each test under its own
// key prefix. The atomicity cases are skipped: KV is not atomic.
storeContract("kv", (now) => new KvStore(testEnv.STORE_KV, { now }), { kind: "kv", atomic: false });

describe("KvStore", () => {
  it("asks KV to expire an entry no sooner than KV allows, and keeps the exact expiry itself", async () => {
    const prefix = `kv-ttl/${crypto.randomUUID()}/`;
    const clock = Date.now();
    const store = new KvStore(testEnv.STORE_KV, { now: () => clock });
    await store.put(`${prefix}short`, { n: 1 }, { ttlSeconds: 5 });
    await store.put(`${prefix}long`, { n: 2 }, { ttlSeconds: 90.5 });
    const { keys } = await testEnv.STORE_KV.list<{ version: number; expiresAt: number }>({ prefix });
    const byName = new Map(keys.map((key) => [key.name, key]));
    const short = byName.get(`${prefix}short`)!;
    const long = byName.get(`${prefix}long`)!;
    // KV's expiration is in seconds since the epoch, and at least 60 s away.
    expect(short.expiration! * 1000).toBeGreaterThanOrEqual(clock + 59_000);
    expect(long.expiration! * 1000).toBeGreaterThanOrEqual(clock + 90_000);
    expect(short.metadata).toEqual({ version: 1, expiresAt: clock + 5_000 });
    expect(long.metadata).toEqual({ version: 1, expiresAt: clock + 90_500 });
  });

  it("ignores a key whose metadata it did not write", async () => {
    const key = `kv-foreign/${crypto.randomUUID()}`;
    await testEnv.STORE_KV.put(key, JSON.stringify({ n: 1 }));
    const store = new KvStore(testEnv.STORE_KV);
    expect(await store.get(key)).toBeUndefined();
  });
});
