/**
 * Opt-in smoke test against a REAL DynamoDB table (docs/store.md). Skipped
 * unless JELLYFISH_DYNAMODB_SMOKE_TABLE is set. It runs the whole Store
 * contract (test/store/contract.ts), batch and concurrency included, so a
 * difference between dynalite with its TransactWriteItems proxy and the
 * service shows up here. It needs:
 *
 *   JELLYFISH_DYNAMODB_SMOKE_TABLE  a table laid out as the CDK stack makes it
 *                                   (pk/sk strings; TTL on expiresAt)
 *   AWS_REGION                      the table's region
 *   AWS credentials                 anything the SDK's default chain finds,
 *                                   allowed the DYNAMODB_ACTIONS of infra/aws/stack.ts
 *
 *   JELLYFISH_DYNAMODB_SMOKE_TABLE=jellyfish-smoke AWS_REGION=eu-central-1 \
 *     npx vitest run test/store/dynamodb_smoke.test.ts
 *
 * Every test writes under its own `contract/<uuid>/` keys and leaves them;
 * they are small, and TTL removes the ones with an expiry.
 */
import { describe, it } from "vitest";
import { DynamoDbStore } from "../../src/store/dynamodb.js";
import { storeContract } from "./contract.js";

const tableName = process.env.JELLYFISH_DYNAMODB_SMOKE_TABLE;
const region = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;

if (tableName) {
  storeContract("dynamodb (real AWS)", (now) => new DynamoDbStore({ tableName, region, now }), { kind: "dynamodb", atomic: true });
} else {
  describe.skip("DynamoDB smoke test (real DynamoDB): set JELLYFISH_DYNAMODB_SMOKE_TABLE", () => {
    it("runs the Store contract against a real table", () => {});
  });
}
