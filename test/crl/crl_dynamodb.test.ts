import { afterAll, beforeAll } from "vitest";
import { DynamoDbStore } from "../../src/store/dynamodb.js";
import { startDynalite, type Dynalite } from "../support/dynalite.js";
import { crlStoreContract } from "./crl_store_contract.js";

let db: Dynalite;
beforeAll(async () => {
  db = await startDynalite("jellyfish-crl-test");
});
afterAll(async () => {
  await db?.stop();
});

// One table for both tests: the contract counts what it adds, not what the table holds.
crlStoreContract("dynamodb (dynalite)", () => new DynamoDbStore({ tableName: db.tableName, client: db.client }));
