import { TRANSIENT_RETRY_MS } from "../../src/runtime/instance.js";
import { readFile, writeFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodePem } from "../../src/asn1/pem.js";
import { createSelfSignedCa } from "../../src/ca/self_signed.js";
import { AwsKmsSigner } from "../../src/kms/aws_kms.js";
import { compose } from "../../src/runtime/compose.js";
import { createLambdaHandlers, type LambdaHandlers, type LambdaOptions } from "../../src/runtime/lambda.js";
import { settingsCaSigner } from "../../src/runtime/backends.js";
import type { CertificateRecord } from "../../src/ca/certificate_record.js";
import { DynamoDbStore } from "../../src/store/dynamodb.js";
import { MemoryStore } from "../../src/store/memory.js";
import { DUMMY_CREDENTIALS, REGION, startDynalite, type Dynalite } from "../support/dynalite.js";
import { KmsEmulator } from "../support/kms_emulator.js";
import { startLambdaShim, type LambdaShim } from "../support/lambda_shim.js";
import { makeKey, makeCaFiles, makeTempDir, mustOpenssl, openssl, opensslCmp, type TempDir } from "../support/openssl.js";

// The Lambda entry as a Function URL would run it: real HTTP from the real
// `openssl cmp`, turned into payload 2.0 events by the shim, answered by the
// handler in this process. Mostly with a memory store and the CA key from a
// PEM setting; then DynamoDB (dynalite) and AWS KMS (an emulator) as stores
// and key, through the same settings the function reads from its environment.

const SECRET = "lambda-secret";
const CMP = "/.well-known/cmp";

let dir: TempDir;
let settings: Record<string, string>;

beforeAll(async () => {
  dir = await makeTempDir();
  const ca = await makeCaFiles(dir, "/O=Jellyfish/CN=Lambda CA");
  settings = {
    CA_KEY: ca.keyPem,
    CA_CERT: ca.certPem,
    CMP_SECRETS: JSON.stringify({ device: SECRET }),
    JELLYFISH_ALLOW_MEMORY_STORE: "1",
  };
});

afterAll(async () => {
  await dir?.remove();
});

/** Handlers and their shim; logs collected instead of printed. */
async function start(given: Record<string, string>, options: LambdaOptions = {}) {
  const logs: Array<Record<string, unknown>> = [];
  const handlers = createLambdaHandlers(given, { log: (line) => logs.push(line as Record<string, unknown>), ...options });
  const shim = await startLambdaShim(handlers.http);
  return { handlers, shim, logs };
}

function post(shim: LambdaShim, body: Uint8Array): Promise<Response> {
  return fetch(`${shim.url}${CMP}`, { method: "POST", headers: { "content-type": "application/pkixcmp" }, body });
}

describe("the Lambda entry behind a Function URL", () => {
  let shim: LambdaShim;
  let handlers: LambdaHandlers;
  let logs: Array<Record<string, unknown>>;
  // The engine's clock, so the sweep can be run "later" without waiting.
  let offsetMs = 0;

  beforeAll(async () => {
    ({ shim, handlers, logs } = await start(settings, { now: () => new Date(Date.now() + offsetMs) }));
  });

  afterAll(async () => {
    await shim?.stop();
  });

  async function ir(name: string, extra: string[] = []) {
    await makeKey(dir.file(`${name}.key.pem`));
    return opensslCmp([
      "-cmd", "ir", "-server", `${shim.url}${CMP}`, "-ref", "device", "-secret", `pass:${SECRET}`,
      "-newkey", dir.file(`${name}.key.pem`), "-subject", `/CN=${name}`,
      "-certout", dir.file(`${name}.pem`), "-msg_timeout", "15", ...extra,
    ]);
  }

  it("enrolls `openssl cmp` with a MAC: ir, then certConf, binary both ways", async () => {
    const before = shim.events.length;
    const result = await ir("lambda-device");
    expect(result.code, result.stderr).toBe(0);
    expect(await mustOpenssl(["verify", "-CAfile", dir.file("ca.pem"), dir.file("lambda-device.pem")])).toContain("OK");

    const events = shim.events.slice(before);
    expect(events.map((event) => event.requestContext.http.method)).toEqual(["POST", "POST"]);
    for (const event of events) {
      expect(event.headers["content-type"]).toBe("application/pkixcmp");
      expect(event.isBase64Encoded).toBe(true);
    }
    expect(logs.filter((line) => line.status === 200).map((line) => line.bodyType)).toEqual(["ir", "certConf"]);
    expect(logs).toContainEqual(expect.objectContaining({ level: "warn", message: expect.stringContaining('store "memory"') }));
    expect(shim.failures).toEqual([]);
  });

  it("answers `openssl ocsp` (POST) and a GET at /ocsp, binary both ways", async () => {
    const cert = dir.file("lambda-device.pem");
    const ca = dir.file("ca.pem");
    const asked = await openssl(["ocsp", "-issuer", ca, "-cert", cert, "-url", `${shim.url}/ocsp`, "-CAfile", ca, "-timeout", "15"]);
    expect(asked.stderr).toContain("Response verify OK");
    expect(asked.stdout).toContain(`${cert}: good`);

    const request = dir.file("lambda-ocsp.der");
    await mustOpenssl(["ocsp", "-issuer", ca, "-cert", cert, "-no_nonce", "-reqout", request]);
    const path = `/ocsp/${encodeURIComponent((await readFile(request)).toString("base64"))}`;
    const res = await fetch(`${shim.url}${path}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/ocsp-response");
    expect(res.headers.get("cache-control")).toMatch(/^public, max-age=/);
    // The shim passes the path as sent; were a front end to decode %2F, the responder takes it unencoded too.
    expect(shim.events.at(-1)!.rawPath).toBe(path);
    const body = new Uint8Array(await res.arrayBuffer());
    await writeFile(dir.file("lambda-ocsp.resp.der"), body);
    const checked = await openssl(["ocsp", "-respin", dir.file("lambda-ocsp.resp.der"), "-issuer", ca, "-cert", cert, "-CAfile", ca, "-no_nonce"]);
    expect(checked.stderr).toContain("Response verify OK");
    expect(checked.stdout).toContain(`${cert}: good`);
    expect(shim.failures).toEqual([]);
  });

  it("answers garbage with 400, application/pkixcmp and the right Content-Length", async () => {
    const res = await post(shim, new TextEncoder().encode("this is not a PKIMessage"));
    const body = new Uint8Array(await res.arrayBuffer());
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toBe("application/pkixcmp");
    expect(res.headers.get("content-length")).toBe(String(body.length));
    expect(body[0]).toBe(0x30);
  });

  it("answers GET with 405 and Allow: POST", async () => {
    const res = await fetch(`${shim.url}${CMP}`);
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("POST");
    expect(await res.text()).toBe("method not allowed");
  });

  it("runs the expiry sweep from the schedule handler on the same instance", async () => {
    const result = await ir("never-confirmed", ["-disable_confirm"]);
    expect(result.code, result.stderr).toBe(0);
    offsetMs = 2 * 3600 * 1000; // past the default confirmation wait of an hour
    try {
      expect(await handlers.scheduled()).toMatchObject({ unconfirmedCertificates: 1 });
    } finally {
      offsetMs = 0;
    }
    expect(logs).toContainEqual(expect.objectContaining({ outcome: "expiry", unconfirmedCertificates: 1 }));
    // The same run publishes a CRL (RFC 5280 §5.1.2.5: renewed before nextUpdate, whether or not anyone fetched it).
    expect(logs).toContainEqual(expect.objectContaining({ outcome: "crl", crlNumber: expect.stringMatching(/^\d+$/) }));
  });
});

describe("byte for byte", () => {
  // A fixed clock and random source make the engine's answer reproducible; the
  // random bytes cover every octet value, so a text round trip would show.
  const now = () => new Date("2030-01-02T03:04:05Z");
  const randomBytes = (length: number) => Uint8Array.from({ length }, (_, i) => (i * 151 + 128) & 0xff);

  it("returns exactly what the app answers, request bytes and all", async () => {
    const { shim } = await start(settings, { now, randomBytes });
    try {
      const { app } = await compose({
        settings,
        makeSigner: () => settingsCaSigner(settings),
        makeStore: () => new MemoryStore(),
        log: () => undefined,
        now,
        randomBytes,
      });
      const garbage = Uint8Array.from({ length: 256 }, (_, i) => 255 - i);
      const direct = await app.request(CMP, { method: "POST", headers: { "content-type": "application/pkixcmp" }, body: garbage });
      const expected = new Uint8Array(await direct.arrayBuffer());

      const res = await post(shim, garbage);
      const received = new Uint8Array(await res.arrayBuffer());
      expect(res.status).toBe(direct.status);
      expect(res.headers.get("content-type")).toBe("application/pkixcmp");
      expect(res.headers.get("content-length")).toBe(direct.headers.get("content-length"));
      expect(received).toEqual(expected);
      expect(expected.some((byte) => byte >= 0x80)).toBe(true);

      const event = shim.events.at(-1)!;
      expect(event.isBase64Encoded).toBe(true);
      expect(new Uint8Array(Buffer.from(event.body!, "base64"))).toEqual(garbage);
      expect(shim.failures).toEqual([]);
    } finally {
      await shim.stop();
    }
  });
});

describe("the store in DynamoDB (dynalite)", () => {
  let dynamo: Dynalite;

  beforeAll(async () => {
    dynamo = await startDynalite();
  });

  afterAll(async () => {
    await dynamo?.stop();
  });

  it("enrolls `openssl cmp` and records the confirmed certificate in the table", async () => {
    const { JELLYFISH_ALLOW_MEMORY_STORE: _omitted, ...rest } = settings;
    const { shim, logs } = await start({
      ...rest,
      STORE_TABLE: dynamo.tableName,
      DYNAMODB_ENDPOINT: dynamo.endpoint,
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: DUMMY_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: DUMMY_CREDENTIALS.secretAccessKey,
    });
    try {
      await makeKey(dir.file("dynamo-device.key.pem"));
      const result = await opensslCmp([
        "-cmd", "ir", "-server", `${shim.url}${CMP}`, "-ref", "device", "-secret", `pass:${SECRET}`,
        "-newkey", dir.file("dynamo-device.key.pem"), "-subject", "/CN=dynamo-device",
        "-certout", dir.file("dynamo-device.pem"), "-msg_timeout", "15",
      ]);
      expect(result.code, result.stderr).toBe(0);
      const table = new DynamoDbStore({ tableName: dynamo.tableName, client: dynamo.client });
      const records = (await table.list<CertificateRecord>("cert/")).items.map((item) => item.value);
      expect(records).toMatchObject([{ subject: "CN=dynamo-device", status: "confirmed" }]);
      // Neither the memory-store warning nor the non-atomic one: DynamoDB is the store.
      expect(logs.filter((line) => line.level === "warn")).toEqual([]);
    } finally {
      await shim.stop();
    }
  });

  it("needs AWS_REGION with STORE_TABLE", async () => {
    const { JELLYFISH_ALLOW_MEMORY_STORE: _omitted, ...rest } = settings;
    const { shim } = await start({ ...rest, STORE_TABLE: dynamo.tableName });
    try {
      const res = await post(shim, new Uint8Array([0x30, 0x00]));
      expect(res.status).toBe(503);
      expect(await res.text()).toBe("misconfigured: AWS_REGION is not set");
    } finally {
      await shim.stop();
    }
  });
});

describe("the CA key in AWS KMS (a loopback KMS emulator)", () => {
  let kms: KmsEmulator;
  let kmsSettings: Record<string, string>;
  let kmsKey: string;

  beforeAll(async () => {
    kms = await KmsEmulator.start();
    kmsKey = kms.createKey("ECC_NIST_P256");
    const connection = { region: kms.region, endpoint: kms.url, credentials: kms.credentials };
    const signer = await AwsKmsSigner.connect({ keyId: kmsKey, ...connection });
    const caCert = encodePem("CERTIFICATE", await createSelfSignedCa({ signer, subject: "CN=Lambda KMS CA,O=Jellyfish", validitySeconds: 3600, now: new Date() }));
    await writeFile(dir.file("kms-ca.pem"), caCert);
    kmsSettings = {
      CA_KMS_KEY_ID: kmsKey,
      CA_CERT: caCert,
      KMS_ENDPOINT: kms.url,
      AWS_REGION: kms.region,
      AWS_ACCESS_KEY_ID: kms.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: kms.credentials.secretAccessKey,
      CMP_SECRETS: JSON.stringify({ device: SECRET }),
      JELLYFISH_ALLOW_MEMORY_STORE: "1",
    };
  });

  afterAll(async () => {
    await kms?.stop();
  });

  it("enrolls `openssl cmp`, the certificate signed in KMS", async () => {
    const { shim } = await start(kmsSettings);
    try {
      const signsBefore = kms.signCalls(kmsKey);
      await makeKey(dir.file("kms-device.key.pem"));
      const result = await opensslCmp([
        "-cmd", "ir", "-server", `${shim.url}${CMP}`, "-ref", "device", "-secret", `pass:${SECRET}`,
        "-newkey", dir.file("kms-device.key.pem"), "-subject", "/CN=kms-device",
        "-certout", dir.file("kms-device.pem"), "-msg_timeout", "15",
      ]);
      expect(result.code, result.stderr).toBe(0);
      expect(await mustOpenssl(["verify", "-CAfile", dir.file("kms-ca.pem"), dir.file("kms-device.pem")])).toContain("OK");
      expect(kms.signCalls(kmsKey)).toBeGreaterThan(signsBefore);
    } finally {
      await shim.stop();
    }
  });

  it("a KMS that fails at cold start is asked again by the next request, not remembered as misconfigured", async () => {
    const { shim } = await start(kmsSettings);
    try {
      kms.fail({ kind: "internal", operations: ["GetPublicKey"] });
      const first = await post(shim, new Uint8Array([0x30, 0x00]));
      expect(first.status).toBe(503);
      expect(first.headers.get("retry-after")).toBe("10");
      expect(await first.text()).toMatch(/^unavailable: startup failed: .*GetPublicKey/);
      kms.clearFaults();
      // Not before the retry pause: until then requests share the failed attempt (src/runtime/instance.ts).
      expect((await post(shim, new TextEncoder().encode("garbage"))).status).toBe(503);
      await new Promise((done) => setTimeout(done, TRANSIENT_RETRY_MS));
      const second = await post(shim, new TextEncoder().encode("garbage"));
      expect(second.status).toBe(400);
    } finally {
      kms.clearFaults();
      await shim.stop();
    }
  });

  it("refuses a CA_CERT that is not for the KMS key", async () => {
    const { shim } = await start({ ...kmsSettings, CA_CERT: settings.CA_CERT! });
    try {
      const res = await post(shim, new Uint8Array([0x30, 0x00]));
      expect(res.status).toBe(503);
      expect(await res.text()).toMatch(/^misconfigured: KMS key .* does not match the CA certificate/);
    } finally {
      await shim.stop();
    }
  });
});

describe("a misconfigured Lambda", () => {
  async function answer(given: Record<string, string>) {
    const { shim, logs } = await start(given);
    try {
      const res = await post(shim, new Uint8Array([0x30, 0x00]));
      return { status: res.status, text: await res.text(), logs };
    } finally {
      await shim.stop();
    }
  }

  it("answers 503 naming the missing CA key, and logs it", async () => {
    const { CA_KEY: _omitted, ...rest } = settings;
    const { status, text, logs } = await answer(rest);
    expect(status).toBe(503);
    expect(text).toBe("misconfigured: CA_KMS_KEY_ID (or CA_KEY) is not set");
    expect(logs).toContainEqual(expect.objectContaining({ outcome: "misconfigured", error: "CA_KMS_KEY_ID (or CA_KEY) is not set" }));
  });

  it("refuses a CA key in both places", async () => {
    const { status, text } = await answer({ ...settings, CA_KMS_KEY_ID: "alias/jellyfish-ca" });
    expect(status).toBe(503);
    expect(text).toBe("misconfigured: CA_KEY and CA_KMS_KEY_ID are both set; set one");
  });

  it("refuses to fall back to a memory store unless told to", async () => {
    const { JELLYFISH_ALLOW_MEMORY_STORE: _omitted, ...rest } = settings;
    const { status, text } = await answer(rest);
    expect(status).toBe(503);
    expect(text).toBe("misconfigured: STORE_TABLE is not set");
  });

  it("fails the scheduled invocation, so the schedule's errors show", async () => {
    const { CA_CERT: _omitted, ...rest } = settings;
    const handlers = createLambdaHandlers(rest, { log: () => undefined });
    await expect(handlers.scheduled()).rejects.toThrow(/misconfigured/);
  });
});
