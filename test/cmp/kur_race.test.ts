import { afterAll, beforeAll } from "vitest";
import { DynamoDbStore } from "../../src/store/dynamodb.js";
import { MemoryStore } from "../../src/store/memory.js";
import { startDynalite, type Dynalite } from "../support/dynalite.js";
import { kurRaceSuite } from "./kur_race.js";

// The Durable Object run is kur_race.worker.test.ts (inside workerd).
let db: Dynalite;
beforeAll(async () => {
  db = await startDynalite();
});
afterAll(async () => {
  await db?.stop();
});

kurRaceSuite("memory", () => new MemoryStore());
kurRaceSuite("dynamodb (dynalite)", () => new DynamoDbStore({ tableName: db.tableName, client: db.client }));
