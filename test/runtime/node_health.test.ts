import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodePem } from "../../src/asn1/pem.js";
import { createSelfSignedCa } from "../../src/ca/self_signed.js";
import { AwsKmsSigner } from "../../src/kms/aws_kms.js";
import { startNodeServer, type NodeServer } from "../../src/runtime/node.js";
import { DUMMY_CREDENTIALS, REGION, startDynalite } from "../support/dynalite.js";
import { KmsEmulator } from "../support/kms_emulator.js";
import { makeCaFiles, makeTempDir, type TempDir } from "../support/openssl.js";

// GET /health on the Node runtime: 200 when the configuration, the CA signer
// and the store all answer; 503 naming the part that does not. No
// authentication and nothing secret in the answer.

let dir: TempDir;
let ca: { keyPem: string; certPem: string };

beforeAll(async () => {
  dir = await makeTempDir();
  ca = await makeCaFiles(dir);
}, 60_000);

afterAll(async () => {
  await dir?.remove();
});

async function withServer<T>(settings: Record<string, string>, use: (server: NodeServer, logs: Array<Record<string, unknown>>) => Promise<T>): Promise<T> {
  const logs: Array<Record<string, unknown>> = [];
  const server = await startNodeServer({ HOST: "127.0.0.1", PORT: "0", ...settings }, { log: (line) => logs.push(line as Record<string, unknown>) });
  try {
    return await use(server, logs);
  } finally {
    await server.close();
  }
}

async function health(server: NodeServer, method = "GET"): Promise<{ status: number; body: unknown; headers: Headers }> {
  const response = await fetch(`${server.url}/health`, { method });
  const text = await response.text();
  return { status: response.status, body: text === "" ? undefined : JSON.parse(text), headers: response.headers };
}

describe("/health on Node", () => {
  it("answers 200 when all is well, HEAD too, and 405 to other methods", async () => {
    await withServer({ CA_KEY: ca.keyPem, CA_CERT: ca.certPem, JELLYFISH_ALLOW_MEMORY_STORE: "1" }, async (server) => {
      const got = await health(server);
      expect(got.status).toBe(200);
      expect(got.body).toEqual({ status: "ok", checks: { configuration: "ok", caSigner: "ok", store: "ok" } });
      expect(got.headers.get("cache-control")).toBe("no-store");
      const head = await health(server, "HEAD");
      expect([head.status, head.body]).toEqual([200, undefined]);
      const post = await fetch(`${server.url}/health`, { method: "POST" });
      expect([post.status, post.headers.get("allow")]).toEqual([405, "GET, HEAD"]);
    });
  });

  it("answers 503 naming the store when DynamoDB does not answer", async () => {
    const dynamo = await startDynalite();
    const settings = {
      CA_KEY: ca.keyPem,
      CA_CERT: ca.certPem,
      STORE_TABLE: dynamo.tableName,
      DYNAMODB_ENDPOINT: dynamo.endpoint,
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: DUMMY_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: DUMMY_CREDENTIALS.secretAccessKey,
    };
    let stopped = false;
    try {
      await withServer(settings, async (server, logs) => {
        // The composition connects nothing to the store: building it needs no DynamoDB.
        await dynamo.stop();
        stopped = true;
        const got = await health(server);
        expect(got.status).toBe(503);
        expect(got.headers.get("retry-after")).toMatch(/^\d+$/);
        expect(got.body).toEqual({ status: "unavailable", checks: { configuration: "ok", caSigner: "ok", store: "unreachable" } });
        // What went wrong is for the operator's log, not for whoever asks /health.
        expect(logs).toContainEqual(expect.objectContaining({ level: "error", outcome: "health-check-failed", check: "store" }));
      });
    } finally {
      if (!stopped) await dynamo.stop();
    }
  }, 30_000);
});

describe("/health with the CA key in AWS KMS (the emulator)", () => {
  let kms: KmsEmulator;
  let keyId: string;
  let settings: Record<string, string>;

  beforeAll(async () => {
    kms = await KmsEmulator.start();
    keyId = kms.createKey("ECC_NIST_P256");
    const signer = await AwsKmsSigner.connect({ keyId, region: kms.region, endpoint: kms.url, credentials: kms.credentials });
    const caCert = encodePem("CERTIFICATE", await createSelfSignedCa({ signer, subject: "CN=Health KMS CA", validitySeconds: 3600, now: new Date() }));
    settings = {
      CA_KMS_KEY_ID: keyId,
      CA_CERT: caCert,
      KMS_ENDPOINT: kms.url,
      AWS_REGION: kms.region,
      AWS_ACCESS_KEY_ID: kms.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: kms.credentials.secretAccessKey,
      JELLYFISH_ALLOW_MEMORY_STORE: "1",
    };
  });

  afterAll(async () => {
    await kms?.stop();
  });

  it("asks KMS once for two probes in a row, and signs nothing to find out", async () => {
    await withServer(settings, async (server) => {
      const before = kms.calls("GetPublicKey", keyId);
      const signs = kms.signCalls(keyId);
      expect((await health(server)).body).toMatchObject({ status: "ok", checks: { caSigner: "ok" } });
      expect((await health(server)).status).toBe(200);
      expect(kms.calls("GetPublicKey", keyId) - before).toBeLessThanOrEqual(1);
      expect(kms.signCalls(keyId)).toBe(signs);
    });
  });

  it("answers 503 naming the CA signer when KMS fails, and keeps that answer a while without asking again", async () => {
    await withServer(settings, async (server) => {
      kms.fail({ kind: "internal", operations: ["GetPublicKey"] });
      try {
        const before = kms.calls("GetPublicKey", keyId);
        const first = await health(server);
        expect(first.status).toBe(503);
        expect(first.body).toEqual({ status: "unavailable", checks: { configuration: "ok", caSigner: "unreachable", store: "ok" } });
        expect((await health(server)).status).toBe(503);
        expect(kms.calls("GetPublicKey", keyId) - before).toBe(1);
      } finally {
        kms.clearFaults();
      }
    });
  });
});
