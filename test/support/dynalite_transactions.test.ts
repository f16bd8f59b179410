import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BatchGetItemCommand,
  DynamoDBClient,
  DynamoDBServiceException,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  TransactGetItemsCommand,
  TransactWriteItemsCommand,
  TransactionCanceledException,
  UpdateItemCommand,
  type AttributeValue,
  type TransactWriteItem,
} from "@aws-sdk/client-dynamodb";
import { DUMMY_CREDENTIALS, REGION, startDynalite, type Dynalite } from "./dynalite.js";
import { MAX_TRANSACT_ITEMS, SharedExclusiveLock, TOKEN_WINDOW_MS } from "./dynalite_transactions.js";

/**
 * The TransactWriteItems emulation (dynalite_transactions.ts), driven through
 * the SDK as DynamoDbStore drives it, against the semantics of
 * "TransactWriteItems" in the DynamoDB API Reference.
 */
let db: Dynalite;
let clock = Date.now();
beforeAll(async () => {
  db = await startDynalite("transactions-test", { now: () => clock });
});
afterAll(async () => {
  await db?.stop();
});

const ns = () => `t/${crypto.randomUUID()}/`;
const key = (sk: string): Record<string, AttributeValue> => ({ pk: { S: "t" }, sk: { S: sk } });

async function item(sk: string) {
  const { Item } = await db.client.send(new GetItemCommand({ TableName: db.tableName, Key: key(sk), ConsistentRead: true }));
  return Item;
}

async function put(sk: string, n: number) {
  await db.client.send(new PutItemCommand({ TableName: db.tableName, Item: { ...key(sk), n: { N: String(n) } } }));
}

const putItem = (sk: string, n: number, condition?: string): TransactWriteItem => ({
  Put: { TableName: db.tableName, Item: { ...key(sk), n: { N: String(n) } }, ConditionExpression: condition },
});
const setN = (sk: string, n: number, expected?: number): TransactWriteItem => ({
  Update: {
    TableName: db.tableName,
    Key: key(sk),
    UpdateExpression: "SET n = :n",
    ConditionExpression: expected === undefined ? undefined : "n = :expected",
    ExpressionAttributeValues: { ":n": { N: String(n) }, ...(expected === undefined ? {} : { ":expected": { N: String(expected) } }) },
  },
});
const check = (sk: string, condition: string, values?: Record<string, AttributeValue>): TransactWriteItem => ({
  ConditionCheck: { TableName: db.tableName, Key: key(sk), ConditionExpression: condition, ExpressionAttributeValues: values },
});
const remove = (sk: string): TransactWriteItem => ({ Delete: { TableName: db.tableName, Key: key(sk) } });

async function transact(items: TransactWriteItem[], token?: string): Promise<unknown> {
  return db.client.send(new TransactWriteItemsCommand({ TransactItems: items, ClientRequestToken: token })).then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe("TransactWriteItems on dynalite", () => {
  it("applies Put, Update, Delete and a passing ConditionCheck together, and the check changes nothing", async () => {
    const p = ns();
    await put(`${p}updated`, 1);
    await put(`${p}deleted`, 1);
    await put(`${p}checked`, 7);
    const checkedBefore = await item(`${p}checked`);
    expect(
      await transact([
        putItem(`${p}new`, 1, "attribute_not_exists(pk)"),
        setN(`${p}updated`, 2, 1),
        remove(`${p}deleted`),
        check(`${p}checked`, "n = :seven", { ":seven": { N: "7" } }),
        check(`${p}absent`, "attribute_not_exists(pk)"),
      ]),
    ).toBeUndefined();
    expect((await item(`${p}new`))?.n).toEqual({ N: "1" });
    expect((await item(`${p}updated`))?.n).toEqual({ N: "2" });
    expect(await item(`${p}deleted`)).toBeUndefined();
    expect(await item(`${p}checked`)).toEqual(checkedBefore);
    expect(await item(`${p}absent`)).toBeUndefined();
  });

  it("is all or nothing: one failed condition leaves every item as it was", async () => {
    const p = ns();
    await put(`${p}updated`, 1);
    await put(`${p}deleted`, 1);
    await put(`${p}stale`, 5);
    const error = await transact([
      putItem(`${p}new`, 1),
      setN(`${p}updated`, 2),
      remove(`${p}deleted`),
      setN(`${p}stale`, 6, 4),
    ]);
    expect(error).toBeInstanceOf(TransactionCanceledException);
    expect(await item(`${p}new`)).toBeUndefined();
    expect((await item(`${p}updated`))?.n).toEqual({ N: "1" });
    expect((await item(`${p}deleted`))?.n).toEqual({ N: "1" });
    expect((await item(`${p}stale`))?.n).toEqual({ N: "5" });
  });

  it("reports every failed condition, in item order, as the SDK parses TransactionCanceledException", async () => {
    const p = ns();
    await put(`${p}taken`, 1);
    await put(`${p}stale`, 2);
    const error = (await transact([
      putItem(`${p}taken`, 9, "attribute_not_exists(pk)"),
      putItem(`${p}free`, 9, "attribute_not_exists(pk)"),
      setN(`${p}stale`, 9, 1),
      check(`${p}missing`, "attribute_exists(pk)"),
    ])) as TransactionCanceledException;
    expect(error.name).toBe("TransactionCanceledException");
    expect(error.$fault).toBe("client");
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(error.message).toBe(
      "Transaction cancelled, please refer cancellation reasons for specific reasons [ConditionalCheckFailed, None, ConditionalCheckFailed, ConditionalCheckFailed]",
    );
    expect(error.CancellationReasons).toEqual([
      { Code: "ConditionalCheckFailed", Message: "The conditional request failed" },
      { Code: "None" },
      { Code: "ConditionalCheckFailed", Message: "The conditional request failed" },
      { Code: "ConditionalCheckFailed", Message: "The conditional request failed" },
    ]);
    expect(await item(`${p}free`)).toBeUndefined();
  });

  it("returns the old item of a failed condition when asked (ReturnValuesOnConditionCheckFailure ALL_OLD)", async () => {
    const p = ns();
    await put(`${p}taken`, 3);
    const error = (await transact([
      { Put: { TableName: db.tableName, Item: { ...key(`${p}taken`), n: { N: "4" } }, ConditionExpression: "attribute_not_exists(pk)", ReturnValuesOnConditionCheckFailure: "ALL_OLD" } },
    ])) as TransactionCanceledException;
    expect(error.CancellationReasons?.[0]?.Item).toEqual({ ...key(`${p}taken`), n: { N: "3" } });
  });

  describe("ClientRequestToken", () => {
    it("answers a repeat after success with success and changes nothing", async () => {
      const p = ns();
      const token = crypto.randomUUID();
      const items = [putItem(`${p}a`, 1, "attribute_not_exists(pk)"), setN(`${p}b`, 1)];
      expect(await transact(items, token)).toBeUndefined();
      // Someone else writes in between; the repeat must not undo it.
      await put(`${p}a`, 2);
      await db.client.send(new UpdateItemCommand({ TableName: db.tableName, Key: key(`${p}b`), UpdateExpression: "SET n = :n", ExpressionAttributeValues: { ":n": { N: "5" } } }));
      // Its condition would fail now, yet the repeat succeeds: it is the same call.
      expect(await transact(items, token)).toBeUndefined();
      expect((await item(`${p}a`))?.n).toEqual({ N: "2" });
      expect((await item(`${p}b`))?.n).toEqual({ N: "5" });
    });

    it("refuses the same token with other parameters (IdempotentParameterMismatchException)", async () => {
      const p = ns();
      const token = crypto.randomUUID();
      expect(await transact([setN(`${p}a`, 1)], token)).toBeUndefined();
      const error = (await transact([setN(`${p}a`, 2)], token)) as DynamoDBServiceException;
      expect(error.name).toBe("IdempotentParameterMismatchException");
      expect((await item(`${p}a`))?.n).toEqual({ N: "1" });
    });

    it("treats the token as new 10 minutes after the first call completed", async () => {
      const p = ns();
      const token = crypto.randomUUID();
      const items = [putItem(`${p}a`, 1, "attribute_not_exists(pk)")];
      expect(await transact(items, token)).toBeUndefined();
      clock += TOKEN_WINDOW_MS;
      // Executed again: its condition is judged, and fails.
      expect(await transact(items, token)).toBeInstanceOf(TransactionCanceledException);
    });

    it("refuses a repeat while the first call still runs (TransactionInProgressException), which the SDK retries into the first call's success", async () => {
      const p = ns();
      // A hundred items keep the first call busy for hundreds of calls to dynalite; the repeat arrives meanwhile.
      const items = Array.from({ length: MAX_TRANSACT_ITEMS }, (_, i) => putItem(`${p}${i}`, i));
      const once = new DynamoDBClient({ endpoint: db.endpoint, region: REGION, credentials: DUMMY_CREDENTIALS, maxAttempts: 1 });
      try {
        const token = crypto.randomUUID();
        const send = () => once.send(new TransactWriteItemsCommand({ TransactItems: items, ClientRequestToken: token })).then(() => "success", (error: Error) => error.name);
        expect((await Promise.all([send(), send()])).sort()).toEqual(["TransactionInProgressException", "success"]);
      } finally {
        once.destroy();
      }
      // The SDK counts TransactionInProgressException as throttling and retries
      // (generously here, for a loaded machine); the retry finds the first call
      // done and is answered with its success, applied once.
      const patient = new DynamoDBClient({ endpoint: db.endpoint, region: REGION, credentials: DUMMY_CREDENTIALS, maxAttempts: 10 });
      try {
        const token = crypto.randomUUID();
        const send = () =>
          patient.send(new TransactWriteItemsCommand({ TransactItems: items.map((_, i) => setN(`${p}${i}`, 1000 + i, i)), ClientRequestToken: token }));
        const answers = await Promise.all([send(), send()]);
        expect(answers.map((answer) => answer.$metadata.httpStatusCode)).toEqual([200, 200]);
      } finally {
        patient.destroy();
      }
      expect((await item(`${p}99`))?.n).toEqual({ N: "1099" });
    });

    it("runs a cancelled call again on a repeat", async () => {
      const p = ns();
      const token = crypto.randomUUID();
      const items = [setN(`${p}a`, 2, 1)];
      expect(await transact(items, token)).toBeInstanceOf(TransactionCanceledException);
      await put(`${p}a`, 1);
      expect(await transact(items, token)).toBeUndefined();
      expect((await item(`${p}a`))?.n).toEqual({ N: "2" });
    });
  });

  describe("validation", () => {
    it(`takes at most ${MAX_TRANSACT_ITEMS} items, and writes nothing of a longer call`, async () => {
      const p = ns();
      const many = Array.from({ length: MAX_TRANSACT_ITEMS + 1 }, (_, i) => putItem(`${p}${i}`, i));
      const error = (await transact(many)) as DynamoDBServiceException;
      expect(error.name).toBe("ValidationException");
      expect(await item(`${p}0`)).toBeUndefined();
      expect(await transact(many.slice(0, MAX_TRANSACT_ITEMS))).toBeUndefined();
      expect((await item(`${p}99`))?.n).toEqual({ N: "99" });
    });

    it("refuses two operations on one item, also when one is a Put naming it inside Item", async () => {
      const p = ns();
      for (const items of [
        [setN(`${p}a`, 1), check(`${p}a`, "attribute_exists(pk)")],
        [putItem(`${p}a`, 1), remove(`${p}a`)],
      ]) {
        const error = (await transact([putItem(`${p}other`, 1), ...items])) as DynamoDBServiceException;
        expect(error.name).toBe("ValidationException");
        expect(error.message).toBe("Transaction request cannot include multiple operations on one item");
      }
      expect(await item(`${p}other`)).toBeUndefined();
      expect(await item(`${p}a`)).toBeUndefined();
    });

    it("answers an error dynalite raises for one item as that error, with everything rolled back", async () => {
      const p = ns();
      await put(`${p}a`, 1);
      const error = (await transact([
        setN(`${p}a`, 2),
        // An unused placeholder: DynamoDB refuses it.
        { Update: { TableName: db.tableName, Key: key(`${p}b`), UpdateExpression: "SET n = :n", ExpressionAttributeValues: { ":n": { N: "1" }, ":unused": { N: "1" } } } },
      ])) as DynamoDBServiceException;
      expect(error.name).toBe("ValidationException");
      expect((await item(`${p}a`))?.n).toEqual({ N: "1" });
      expect(await item(`${p}b`)).toBeUndefined();
      const missing = (await transact([{ Put: { TableName: "no-such-table", Item: key(`${p}c`) } }])) as DynamoDBServiceException;
      expect(missing.name).toBe("ResourceNotFoundException");
    });
  });

  it("passes every other operation to dynalite untouched", async () => {
    const p = ns();
    await put(`${p}a`, 1);
    await put(`${p}b`, 2);
    const { Items } = await db.client.send(
      new QueryCommand({ TableName: db.tableName, KeyConditionExpression: "pk = :pk AND begins_with(sk, :p)", ExpressionAttributeValues: { ":pk": { S: "t" }, ":p": { S: p } } }),
    );
    expect(Items?.map((found) => found.n)).toEqual([{ N: "1" }, { N: "2" }]);
    const failed = await db.client
      .send(new UpdateItemCommand({ TableName: db.tableName, Key: key(`${p}a`), UpdateExpression: "SET n = :n", ConditionExpression: "n = :n", ExpressionAttributeValues: { ":n": { N: "9" } } }))
      .then(() => undefined, (error: unknown) => error as DynamoDBServiceException);
    expect(failed?.name).toBe("ConditionalCheckFailedException");
    // What dynalite does not know stays unknown: only TransactWriteItems is added.
    const unknown = await db.client
      .send(new TransactGetItemsCommand({ TransactItems: [{ Get: { TableName: db.tableName, Key: key(`${p}a`) } }] }))
      .then(() => undefined, (error: unknown) => error as DynamoDBServiceException);
    expect(unknown?.name).toBe("UnknownOperationException");
  });

  describe("concurrency", () => {
    it("of concurrent transactions expecting one value exactly one commits, all of it", async () => {
      const p = ns();
      await put(`${p}counter`, 0);
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => transact([setN(`${p}counter`, i + 1, 0), putItem(`${p}won/${i}`, i)])));
      const winners = results.flatMap((error, i) => (error === undefined ? [i] : []));
      expect(winners).toHaveLength(1);
      for (const error of results.filter((result) => result !== undefined)) expect(error).toBeInstanceOf(TransactionCanceledException);
      expect((await item(`${p}counter`))?.n).toEqual({ N: String(winners[0] + 1) });
      const { Items } = await db.client.send(
        new QueryCommand({ TableName: db.tableName, KeyConditionExpression: "pk = :pk AND begins_with(sk, :p)", ExpressionAttributeValues: { ":pk": { S: "t" }, ":p": { S: `${p}won/` } } }),
      );
      expect(Items).toHaveLength(1);
    });

    it("runs transactions one after another, so increments are not lost", async () => {
      const p = ns();
      await put(`${p}counter`, 0);
      const increment: TransactWriteItem = {
        Update: { TableName: db.tableName, Key: key(`${p}counter`), UpdateExpression: "SET n = n + :one", ConditionExpression: "attribute_exists(n)", ExpressionAttributeValues: { ":one": { N: "1" } } },
      };
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => transact([increment, putItem(`${p}mine/${i}`, i)])));
      expect(results.every((result) => result === undefined)).toBe(true);
      expect((await item(`${p}counter`))?.n).toEqual({ N: "20" });
    });

    it("is serializable: of two transactions each creating its item only while the other's is absent, never both commit", async () => {
      for (let round = 0; round < 20; round++) {
        const p = ns();
        const results = await Promise.all([
          transact([check(`${p}b`, "attribute_not_exists(pk)"), putItem(`${p}a`, 1)]),
          transact([check(`${p}a`, "attribute_not_exists(pk)"), putItem(`${p}b`, 1)]),
        ]);
        // Run in either order, the second sees the first's item: a write skew would commit both.
        expect(results.filter((result) => result === undefined)).toHaveLength(1);
        expect([await item(`${p}a`), await item(`${p}b`)].filter(Boolean)).toHaveLength(1);
      }
    });

    it("never lets a concurrent read see a write that a cancelled transaction rolls back", async () => {
      const p = ns();
      await put(`${p}watched`, 1);
      let stop = false;
      const seen = new Set<string>();
      const reader = (async () => {
        while (!stop) {
          const { Responses } = await db.client.send(
            new BatchGetItemCommand({ RequestItems: { [db.tableName]: { Keys: [key(`${p}watched`), key(`${p}fresh`)], ConsistentRead: true } } }),
          );
          for (const found of Responses?.[db.tableName] ?? []) seen.add(`${found.sk.S}=${found.n?.N}`);
          seen.add(`get=${(await item(`${p}watched`))?.n?.N}`);
        }
      })();
      for (let round = 0; round < 15; round++) {
        // Item 0 and 1 are applied before item 2's condition fails; both must be undone unseen.
        const error = await transact([setN(`${p}watched`, 99), putItem(`${p}fresh`, 99), check(`${p}never`, "attribute_exists(pk)")]);
        expect(error).toBeInstanceOf(TransactionCanceledException);
      }
      stop = true;
      await reader;
      // The value only: the key's random namespace may hold "99" too (it did, and this test failed on a correct dynalite).
      expect([...seen].filter((entry) => entry.endsWith("=99"))).toEqual([]);
      expect(seen.has(`get=1`)).toBe(true);
    });
  });
});

describe("SharedExclusiveLock", () => {
  it("lets shared holders overlap, and an exclusive holder run alone, in arrival order", async () => {
    const lock = new SharedExclusiveLock();
    const log: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const first = lock.shared(async () => {
      log.push("shared 1 start");
      await gate;
      log.push("shared 1 end");
    });
    const second = lock.shared(async () => {
      log.push("shared 2 start");
      await gate;
      log.push("shared 2 end");
    });
    const exclusive = lock.exclusive(async () => {
      log.push("exclusive");
    });
    // Arrived after the exclusive one: waits for it, not only for the shared holders.
    const third = lock.shared(async () => {
      log.push("shared 3");
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(log).toEqual(["shared 1 start", "shared 2 start"]);
    release();
    await Promise.all([first, second, exclusive, third]);
    expect(log).toEqual(["shared 1 start", "shared 2 start", "shared 1 end", "shared 2 end", "exclusive", "shared 3"]);
  });

  it("releases the lock when the work throws", async () => {
    const lock = new SharedExclusiveLock();
    await expect(lock.exclusive(async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    await expect(lock.exclusive(async () => "next")).resolves.toBe("next");
  });
});
