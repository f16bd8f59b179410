import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodePem } from "../../src/asn1/pem.js";
import type { CertificateRecord } from "../../src/ca/certificate_record.js";
import { AwsKmsSigner } from "../../src/kms/aws_kms.js";
import { createLambdaHandlers } from "../../src/runtime/lambda.js";
import { DynamoDbStore } from "../../src/store/dynamodb.js";
import { buildCli, type BuiltCli } from "../cli/cli_process.js";
import { startDynalite, type Dynalite } from "../support/dynalite.js";
import { KmsEmulator } from "../support/kms_emulator.js";
import { startLambdaShim, type LambdaShim } from "../support/lambda_shim.js";
import { makeKey, makeTempDir, mustOpenssl, opensslCmp, type TempDir } from "../support/openssl.js";
import { startWorker, type RunningWorker } from "../support/worker.js";

// Issue 6's acceptance: a CA whose key lives in (emulated) KMS, its
// certificate made by `jellyfish ca init` through KMS; then the real `openssl
// cmp` enrolls with a MAC (ir + certConf) and renews with the new certificate
// (cr), first against the real Lambda handler (Function URL events through a
// loopback shim, DynamoDB on dynalite), then against the Worker in workerd.

const SECRET = "aws-flow-secret";
let dir: TempDir;
let cli: BuiltCli;
let kms: KmsEmulator;
let keyId: string;
let awsEnvironment: Record<string, string>;

beforeAll(async () => {
  dir = await makeTempDir();
  kms = await KmsEmulator.start();
  keyId = kms.createKey("ECC_NIST_P256", "Jellyfish CA");
  awsEnvironment = {
    AWS_REGION: kms.region,
    AWS_ACCESS_KEY_ID: kms.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: kms.credentials.secretAccessKey,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
  };
  cli = await buildCli();
  const made = await cli.jellyfish(
    ["ca", "init", "--kms-key-id", keyId, "--kms-endpoint", kms.url, "--self-signed", "--subject", "CN=Jellyfish AWS CA,O=Jellyfish", "--out", dir.file("ca.pem")],
    awsEnvironment,
  );
  expect(made.code, made.stdout + made.stderr).toBe(0);
});

afterAll(async () => {
  await cli?.remove();
  await kms?.stop();
  await dir?.remove();
});

/** ir with a MAC then cr signed with the new certificate, both verified against the CA that ca init made. */
async function enrollAndRenew(endpoint: string, name: string): Promise<void> {
  await makeKey(dir.file(`${name}.key.pem`));
  const ir = await opensslCmp([
    "-cmd", "ir", "-server", endpoint, "-ref", "device", "-secret", `pass:${SECRET}`, "-newkey", dir.file(`${name}.key.pem`),
    "-subject", `/CN=${name}`, "-certout", dir.file(`${name}.pem`), "-msg_timeout", "20",
  ]);
  expect(ir.code, ir.stdout + ir.stderr).toBe(0);
  expect(await mustOpenssl(["verify", "-CAfile", dir.file("ca.pem"), dir.file(`${name}.pem`)])).toContain("OK");

  await makeKey(dir.file(`${name}-2.key.pem`));
  const cr = await opensslCmp([
    "-cmd", "cr", "-server", endpoint, "-cert", dir.file(`${name}.pem`), "-key", dir.file(`${name}.key.pem`), "-trusted", dir.file("ca.pem"),
    "-newkey", dir.file(`${name}-2.key.pem`), "-subject", `/CN=${name}`, "-certout", dir.file(`${name}-2.pem`), "-msg_timeout", "20",
  ]);
  expect(cr.code, cr.stdout + cr.stderr).toBe(0);
  expect(await mustOpenssl(["verify", "-CAfile", dir.file("ca.pem"), dir.file(`${name}-2.pem`)])).toContain("OK");
  // The CA certificate is for the emulated KMS key, which signed it.
  const signer = await AwsKmsSigner.connect({ keyId, region: kms.region, endpoint: kms.url, credentials: kms.credentials });
  expect((await mustOpenssl(["x509", "-in", dir.file("ca.pem"), "-noout", "-pubkey"])).trim()).toBe(encodePem("PUBLIC KEY", signer.publicKey).trim());
}

describe("the Lambda handler, DynamoDB on dynalite, KMS on the emulator", () => {
  let dynamo: Dynalite;
  let shim: LambdaShim;

  beforeAll(async () => {
    dynamo = await startDynalite();
    const handlers = createLambdaHandlers(
      {
        ...awsEnvironment,
        CA_KMS_KEY_ID: keyId,
        KMS_ENDPOINT: kms.url,
        CA_CERT: await readFile(dir.file("ca.pem"), "utf8"),
        STORE_TABLE: dynamo.tableName,
        DYNAMODB_ENDPOINT: dynamo.endpoint,
        CMP_SECRETS: JSON.stringify({ device: SECRET }),
      },
      { log: () => undefined },
    );
    shim = await startLambdaShim(handlers.http);
  });

  afterAll(async () => {
    await shim?.stop();
    await dynamo?.stop();
  });

  it("enrolls and renews, and the table holds both certificates, confirmed", async () => {
    const signs = kms.signCalls(keyId);
    await enrollAndRenew(`${shim.url}/.well-known/cmp`, "lambda-device");
    expect(kms.signCalls(keyId)).toBeGreaterThan(signs + 1);
    const table = new DynamoDbStore({ tableName: dynamo.tableName, client: dynamo.client });
    const records = (await table.list<CertificateRecord>("cert/")).items.map((item) => item.value);
    expect(records.map((r) => [r.subject, r.status])).toEqual([["CN=lambda-device", "confirmed"], ["CN=lambda-device", "confirmed"]]);
  });
});

describe("the Worker in workerd, KMS on the emulator", () => {
  let worker: RunningWorker;

  beforeAll(async () => {
    worker = await startWorker({
      caCert: await readFile(dir.file("ca.pem"), "utf8"),
      secrets: { device: SECRET },
      vars: { ...awsEnvironment, CA_KMS_KEY_ID: keyId, KMS_ENDPOINT: kms.url },
    });
  });

  afterAll(() => worker?.stop());

  it("enrolls and renews the same way", async () => {
    await enrollAndRenew(`${worker.url}/.well-known/cmp`, "worker-device");
  });
});
