import { Agent, createServer, request, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { randomBytes } from "node:crypto";
import { crc32 } from "node:zlib";

/**
 * TransactWriteItems for dynalite, which answers it with
 * UnknownOperationException: an HTTP proxy on 127.0.0.1 in front of dynalite
 * that executes a transaction as ordinary single-item calls to dynalite and
 * forwards every other request untouched. The SDK talks to it as to
 * DynamoDB, so DynamoDbStore.batch goes through its real HTTP path and the
 * SDK's real error parsing.
 *
 * Semantics, after "TransactWriteItems" (DynamoDB API Reference):
 *  - all or nothing: every item's condition is judged (by dynalite itself,
 *    no expression evaluator here) and either every write stays or none does;
 *  - a failed condition cancels the whole call with TransactionCanceledException
 *    (HTTP 400), whose CancellationReasons has one entry per item, in order:
 *    "ConditionalCheckFailed" for every item whose condition failed (all of
 *    them, not just the first), "None" for the others;
 *  - a repeat with the same ClientRequestToken within 10 minutes of a
 *    successful call "return[s] successfully without making any changes";
 *    the same token with other parameters is IdempotentParameterMismatchException,
 *    and while the first call still runs, TransactionInProgressException;
 *  - 1 to 100 items; two items on one item (same table and key) is a
 *    ValidationException; ConditionCheck, Put, Delete and Update are supported.
 *
 * How: transactions hold a lock that excludes every other request (ordinary
 * requests share it among themselves), so no other caller sees a transaction
 * half-applied nor one that is rolled back. Inside it the proxy reads each
 * item (consistent GetItem), then applies each item as the single-item call
 * with the same expressions (UpdateItem, PutItem, DeleteItem), collecting
 * every outcome. A ConditionCheck is a write that changes nothing: PutItem of
 * the item read, or DeleteItem when it was absent, with the check's
 * condition. If any condition failed, every applied item is restored from
 * what was read (PutItem of the old item, DeleteItem when it was absent).
 *
 * Differences from the service, none of which DynamoDbStore depends on:
 *  - transactions run one at a time, so there is never a TransactionConflict;
 *    a plain write to an item a transaction holds waits instead of failing
 *    with TransactionConflictException;
 *  - an error other than a failed condition (a ValidationException dynalite
 *    raises for one item, a missing table) rolls back and is answered as that
 *    error, where the service may report a data-dependent one as a
 *    CancellationReason "ValidationError";
 *  - a cancelled call's token is not remembered (a repeat runs again), and
 *    ConsumedCapacity and ItemCollectionMetrics are never returned;
 *  - the 4 MB aggregate size limit is not checked (dynalite checks 400 KB per item).
 */
export interface TransactionProxy {
  /** http://127.0.0.1:port: give this to the SDK instead of dynalite's own. */
  endpoint: string;
  /** Closes the proxy, its connections and its connections to dynalite. */
  stop(): Promise<void>;
}

export interface TransactionProxyOptions {
  /** dynalite's endpoint, http://127.0.0.1:port. */
  upstream: string;
  /** Clock in ms for the 10-minute ClientRequestToken window; tests move it instead of waiting. */
  now?: () => number;
}

/** "TransactWriteItems", API Reference: "A client request token is valid for 10 minutes after the first request that uses it is completed." */
export const TOKEN_WINDOW_MS = 10 * 60 * 1000;
/** "TransactWriteItems", API Reference: TransactItems has 1 to 100 members. */
export const MAX_TRANSACT_ITEMS = 100;

const TARGET_PREFIX = "DynamoDB_20120810.";
const DYNAMODB_ERRORS = "com.amazonaws.dynamodb.v20120810#";
const CONDITION_FAILED = `${DYNAMODB_ERRORS}ConditionalCheckFailedException`;

type AttributeMap = Record<string, unknown>;
type Json = Record<string, unknown>;

/** One answer of dynalite (or of the proxy): HTTP status and parsed JSON body. */
interface Answer {
  status: number;
  body: Json;
}

class AnswerError extends Error {
  constructor(readonly answer: Answer) {
    super(String(answer.body.message ?? answer.body.__type));
  }
}

export async function startTransactionProxy(options: TransactionProxyOptions): Promise<TransactionProxy> {
  const upstream = new URL(options.upstream);
  if (upstream.hostname !== "127.0.0.1") throw new Error("the transaction proxy fronts a local dynalite only");
  const now = options.now ?? Date.now;
  const agent = new Agent({ keepAlive: true });
  const lock = new SharedExclusiveLock();
  /** Successful transactions by ClientRequestToken: their request and when they completed. */
  const done = new Map<string, { request: string; at: number }>();
  const running = new Set<string>();

  /** A single-item call to dynalite, bypassing the lock (the transaction already holds it exclusively). */
  async function dynamo(operation: string, body: Json): Promise<Answer> {
    const text = JSON.stringify(body);
    const response = await send(
      upstream,
      agent,
      "POST",
      "/",
      {
        "content-type": "application/x-amz-json-1.0",
        "x-amz-target": TARGET_PREFIX + operation,
        "x-amz-date": amzDate(new Date()),
        // dynalite checks that a signature is present, never what it signs.
        authorization: `AWS4-HMAC-SHA256 Credential=test/${amzDate(new Date()).slice(0, 8)}/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0`,
        "content-length": String(Buffer.byteLength(text)),
      },
      Buffer.from(text),
    );
    const parsed = response.body.length === 0 ? {} : (JSON.parse(response.body.toString("utf8")) as Json);
    return { status: response.status, body: parsed };
  }

  async function ok(operation: string, body: Json): Promise<Json> {
    const answer = await dynamo(operation, body);
    if (answer.status !== 200) throw new AnswerError(answer);
    return answer.body;
  }

  async function transact(text: string): Promise<Answer> {
    let data: Json;
    try {
      data = JSON.parse(text) as Json;
    } catch {
      return { status: 400, body: { __type: "com.amazon.coral.service#SerializationException" } };
    }
    const invalid = validate(data);
    if (invalid) return validationError(invalid);
    const items = data.TransactItems as Json[];
    const token = typeof data.ClientRequestToken === "string" ? data.ClientRequestToken : undefined;
    if (token !== undefined) {
      for (const [old, { at }] of done) if (now() - at >= TOKEN_WINDOW_MS) done.delete(old);
      const earlier = done.get(token);
      if (earlier) {
        // "If the original TransactWriteItems call was successful, the subsequent TransactWriteItems calls with the same client token return successfully without making any changes."
        if (earlier.request === canonical(data)) return { status: 200, body: {} };
        return error("IdempotentParameterMismatchException", "Request parameters do not match the idempotent request with the same client token");
      }
      if (running.has(token)) return error("TransactionInProgressException", "Transaction with the given request token is already in progress.");
      running.add(token);
    }
    try {
      const answer = await lock.exclusive(() => execute(items));
      if (answer.status === 200 && token !== undefined) done.set(token, { request: canonical(data), at: now() });
      return answer;
    } finally {
      if (token !== undefined) running.delete(token);
    }
  }

  /** Runs a validated transaction; the caller holds the lock exclusively. */
  async function execute(items: Json[]): Promise<Answer> {
    const operations = items.map(operationOf);
    const applied: number[] = [];
    let keys: AttributeMap[] = [];
    const before: Array<AttributeMap | undefined> = [];
    try {
      // Key attributes per table, to name each item (a Put carries its key inside Item).
      const schemas = new Map<string, string[]>();
      for (const { spec } of operations) {
        const table = spec.TableName as string;
        if (schemas.has(table)) continue;
        const { Table } = (await ok("DescribeTable", { TableName: table })) as { Table: { KeySchema: Array<{ AttributeName: string }> } };
        schemas.set(table, Table.KeySchema.map(({ AttributeName }) => AttributeName));
      }
      keys = operations.map(({ kind, spec }) => {
        const source = (kind === "Put" ? spec.Item : spec.Key) as AttributeMap;
        return Object.fromEntries(schemas.get(spec.TableName as string)!.map((name) => [name, source[name]]));
      });
      const names = keys.map((key, i) => JSON.stringify([operations[i].spec.TableName, key]));
      if (new Set(names).size !== names.length) return validationError("Transaction request cannot include multiple operations on one item");

      for (const [i, { spec }] of operations.entries()) {
        const { Item } = (await ok("GetItem", { TableName: spec.TableName, Key: keys[i], ConsistentRead: true })) as { Item?: AttributeMap };
        before.push(Item);
      }

      const reasons: Json[] = [];
      for (const [i, { kind, spec }] of operations.entries()) {
        const condition = pick(spec, ["ConditionExpression", "ExpressionAttributeNames", "ExpressionAttributeValues"]);
        const [operation, body]: [string, Json] =
          kind === "Update"
            ? ["UpdateItem", { TableName: spec.TableName, Key: spec.Key, UpdateExpression: spec.UpdateExpression, ...condition }]
            : kind === "Put"
              ? ["PutItem", { TableName: spec.TableName, Item: spec.Item, ...condition }]
              : kind === "Delete"
                ? ["DeleteItem", { TableName: spec.TableName, Key: spec.Key, ...condition }]
                : // ConditionCheck: let dynalite judge the condition on a write that leaves the item as it is.
                  before[i]
                  ? ["PutItem", { TableName: spec.TableName, Item: before[i], ...condition }]
                  : ["DeleteItem", { TableName: spec.TableName, Key: keys[i], ...condition }];
        const answer = await dynamo(operation, body);
        if (answer.status === 200) {
          if (kind !== "ConditionCheck") applied.push(i);
          reasons.push({ Code: "None" });
        } else if (answer.body.__type === CONDITION_FAILED) {
          const reason: Json = { Code: "ConditionalCheckFailed", Message: "The conditional request failed" };
          if (spec.ReturnValuesOnConditionCheckFailure === "ALL_OLD" && before[i]) reason.Item = before[i];
          reasons.push(reason);
        } else {
          throw new AnswerError(answer);
        }
      }
      if (reasons.every((reason) => reason.Code === "None")) return { status: 200, body: {} };
      await restore();
      const codes = reasons.map((reason) => reason.Code).join(", ");
      return {
        status: 400,
        body: {
          __type: `${DYNAMODB_ERRORS}TransactionCanceledException`,
          message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${codes}]`,
          CancellationReasons: reasons,
        },
      };
    } catch (caught) {
      if (!(caught instanceof AnswerError)) throw caught;
      // A call dynalite refused (a missing table, an invalid expression): nothing of the transaction may stay.
      await restore();
      return caught.answer;
    }

    /** Puts every applied item back as it was read (an item applied was read first). */
    async function restore(): Promise<void> {
      for (const i of applied) {
        const table = operations[i].spec.TableName;
        if (before[i]) await ok("PutItem", { TableName: table, Item: before[i] });
        else await ok("DeleteItem", { TableName: table, Key: keys[i] });
      }
    }
  }

  const server = createServer((req, res) => {
    void handle(req, res).catch((caught: unknown) => {
      // A fault of the proxy itself: the SDK sees a 500, as from an InternalServerError.
      if (!res.headersSent) reply(res, { status: 500, body: { __type: `${DYNAMODB_ERRORS}InternalServerError`, message: String(caught) } });
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readAll(req);
    if (req.method === "POST" && req.headers["x-amz-target"] === `${TARGET_PREFIX}TransactWriteItems`) {
      reply(res, await transact(body.toString("utf8")));
      return;
    }
    // Everything else goes to dynalite as it came, and its answer back as it came.
    const answer = await lock.shared(() => send(upstream, agent, req.method ?? "GET", req.url ?? "/", req.headers, body));
    res.writeHead(answer.status, withoutHopByHop(answer.headers));
    res.end(answer.body);
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async stop() {
      const closed = new Promise<void>((resolve, reject) => server.close((caught) => (caught ? reject(caught) : resolve())));
      server.closeAllConnections();
      await closed;
      agent.destroy();
    },
  };
}

type Kind = "ConditionCheck" | "Put" | "Delete" | "Update";
const KINDS: Kind[] = ["ConditionCheck", "Put", "Delete", "Update"];
interface Operation {
  kind: Kind;
  spec: Json;
}

function operationOf(item: Json): Operation {
  // As validate() judged it: the one member that is not null.
  const kind = KINDS.find((name) => item[name] != null)!;
  return { kind, spec: item[kind] as Json };
}

/** The request's shape, checked before anything is read or written (the service rejects such a call as a whole). */
function validate(data: Json): string | undefined {
  const items = data.TransactItems;
  if (!Array.isArray(items)) return "1 validation error detected: Value null at 'transactItems' failed to satisfy constraint: Member must not be null";
  if (items.length < 1 || items.length > MAX_TRANSACT_ITEMS) {
    const bound = items.length < 1 ? "greater than or equal to 1" : `less than or equal to ${MAX_TRANSACT_ITEMS}`;
    return `1 validation error detected: Value at 'transactItems' failed to satisfy constraint: Member must have length ${bound}`;
  }
  const token = data.ClientRequestToken;
  if (token !== undefined && (typeof token !== "string" || token.length < 1 || token.length > 36)) {
    return "1 validation error detected: Value at 'clientRequestToken' failed to satisfy constraint: Member must have length between 1 and 36";
  }
  for (const item of items as unknown[]) {
    const kinds = KINDS.filter((kind) => typeof item === "object" && item !== null && (item as Json)[kind] != null);
    if (kinds.length !== 1) return "TransactItems can only contain one of Check, Put, Update or Delete";
    const spec = (item as Json)[kinds[0]];
    if (typeof spec !== "object" || spec === null) return `${kinds[0]} must be a structure`;
    const { TableName, Key, Item, UpdateExpression, ConditionExpression } = spec as Json;
    if (typeof TableName !== "string") return "1 validation error detected: Value null at 'tableName' failed to satisfy constraint: Member must not be null";
    if (kinds[0] === "Put" ? !isMap(Item) : !isMap(Key)) return `1 validation error detected: Value null at '${kinds[0] === "Put" ? "item" : "key"}' failed to satisfy constraint: Member must not be null`;
    if (kinds[0] === "Update" && typeof UpdateExpression !== "string") return "1 validation error detected: Value null at 'updateExpression' failed to satisfy constraint: Member must not be null";
    if (kinds[0] === "ConditionCheck" && typeof ConditionExpression !== "string") return "1 validation error detected: Value null at 'conditionExpression' failed to satisfy constraint: Member must not be null";
  }
  return undefined;
}

function isMap(value: unknown): value is AttributeMap {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function pick(spec: Json, names: string[]): Json {
  return Object.fromEntries(names.filter((name) => spec[name] !== undefined).map((name) => [name, spec[name]]));
}

/** The request as compared for ClientRequestToken reuse: the same JSON with keys in one order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (isMap(value)) return `{${Object.keys(value).sort().map((key) => `${JSON.stringify(key)}:${canonical(value[key])}`).join(",")}}`;
  return JSON.stringify(value);
}

function validationError(message: string): Answer {
  return { status: 400, body: { __type: "com.amazon.coral.validate#ValidationException", message } };
}

function error(name: string, message: string): Answer {
  return { status: 400, body: { __type: `${DYNAMODB_ERRORS}${name}`, message } };
}

/** An answer as DynamoDB frames it: JSON 1.0, a request id, the body's CRC32 (as dynalite does). */
function reply(res: ServerResponse, { status, body }: Answer): void {
  const text = Buffer.from(JSON.stringify(body));
  res.writeHead(status, {
    "x-amzn-RequestId": randomBytes(39).toString("base64").toUpperCase().replace(/[+/]/g, "0"),
    "x-amz-crc32": String(crc32(text)),
    "content-type": "application/x-amz-json-1.0",
    "content-length": String(text.length),
  });
  res.end(text);
}

function readAll(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.on("end", () => resolve(Buffer.concat(chunks)));
    stream.on("error", reject);
  });
}

function send(
  upstream: URL,
  agent: Agent,
  method: string,
  path: string,
  headers: IncomingHttpHeaders | Record<string, string>,
  body: Buffer,
): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const outgoing = request({ host: upstream.hostname, port: upstream.port, method, path, headers, agent }, (response) => {
      readAll(response).then((received) => resolve({ status: response.statusCode ?? 502, headers: response.headers, body: received }), reject);
    });
    outgoing.on("error", reject);
    outgoing.end(body);
  });
}

/** Connection-level headers belong to each hop, not to the answer. */
function withoutHopByHop(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const copy = { ...headers };
  for (const name of ["connection", "keep-alive", "transfer-encoding"]) delete copy[name];
  return copy;
}

function amzDate(date: Date): string {
  return date.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
}

/**
 * Many shared holders or one exclusive holder, granted in arrival order (a
 * waiting transaction is not starved by a stream of ordinary requests).
 */
export class SharedExclusiveLock {
  private sharedHolders = 0;
  private exclusiveHeld = false;
  private readonly waiting: Array<{ exclusive: boolean; grant: () => void }> = [];

  shared<T>(work: () => Promise<T>): Promise<T> {
    return this.run(false, work);
  }

  exclusive<T>(work: () => Promise<T>): Promise<T> {
    return this.run(true, work);
  }

  private async run<T>(exclusive: boolean, work: () => Promise<T>): Promise<T> {
    await new Promise<void>((grant) => {
      this.waiting.push({ exclusive, grant });
      this.admit();
    });
    try {
      return await work();
    } finally {
      if (exclusive) this.exclusiveHeld = false;
      else this.sharedHolders--;
      this.admit();
    }
  }

  private admit(): void {
    while (this.waiting.length > 0 && !this.exclusiveHeld) {
      const next = this.waiting[0];
      if (next.exclusive && this.sharedHolders > 0) return;
      this.waiting.shift();
      if (next.exclusive) this.exclusiveHeld = true;
      else this.sharedHolders++;
      next.grant();
    }
  }
}
