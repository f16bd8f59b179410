import {
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClientConfig,
} from "@aws-sdk/client-dynamodb";
import { fromBase64, toBase64 } from "../asn1/bytes.js";
import { InvalidCursorError, StoreError, type ListOptions, type ListPage, type Store, type Versioned, type WriteOptions } from "./store.js";
import { expiresAt, pageLimit, toJson } from "./store_arguments.js";

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
    return this.write(key, value, options, {
      expression: "attribute_not_exists(pk) OR #expiresAtMs <= :now",
      values: { ":now": { N: String(this.now()) } },
    });
  }

  async compareAndSet<T>(key: string, expectedVersion: number, value: T, options?: WriteOptions): Promise<boolean> {
    // No stored version equals a non-integer, and DynamoDB would reject it as a number.
    if (!Number.isSafeInteger(expectedVersion)) return false;
    return this.write(key, value, options, {
      expression: "#version = :expected AND (attribute_not_exists(#expiresAtMs) OR #expiresAtMs > :now)",
      values: { ":expected": { N: String(expectedVersion) }, ":now": { N: String(this.now()) } },
    });
  }

  async put<T>(key: string, value: T, options?: WriteOptions): Promise<void> {
    await this.write(key, value, options);
  }

  async delete(key: string): Promise<void> {
    await this.send(`delete ${key}`, () =>
      this.client.send(new DeleteItemCommand({ TableName: this.tableName, Key: itemKey(key) })),
    );
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
    const json = toJson(value);
    const expiryMs = expiresAt(this.now(), options);
    const writeId = crypto.randomUUID();
    const values: Record<string, AttributeValue> = {
      ":value": { S: json },
      ":writeId": { S: writeId },
      ":zero": { N: "0" },
      ":one": { N: "1" },
      ...condition?.values,
    };
    let update = "SET #value = :value, #version = if_not_exists(#version, :zero) + :one, #writeId = :writeId";
    if (expiryMs === undefined) {
      update += " REMOVE #expiresAt, #expiresAtMs";
    } else {
      update += ", #expiresAt = :expiresAt, #expiresAtMs = :expiresAtMs";
      values[":expiresAt"] = { N: String(Math.ceil(expiryMs / 1000)) };
      values[":expiresAtMs"] = { N: String(Math.ceil(expiryMs)) };
    }
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: itemKey(key),
          UpdateExpression: update,
          ConditionExpression: condition?.expression,
          ExpressionAttributeNames: ATTRIBUTE_NAMES,
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw storeError(`write ${key}`, error);
      // The SDK retries a request whose answer was lost (a timeout, a 5xx);
      // if the first attempt had committed, the retry fails our own condition.
      // The writeId tells that case from a real lost race.
      if (attempts(error) > 1) return (await this.read(key))?.writeId?.S === writeId;
      return false;
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
