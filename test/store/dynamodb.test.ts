import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { GetItemCommand, QueryCommand, TransactWriteItemsCommand, UpdateItemCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDbStore } from "../../src/store/dynamodb.js";
import { StoreError, VERSION_RETENTION_SECONDS } from "../../src/store/store.js";
import { DUMMY_CREDENTIALS, REGION, startDynalite, type Dynalite } from "../support/dynalite.js";
import { storeContract } from "./contract.js";
import { freePort } from "../support/free_port.js";

let db: Dynalite;
beforeAll(async () => {
  db = await startDynalite();
});
afterAll(async () => {
  await db?.stop();
});

storeContract("dynamodb (dynalite)", (now) => new DynamoDbStore({ tableName: db.tableName, client: db.client, now }), {
  kind: "dynamodb",
  atomic: true,
});

describe("DynamoDbStore", () => {
  const T0 = 1_700_000_000_500;
  const make = (now: () => number, extra: { queryLimit?: number; client?: DynamoDBClient } = {}) =>
    new DynamoDbStore({ tableName: db.tableName, client: db.client, now, ...extra });
  const ns = () => `test/${crypto.randomUUID()}/`;

  /** The item as DynamoDB holds it, bypassing the store's expiry filter. */
  async function rawItem(key: string) {
    const { Item } = await db.client.send(
      new GetItemCommand({
        TableName: db.tableName,
        Key: { pk: { S: key.slice(0, key.indexOf("/")) }, sk: { S: key } },
        ConsistentRead: true,
      }),
    );
    return Item;
  }

  it("lays out an item as pk = first path segment, sk = key, with the value as JSON text", async () => {
    const store = make(() => T0);
    const key = `cert/${crypto.randomUUID()}`;
    await store.put(key, { status: "good" });
    const item = await rawItem(key);
    expect(item?.pk).toEqual({ S: "cert" });
    expect(item?.sk).toEqual({ S: key });
    expect(item?.value).toEqual({ S: '{"status":"good"}' });
    expect(item?.version).toEqual({ N: "1" });
  });

  it("writes the TTL attribute expiresAt in whole epoch seconds, rounded up, plus the retention window, and removes it with the TTL", async () => {
    const store = make(() => T0);
    const key = `${ns()}ttl`;
    await store.put(key, 1, { ttlSeconds: 90 });
    const item = await rawItem(key);
    // T0 + 90 s = 1_700_000_090.5 s: TTL must not delete before the store's
    // expiry, nor until VERSION_RETENTION_SECONDS later, so the key's version
    // keeps counting meanwhile (store.ts; writeUpdate in dynamodb.ts).
    expect(item?.expiresAt).toEqual({ N: String(1_700_000_091 + VERSION_RETENTION_SECONDS) });
    expect(item?.expiresAtMs).toEqual({ N: String(T0 + 90_000) });
    await store.put(key, 2);
    const after = await rawItem(key);
    expect(after?.expiresAt).toBeUndefined();
    expect(after?.expiresAtMs).toBeUndefined();
  });

  it("deletes by leaving a tombstone that is absent from now and that TTL removes after the retention window", async () => {
    const store = make(() => T0);
    const key = `${ns()}gone`;
    await store.put(key, { n: 1 });
    await store.delete(key);
    const item = await rawItem(key);
    // An UpdateItem, not DeleteItem: the version counts on (tombstone in dynamodb.ts).
    expect(item?.version).toEqual({ N: "2" });
    expect(item?.expiresAtMs).toEqual({ N: String(T0) });
    expect(item?.expiresAt).toEqual({ N: String(1_700_000_001 + VERSION_RETENTION_SECONDS) });
    expect(await store.get(key)).toBeUndefined();
    // Deleting an absent key writes nothing, not even a tombstone.
    await store.delete(`${key}-never`);
    expect(await rawItem(`${key}-never`)).toBeUndefined();
    // A batch delete leaves the same tombstone.
    const other = `${ns()}batch-gone`;
    await store.put(other, { n: 1 });
    expect((await store.batch([{ key: other, expect: 1, write: "delete" }])).committed).toBe(true);
    const tomb = await rawItem(other);
    expect(tomb?.version).toEqual({ N: "2" });
    expect(tomb?.expiresAtMs).toEqual({ N: String(T0) });
    expect(tomb?.expiresAt).toEqual({ N: String(1_700_000_001 + VERSION_RETENTION_SECONDS) });
  });

  // A ConditionCheck carries only the placeholders its condition uses: DynamoDB
  // rejects an unused one, and "#expiresAtMs" once counted as using "#expiresAt".
  it("commits a batch of pure checks (ConditionCheck items) for a live and an absent key", async () => {
    const store = make(() => T0);
    const key = `${ns()}checked`;
    await store.put(key, 1);
    expect(await store.batch([{ key, expect: 1 }, { key: `${key}-absent`, expect: null }])).toEqual({ committed: true, versions: [1, undefined] });
    expect(await store.batch([{ key, expect: 2 }, { key: `${key}-absent`, expect: null }])).toEqual({ committed: false, failed: [0] });
    expect(await rawItem(`${key}-absent`)).toBeUndefined();
  });

  it("treats an expired item DynamoDB has not deleted yet as absent for get, list and create", async () => {
    let clock = T0;
    const store = make(() => clock);
    const prefix = ns();
    await store.put(`${prefix}old`, { n: 1 }, { ttlSeconds: 10 });
    await store.put(`${prefix}kept`, { n: 2 });
    clock += 10_001;
    // Still stored (dynalite, like AWS before its TTL sweep, has not deleted it)...
    expect((await rawItem(`${prefix}old`))?.value).toEqual({ S: '{"n":1}' });
    // ...but invisible.
    expect(await store.get(`${prefix}old`)).toBeUndefined();
    expect((await store.list(prefix)).items.map((item) => item.key)).toEqual([`${prefix}kept`]);
    expect(await store.compareAndSet(`${prefix}old`, 1, { n: 3 })).toBe(false);
    expect(await store.create(`${prefix}old`, { n: 4 })).toBe(true);
    // The version counts on from the expired item, so its holders cannot compare-and-set.
    expect(await store.get(`${prefix}old`)).toEqual({ value: { n: 4 }, version: 2 });
  });

  it("fills list pages across several DynamoDB pages, skipping expired items, with no trailing cursor", async () => {
    let clock = T0;
    const store = make(() => clock, { queryLimit: 2 });
    const prefix = ns();
    const live = Array.from({ length: 11 }, (_, i) => `${prefix}${String(i * 2).padStart(2, "0")}`);
    const expired = Array.from({ length: 10 }, (_, i) => `${prefix}${String(i * 2 + 1).padStart(2, "0")}`);
    for (const key of live) await store.put(key, key);
    for (const key of expired) await store.put(key, key, { ttlSeconds: 1 });
    clock += 1_001;

    const send = vi.spyOn(db.client, "send");
    try {
      const pages = [];
      let cursor: string | undefined;
      do {
        const page = await store.list<string>(prefix, { limit: 4, cursor });
        pages.push(page);
        cursor = page.cursor;
      } while (cursor !== undefined && pages.length < 10);
      expect(pages.map((page) => page.items.length)).toEqual([4, 4, 3]);
      expect(pages.flatMap((page) => page.items.map((item) => item.value))).toEqual(live);
      // 21 items read two at a time: at least 11 Query calls for 3 list pages.
      const queries = send.mock.calls.filter(([command]) => command instanceof QueryCommand);
      expect(queries.length).toBeGreaterThanOrEqual(11);
    } finally {
      send.mockRestore();
    }
  });

  it("refuses a prefix without its first segment and slash, and a cursor from elsewhere", async () => {
    const store = make(() => T0);
    for (const prefix of ["", "cert", "/cert/"]) {
      await expect(store.list(prefix)).rejects.toThrow(RangeError);
    }
    const prefix = ns();
    for (const n of [1, 2, 3]) await store.put(`${prefix}${n}`, n);
    const { cursor } = await store.list(prefix, { limit: 1 });
    expect(cursor).toBeDefined();
    await expect(store.list(`${ns()}`, { cursor })).rejects.toThrow(RangeError);
    await expect(store.list(`other/`, { cursor })).rejects.toThrow(RangeError);
    await expect(store.list(prefix, { cursor: "not a cursor" })).rejects.toThrow(RangeError);
  });

  it("returns false for a compareAndSet with a version no entry can have", async () => {
    const store = make(() => T0);
    const key = `${ns()}a`;
    await store.put(key, 1);
    expect(await store.compareAndSet(key, 1.5, 2)).toBe(false);
    expect(await store.compareAndSet(key, Number.NaN, 2)).toBe(false);
    expect((await store.get(key))?.value).toBe(1);
  });

  describe("when the SDK retried a conditional write whose first answer was lost", () => {
    /**
     * Sends each UpdateItem twice and reports the second outcome, marked as
     * a second attempt: what the SDK does when the first response timed out
     * after DynamoDB had committed.
     */
    function replayingClient(): DynamoDBClient {
      const send = db.client.send.bind(db.client) as (command: unknown) => Promise<unknown>;
      return {
        send: async (command: unknown) => {
          if (!(command instanceof UpdateItemCommand)) return send(command);
          await send(command).catch(() => undefined);
          try {
            return await send(command);
          } catch (error) {
            (error as { $metadata: object }).$metadata = { ...(error as { $metadata: object }).$metadata, attempts: 2 };
            throw error;
          }
        },
      } as unknown as DynamoDBClient;
    }

    it("recognises its own committed create and compareAndSet as won", async () => {
      const store = make(() => T0, { client: replayingClient() });
      const key = `${ns()}txn`;
      expect(await store.create(key, { mine: true })).toBe(true);
      const { version } = (await store.get(key))!;
      expect(await store.compareAndSet(key, version, { mine: "again" })).toBe(true);
      expect((await store.get(key))?.value).toEqual({ mine: "again" });
    });

    it("still reports a race lost to another writer", async () => {
      const key = `${ns()}txn`;
      await make(() => T0).create(key, { other: true });
      const store = make(() => T0, { client: replayingClient() });
      expect(await store.create(key, { mine: true })).toBe(false);
      expect((await store.get(key))?.value).toEqual({ other: true });
    });
  });

  // The SDK resends a TransactWriteItems whose answer was lost with the same
  // ClientRequestToken, and DynamoDB answers a repeat of a committed one with
  // success ("TransactWriteItems", API Reference): the batch must report the
  // commit, not a lost race against itself.
  it("recognises its own committed batch when the SDK resent it", async () => {
    const send = db.client.send.bind(db.client) as (command: unknown) => Promise<unknown>;
    const client = {
      send: async (command: unknown) => {
        if (command instanceof TransactWriteItemsCommand) await send(command);
        return send(command);
      },
    } as unknown as DynamoDBClient;
    const store = make(() => T0, { client });
    const key = `${ns()}txn`;
    expect(await store.batch([{ key, expect: null, write: { value: { mine: true } } }])).toEqual({ committed: true, versions: [undefined] });
    expect(await store.get(key)).toEqual({ value: { mine: true }, version: 1 });
    expect(await store.batch([{ key, expect: 1, write: { value: { mine: "again" } } }, { key: `${key}-2`, write: "delete" }])).toEqual({
      committed: true,
      versions: [2, undefined],
    });
    expect(await store.get(key)).toEqual({ value: { mine: "again" }, version: 2 });
  });

  describe("failures of the service", () => {
    async function expectStoreErrors(store: DynamoDbStore) {
      const calls: Array<[string, () => Promise<unknown>]> = [
        ["get", () => store.get("cert/1")],
        ["put", () => store.put("cert/1", 1)],
        ["create", () => store.create("cert/1", 1)],
        ["compareAndSet", () => store.compareAndSet("cert/1", 1, 2)],
        ["delete", () => store.delete("cert/1")],
        ["list", () => store.list("cert/")],
        ["batch", () => store.batch([{ key: "cert/1", expect: 1, write: { value: 2 } }])],
      ];
      for (const [name, call] of calls) {
        const error = await call().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error, name).toBeInstanceOf(StoreError);
        expect((error as StoreError).cause, name).toBeDefined();
      }
    }

    it("raises StoreError, not an SDK error, when DynamoDB cannot be reached", async () => {
      const store = new DynamoDbStore({
        tableName: "jellyfish",
        endpoint: `http://127.0.0.1:${await freePort()}`,
        region: REGION,
        credentials: DUMMY_CREDENTIALS,
        maxAttempts: 1,
      });
      await expectStoreErrors(store);
    });

    it("raises StoreError once the server it was using has stopped", async () => {
      const other = await startDynalite("jellyfish-stopped");
      const store = new DynamoDbStore({ tableName: other.tableName, client: other.client });
      await store.put("cert/1", 1);
      expect((await store.get("cert/1"))?.value).toBe(1);
      await other.stop();
      // A destroyed client fails at once, so build one that actually dials the closed port.
      await expectStoreErrors(
        new DynamoDbStore({
          tableName: other.tableName,
          endpoint: other.endpoint,
          region: REGION,
          credentials: DUMMY_CREDENTIALS,
          maxAttempts: 1,
        }),
      );
    });

    it("raises StoreError naming DynamoDB's error for a table that does not exist", async () => {
      const store = new DynamoDbStore({ tableName: "no-such-table", client: db.client });
      await expect(store.get("cert/1")).rejects.toThrow(/ResourceNotFoundException/);
      await expectStoreErrors(store);
    });
  });
});
