import {
  DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  type TransactWriteItem,
  type AttributeValue,
  type DynamoDBClientConfig,
} from "@aws-sdk/client-dynamodb";
import { fromBase64, toBase64 } from "../asn1/bytes.js";
import { InvalidCursorError, StoreError, VERSION_RETENTION_SECONDS, type BatchOperation, type BatchResult, type ListOptions, type ListPage, type Store, type Versioned, type WriteOptions } from "./store.js";
import { expiresAt, pageLimit, prepareBatch, toJson, type PreparedOperation } from "./store_arguments.js";

/**
 * The Store on AWS: one DynamoDB table. Atomic, with strongly consistent
 * reads (docs/store.md, "DynamoDB").
 *
 * Table layout (one table, created by the CDK stack with TTL on `expiresAt`):
 *
 *   pk           S  partition key: the key's first path segment ("cert",
 *                   "txn", "entity", "pending"; a key without "/" is its own pk)
 *   sk           S  sort key: the whole key ("cert/0a1b…")
 *   value        S  the JSON text of the value
 *   version      N  1, 2, 3…; incremented by every write
 *   expiresAt    N  whole epoch SECONDS, rounded up: the table's TTL attribute
 *   expiresAtMs  N  epoch milliseconds: the expiry the store judges by
 *   writeId      S  random per write, to recognise our own write after a retry
 *
 * Why pk/sk: list(prefix) must be one Query, and a Query needs one partition
 * key value plus a sort-key condition (begins_with) on it; a Scan would read
 * the whole table. Limits of that choice:
 *  - a prefix must name the first segment with its slash ("cert/", "txn/id/");
 *    a prefix spanning segments ("ce") would need one Query per partition, so
 *    list() refuses it with a RangeError. Every prefix the code lists with
 *    ("cert/", "pending/", …) has that form.
 *  - all keys of one kind share one partition key, a hot partition by
 *    design. A partition serves at most 3,000 read and 1,000 write units per
 *    second ("Best practices for designing and using partition keys
 *    effectively", DynamoDB Developer Guide); DynamoDB may split a busy item
 *    collection by sort-key range ("split for heat", AWS Database Blog,
 *    "Scaling DynamoDB", part 3), but that is not a promise. Certificate
 *    enrolment is far below those rates; a deployment writing thousands of
 *    records of one kind per second would need sharded partition keys.
 *
 * Time: DynamoDB TTL deletes expired items only eventually ("typically
 * within two days of expiration"; "Items that have expired and not been
 * deleted will still show up in reads, queries, and scans": UpdateTimeToLive,
 * DynamoDB API Reference). So every read filters, and every condition
 * checks, expiresAtMs against the injected clock. Two attributes because the contract expires at
 * millisecond precision while TTL wants "Unix epoch time format in seconds"
 * and ignores items in "any other format" (Developer Guide, "Using DynamoDB
 * Time to Live"); rounding the seconds up means AWS never deletes an entry
 * the store still considers live.
 *
 * Atomicity: create and compareAndSet are single UpdateItem calls with a
 * ConditionExpression, which DynamoDB evaluates and applies atomically per
 * item ("Condition expressions", Developer Guide). A failed condition
 * (ConditionalCheckFailedException) is a lost race and returns false; any
 * other failure is a StoreError.
 */
export class DynamoDbStore implements Store {
  readonly atomic = true;
  readonly kind = "dynamodb";

  private readonly client: DynamoDBClient;
  private readonly tableName: string;
  private readonly now: () => number;
  private readonly queryLimit: number | undefined;

  /**
   * @param options.tableName the table described above
   * @param options.client a client to share; otherwise one is built from region, endpoint, credentials
   * @param options.now clock in milliseconds; tests pass a fake one to expire entries without sleeping
   * @param options.queryLimit caps the items one Query reads, so tests can force several DynamoDB pages per list page
   */
  constructor(options: DynamoDbStoreOptions) {
    this.tableName = options.tableName;
    this.client =
      options.client ??
      new DynamoDBClient({
        region: options.region,
        endpoint: options.endpoint,
        credentials: options.credentials,
        maxAttempts: options.maxAttempts,
      });
    this.now = options.now ?? Date.now;
    this.queryLimit = options.queryLimit;
  }

  async get<T>(key: string): Promise<Versioned<T> | undefined> {
    const item = await this.read(key);
    if (!item || !this.live(item)) return undefined;
    return { value: JSON.parse(text(item.value)) as T, version: number(item.version) };
  }

  async create<T>(key: string, value: T, options?: WriteOptions): Promise<boolean> {
    // An item TTL has not deleted yet is absent once its expiry has passed.
    return this.write(key, value, options, absentCondition(this.now()));
  }

  async compareAndSet<T>(key: string, expectedVersion: number, value: T, options?: WriteOptions): Promise<boolean> {
    // No stored version equals a non-integer, and DynamoDB would reject it as a number.
    if (!Number.isSafeInteger(expectedVersion)) return false;
    return this.write(key, value, options, versionCondition(expectedVersion, this.now()));
  }

  async put<T>(key: string, value: T, options?: WriteOptions): Promise<void> {
    await this.write(key, value, options);
  }

  /**
   * Delete as "expired now" (an UpdateItem, not DeleteItem): the item keeps
   * its version until TTL removes it, at least VERSION_RETENTION_SECONDS
   * later (store.ts). Deleting an absent key writes nothing.
   */
  async delete(key: string): Promise<void> {
    const now = this.now();
    await this.update(`delete ${key}`, key, tombstone(now), TOMBSTONE_NAMES, {
      expression: "attribute_exists(pk) AND (attribute_not_exists(#expiresAtMs) OR #expiresAtMs > :now)",
      values: {},
    });
  }

  /**
   * One TransactWriteItems: DynamoDB judges every condition and applies every
   * write or none ("TransactWriteItems", API Reference). Its ClientRequestToken
   * makes the SDK's retry of a call whose answer was lost idempotent (a
   * repeat within ten minutes "returns successfully without making any
   * changes"), so no writeId check is needed here.
   */
  async batch(operations: readonly BatchOperation[]): Promise<BatchResult> {
    const prepared = prepareBatch(operations);
    if (prepared.length === 0) return { committed: true, versions: [] };
    const now = this.now();
    const items = prepared.map((operation) => this.transactItem(operation, now));
    try {
      await this.client.send(new TransactWriteItemsCommand({ TransactItems: items, ClientRequestToken: crypto.randomUUID() }));
    } catch (error) {
      const reasons = (error as { CancellationReasons?: Array<{ Code?: string }> })?.CancellationReasons;
      if ((error as { name?: unknown })?.name !== "TransactionCanceledException" || !reasons) throw storeError("batch", error);
      // A failed condition, or another transaction on the same item at that moment: a lost race either way.
      const failed = reasons.flatMap((reason, index) => (reason.Code === "ConditionalCheckFailed" || reason.Code === "TransactionConflict" ? [index] : []));
      if (failed.length === 0 || reasons.some((reason) => reason.Code && !["None", "ConditionalCheckFailed", "TransactionConflict"].includes(reason.Code))) {
        throw storeError("batch", error);
      }
      return { committed: false, failed };
    }
    // The new version is known without a read only where the old one was.
    const versions = prepared.map(({ expect, write }) => (typeof expect === "number" ? (write === undefined ? expect : write === "delete" ? undefined : expect + 1) : undefined));
    return { committed: true, versions };
  }

  private transactItem({ key, expect, write }: PreparedOperation, now: number): TransactWriteItem {
    const condition = expect === undefined ? undefined : expect === null ? absentCondition(now) : versionCondition(expect, now);
    if (write === undefined) {
      return {
        ConditionCheck: {
          TableName: this.tableName,
          Key: itemKey(key),
          ConditionExpression: condition!.expression,
          ExpressionAttributeNames: conditionNames(condition!.expression),
          ExpressionAttributeValues: condition!.values,
        },
      };
    }
    const update = write === "delete" ? tombstone(now) : writeUpdate(write.json, write.ttlSeconds === undefined ? undefined : now + write.ttlSeconds * 1000);
    return {
      Update: {
        TableName: this.tableName,
        Key: itemKey(key),
        UpdateExpression: update.expression,
        ConditionExpression: condition?.expression,
        ExpressionAttributeNames: write === "delete" ? TOMBSTONE_NAMES : ATTRIBUTE_NAMES,
        ExpressionAttributeValues: { ...update.values, ...condition?.values },
      },
    };
  }

  async list<T>(prefix: string, options: ListOptions = {}): Promise<ListPage<T>> {
    const limit = pageLimit(options.limit);
    const pk = partitionOf(prefix);
    if (pk === undefined) throw new RangeError(`list prefix must start with a path segment and "/", got "${prefix}"`);
    let startKey = options.cursor === undefined ? undefined : decodeCursor(options.cursor, pk, prefix);
    const now = this.now();
    // One live entry more than the page holds tells whether a next page
    // exists. Query's Limit counts items read before the filter drops the
    // expired ones ("Query", API Reference), so keep reading until the page
    // is full or the partition's matching range ends.
    const items: ListPage<T>["items"] = [];
    do {
      const wanted = limit + 1 - items.length;
      const page = await this.send(`list ${prefix}`, () =>
        this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            ConsistentRead: true,
            KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
            FilterExpression: "attribute_not_exists(#expiresAtMs) OR #expiresAtMs > :now",
            ExpressionAttributeNames: { "#expiresAtMs": "expiresAtMs" },
            ExpressionAttributeValues: { ":pk": { S: pk }, ":prefix": { S: prefix }, ":now": { N: String(now) } },
            ExclusiveStartKey: startKey,
            Limit: Math.min(wanted, this.queryLimit ?? wanted),
          }),
        ),
      );
      for (const item of page.Items ?? []) {
        items.push({ key: text(item.sk), value: JSON.parse(text(item.value)) as T, version: number(item.version) });
      }
      startKey = page.LastEvaluatedKey;
    } while (items.length <= limit && startKey !== undefined);
    if (items.length <= limit) return { items };
    items.length = limit;
    return { items, cursor: encodeCursor(pk, items[limit - 1].key) };
  }

  /**
   * Every write is one UpdateItem: it can count the version up from the
   * stored one (if_not_exists starts a new item at 1), which PutItem cannot.
   * Returns false only when the condition failed.
   */
  private async write(key: string, value: unknown, options: WriteOptions | undefined, condition?: Condition): Promise<boolean> {
    const update = writeUpdate(toJson(value), expiresAt(this.now(), options));
    const result = await this.update(`write ${key}`, key, update, ATTRIBUTE_NAMES, condition);
    if (result.written) return true;
    // The SDK retries a request whose answer was lost (a timeout, a 5xx);
    // if the first attempt had committed, the retry fails our own condition.
    // The writeId tells that case from a real lost race.
    if (result.attempts > 1) return (await this.read(key))?.writeId?.S === update.values[":writeId"]!.S;
    return false;
  }

  /** One UpdateItem; a failed condition is an answer, any other failure a StoreError. */
  private async update(
    what: string,
    key: string,
    update: Condition,
    names: Record<string, string>,
    condition?: Condition,
  ): Promise<{ written: true } | { written: false; attempts: number }> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: itemKey(key),
          UpdateExpression: update.expression,
          ConditionExpression: condition?.expression,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: { ...update.values, ...condition?.values },
        }),
      );
      return { written: true };
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw storeError(what, error);
      return { written: false, attempts: attempts(error) };
    }
  }

  private async read(key: string): Promise<Record<string, AttributeValue> | undefined> {
    const { Item } = await this.send(`get ${key}`, () =>
      this.client.send(new GetItemCommand({ TableName: this.tableName, Key: itemKey(key), ConsistentRead: true })),
    );
    return Item;
  }

  private live(item: Record<string, AttributeValue>): boolean {
    return item.expiresAtMs === undefined || number(item.expiresAtMs) > this.now();
  }

  private async send<R>(what: string, operation: () => Promise<R>): Promise<R> {
    try {
      return await operation();
    } catch (error) {
      throw storeError(what, error);
    }
  }
}

export interface DynamoDbStoreOptions extends Pick<DynamoDBClientConfig, "region" | "endpoint" | "credentials" | "maxAttempts"> {
  tableName: string;
  client?: DynamoDBClient;
  now?: () => number;
  queryLimit?: number;
}

interface Condition {
  expression: string;
  values: Record<string, AttributeValue>;
}

/** Absent: never written, or expired though TTL has not deleted it yet. */
function absentCondition(now: number): Condition {
  return { expression: "attribute_not_exists(pk) OR #expiresAtMs <= :now", values: { ":now": { N: String(now) } } };
}

/** Live, with exactly this version. */
function versionCondition(expected: number, now: number): Condition {
  return {
    expression: "#version = :expected AND (attribute_not_exists(#expiresAtMs) OR #expiresAtMs > :now)",
    values: { ":expected": { N: String(expected) }, ":now": { N: String(now) } },
  };
}

/**
 * The UpdateExpression of a write. The TTL attribute is the expiry plus the
 * retention window (store.ts): AWS removes the item no sooner, so its version
 * keeps counting meanwhile; expiresAtMs is what reads judge by.
 */
function writeUpdate(json: string, expiryMs: number | undefined): Condition {
  const values: Record<string, AttributeValue> = {
    ":value": { S: json },
    ":writeId": { S: crypto.randomUUID() },
    ":zero": { N: "0" },
    ":one": { N: "1" },
  };
  let expression = "SET #value = :value, #version = if_not_exists(#version, :zero) + :one, #writeId = :writeId";
  if (expiryMs === undefined) {
    expression += " REMOVE #expiresAt, #expiresAtMs";
  } else {
    expression += ", #expiresAt = :expiresAt, #expiresAtMs = :expiresAtMs";
    values[":expiresAt"] = { N: String(Math.ceil(expiryMs / 1000) + VERSION_RETENTION_SECONDS) };
    values[":expiresAtMs"] = { N: String(Math.ceil(expiryMs)) };
  }
  return { expression, values };
}

/** A delete: the value goes, the version counts on, and the item is absent from now (DynamoDB's TTL removes it after the retention window). */
function tombstone(now: number): Condition {
  return {
    expression: "SET #value = :null, #version = if_not_exists(#version, :zero) + :one, #expiresAtMs = :now, #expiresAt = :retainUntil",
    values: {
      ":null": { S: "null" },
      ":zero": { N: "0" },
      ":one": { N: "1" },
      ":now": { N: String(now) },
      ":retainUntil": { N: String(Math.ceil(now / 1000) + VERSION_RETENTION_SECONDS) },
    },
  };
}

const TOMBSTONE_NAMES = { "#value": "value", "#version": "version", "#expiresAt": "expiresAt", "#expiresAtMs": "expiresAtMs" };

/**
 * Only the placeholders an expression uses: DynamoDB rejects unused ones
 * ("Value provided in ExpressionAttributeNames unused in expressions").
 * Whole placeholders, not substrings: "#expiresAtMs" does not use "#expiresAt".
 */
function conditionNames(expression: string): Record<string, string> {
  const used = new Set(expression.match(/#[A-Za-z0-9_]+/g));
  return Object.fromEntries(Object.entries(ATTRIBUTE_NAMES).filter(([name]) => used.has(name)));
}

// Names go through placeholders because VALUE is among DynamoDB's reserved
// words ("Reserved words in DynamoDB", Developer Guide). Every write uses all
// of them, as DynamoDB rejects unused placeholders.
const ATTRIBUTE_NAMES = {
  "#value": "value",
  "#version": "version",
  "#writeId": "writeId",
  "#expiresAt": "expiresAt",
  "#expiresAtMs": "expiresAtMs",
};

/** The first path segment ("cert" of "cert/01"), or undefined when there is none before a "/". */
function partitionOf(keyOrPrefix: string): string | undefined {
  const slash = keyOrPrefix.indexOf("/");
  return slash > 0 ? keyOrPrefix.slice(0, slash) : undefined;
}

function itemKey(key: string): Record<string, AttributeValue> {
  return { pk: { S: partitionOf(key) ?? key }, sk: { S: key } };
}

/**
 * A cursor is the ExclusiveStartKey of the next Query: the key of the last
 * item returned (not DynamoDB's LastEvaluatedKey, which may lie past items
 * read but not returned because the page was full). Base64 of JSON keeps it
 * opaque and safe in a URL query.
 */
function encodeCursor(pk: string, sk: string): string {
  return toBase64(new TextEncoder().encode(JSON.stringify({ pk, sk })));
}

function decodeCursor(cursor: string, pk: string, prefix: string): Record<string, AttributeValue> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(fromBase64(cursor)));
  } catch {
    throw new InvalidCursorError();
  }
  const { pk: cursorPk, sk } = (parsed ?? {}) as { pk?: unknown; sk?: unknown };
  if (cursorPk !== pk || typeof sk !== "string" || !sk.startsWith(prefix)) {
    throw new InvalidCursorError("list cursor does not belong to this prefix");
  }
  return { pk: { S: pk }, sk: { S: sk } };
}

function text(attribute: AttributeValue | undefined): string {
  if (attribute?.S === undefined) throw new StoreError("DynamoDB store: item lacks a string attribute");
  return attribute.S;
}

function number(attribute: AttributeValue | undefined): number {
  const parsed = Number(attribute?.N);
  if (attribute?.N === undefined || !Number.isFinite(parsed)) throw new StoreError("DynamoDB store: item lacks a number attribute");
  return parsed;
}

function isConditionalCheckFailed(error: unknown): boolean {
  return (error as { name?: unknown })?.name === "ConditionalCheckFailedException";
}

/** How many times the SDK sent the request; its retry middleware records that on the error. */
function attempts(error: unknown): number {
  return (error as { $metadata?: { attempts?: number } })?.$metadata?.attempts ?? 1;
}

function storeError(what: string, error: unknown): StoreError {
  const name = (error as { name?: unknown })?.name;
  const message = (error as Error)?.message ?? String(error);
  return new StoreError(`DynamoDB store ${what}: ${typeof name === "string" ? `${name}: ` : ""}${message}`, { cause: error });
}
