import { createRequire } from "node:module";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { startTransactionProxy } from "./dynalite_transactions.js";

/**
 * dynalite (an in-memory DynamoDB over HTTP) inside the test process, on
 * 127.0.0.1 with a free port, holding one table laid out as DynamoDbStore
 * expects (src/store/dynamodb.ts). dynalite has no TTL deleter
 * (UpdateTimeToLive is not among its operations), which is what the tests
 * want: expired items stay, as they do on AWS until TTL gets round to them.
 *
 * dynalite lacks TransactWriteItems, which DynamoDbStore.batch uses, so the
 * endpoint is a proxy in front of it that adds that operation and passes
 * every other one through (dynalite_transactions.ts).
 */
export interface Dynalite {
  /** The transaction proxy's endpoint (dynalite itself is not exposed). */
  endpoint: string;
  tableName: string;
  /** A client on the endpoint with dummy credentials (dynalite checks none); stop() destroys it. */
  client: DynamoDBClient;
  /** Closes the client's sockets, then the proxy, then dynalite and its in-memory database. */
  stop(): Promise<void>;
}

/** Dummy credentials: the SDK signs every request, so it needs some. */
export const DUMMY_CREDENTIALS = { accessKeyId: "test", secretAccessKey: "test" };
export const REGION = "us-east-1";

/**
 * @param options.now the proxy's clock for the ClientRequestToken window; tests move it instead of waiting 10 minutes
 */
export async function startDynalite(tableName = "jellyfish-test", options: { now?: () => number } = {}): Promise<Dynalite> {
  // dynalite is CommonJS and ships no types.
  const dynalite = createRequire(import.meta.url)("dynalite") as (options: { createTableMs?: number }) => Server;
  const server = dynalite({ createTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const closeServer = () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
  const upstream = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let proxy;
  try {
    proxy = await startTransactionProxy({ upstream, now: options.now });
  } catch (error) {
    await closeServer();
    throw error;
  }
  const { endpoint } = proxy;
  const client = new DynamoDBClient({ endpoint, region: REGION, credentials: DUMMY_CREDENTIALS });
  const stop = async () => {
    client.destroy();
    await proxy.stop();
    await closeServer();
  };
  try {
    await createTable(client, tableName);
  } catch (error) {
    await stop();
    throw error;
  }
  return { endpoint, tableName, client, stop };
}

/** The table as the CDK stack creates it: pk/sk strings, on-demand billing (dynalite accepts PAY_PER_REQUEST). */
async function createTable(client: DynamoDBClient, tableName: string): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      AttributeDefinitions: [
        { AttributeName: "pk", AttributeType: "S" },
        { AttributeName: "sk", AttributeType: "S" },
      ],
      KeySchema: [
        { AttributeName: "pk", KeyType: "HASH" },
        { AttributeName: "sk", KeyType: "RANGE" },
      ],
      BillingMode: "PAY_PER_REQUEST",
    }),
  );
  // Even with createTableMs 0 the table is CREATING until a timer fires.
  for (let tries = 0; tries < 100; tries++) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus === "ACTIVE") return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`dynalite table ${tableName} did not become ACTIVE`);
}
