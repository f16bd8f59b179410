import { TRANSIENT_RETRY_MS } from "../../src/runtime/instance.js";
import { writeFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodePem } from "../../src/asn1/pem.js";
import { createSelfSignedCa } from "../../src/ca/self_signed.js";
import { AwsKmsSigner } from "../../src/kms/aws_kms.js";
import { KmsEmulator } from "../support/kms_emulator.js";
import { makeKey, makeTempDir, mustOpenssl, opensslCmp, type TempDir } from "../support/openssl.js";
import { startWorker, type RunningWorker } from "../support/worker.js";

// The Worker bundle in workerd with its CA key in (emulated) AWS KMS: the
// SDK's fetch handler signs SigV4 requests from inside workerd to the
// emulator on 127.0.0.1. The CA certificate is made through the Signer, as
// `jellyfish ca init` does, so the private key never leaves "KMS". The real
// `openssl cmp` enrolls; KMS throttling, outages and timeouts become
// `waiting` and polling (Profile.signerRetry), then systemUnavail, never a 500.

const SECRET = "kms-interop-secret";
const CONFIG = {
  profiles: {
    default: {},
    retry: { signerRetry: { maxAttempts: 3, checkAfterSeconds: 1 }, implicitConfirm: false },
  },
};
let dir: TempDir;
let kms: KmsEmulator;
let keyArn: string;
let caPem: string;
let worker: RunningWorker;

function kmsVars(keyId: string): Record<string, string> {
  return {
    CA_KMS_KEY_ID: keyId,
    AWS_REGION: kms.region,
    AWS_ACCESS_KEY_ID: kms.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: kms.credentials.secretAccessKey,
    KMS_ENDPOINT: kms.url,
    // Short, so the timeout case stays quick; well above the emulator's answer time.
    KMS_TIMEOUT_MS: "1500",
  };
}

beforeAll(async () => {
  dir = await makeTempDir("jellyfish-kms-worker-");
  kms = await KmsEmulator.start();
  keyArn = kms.createKey("ECC_NIST_P256");
  const signer = await AwsKmsSigner.connect({ keyId: keyArn, region: kms.region, credentials: kms.credentials, endpoint: kms.url });
  const ca = await createSelfSignedCa({ signer, subject: "CN=Jellyfish KMS CA,O=Jellyfish", validitySeconds: 86_400, now: new Date() });
  caPem = encodePem("CERTIFICATE", ca);
  await writeFile(dir.file("ca.pem"), caPem);
  worker = await startWorker({ caCert: caPem, secrets: { device: SECRET }, config: CONFIG, vars: kmsVars(keyArn) });
});

afterAll(async () => {
  await worker?.stop();
  await kms?.stop();
  await dir?.remove();
});

async function ir(name: string, profile = "", extra: string[] = []) {
  await makeKey(dir.file(`${name}.key.pem`));
  return opensslCmp([
    "-cmd", "ir", "-server", `${worker.url}/.well-known/cmp${profile ? `/p/${profile}` : ""}`, "-ref", "device", "-secret", `pass:${SECRET}`,
    "-newkey", dir.file(`${name}.key.pem`), "-subject", `/CN=${name}`, "-certout", dir.file(`${name}.pem`),
    "-msg_timeout", "20", "-total_timeout", "60", ...extra,
  ], { timeoutMs: 90_000 });
}

/** The Worker's log lines of one subject's transaction, from its ir on (transactionID links the pollReqs and certConf). */
function transactionLog(subject: string): Array<Record<string, unknown>> {
  const lines = worker.logLines();
  const start = lines.find((line) => line.bodyType === "ir" && JSON.stringify(line).includes(`CN=${subject}`));
  const id = start?.transactionID;
  return id === undefined ? [] : lines.filter((line) => line.transactionID === id);
}

/** The per-message lines (one per CMP request), without the warnings logged on the way. */
function messages(log: Array<Record<string, unknown>>): Array<Record<string, unknown>> {
  return log.filter((line) => line.bodyType !== undefined);
}

describe("the Worker signs with the KMS key", () => {
  it("ir + certConf with a MAC: the certificate verifies against the CA certificate, and KMS signed it", async () => {
    const before = kms.signCalls(keyArn);
    const result = await ir("kms-device");
    expect(result.code, result.stderr).toBe(0);
    expect(await mustOpenssl(["verify", "-CAfile", dir.file("ca.pem"), dir.file("kms-device.pem")])).toContain("OK");
    expect(await mustOpenssl(["x509", "-in", dir.file("kms-device.pem"), "-noout", "-issuer"])).toContain("CN = Jellyfish KMS CA");
    expect(kms.signCalls(keyArn)).toBe(before + 1);
    expect(kms.lastInput("Sign")).toMatchObject({ KeyId: keyArn, MessageType: "DIGEST", SigningAlgorithm: "ECDSA_SHA_256" });
    await expect.poll(() => worker.logLines().filter((l) => l.bodyType === "certConf").map((l) => l.outcome)).toContain("confirmed");
  });

  it("cr signed with the new certificate: the answer is signed by KMS too, and the client verifies it", async () => {
    await makeKey(dir.file("cr-new.key.pem"));
    const before = kms.signCalls(keyArn);
    const result = await opensslCmp([
      "-cmd", "cr", "-server", `${worker.url}/.well-known/cmp`, "-cert", dir.file("kms-device.pem"), "-key", dir.file("kms-device.key.pem"),
      "-trusted", dir.file("ca.pem"), "-newkey", dir.file("cr-new.key.pem"), "-subject", "/CN=kms-cr-device", "-certout", dir.file("cr-new.pem"),
      "-msg_timeout", "20",
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(await mustOpenssl(["verify", "-CAfile", dir.file("ca.pem"), dir.file("cr-new.pem")])).toContain("OK");
    // The certificate, and the protection of cp and pkiConf.
    expect(kms.signCalls(keyArn)).toBeGreaterThanOrEqual(before + 2);
  });
});

describe("KMS failures on a profile with signerRetry { maxAttempts: 3, checkAfterSeconds: 1 }", () => {
  it("two throttled Sign calls: the client gets waiting, polls, and gets its certificate", async () => {
    const before = kms.signCalls(keyArn);
    kms.fail({ kind: "throttle", count: 2, keyId: keyArn });
    const result = await ir("throttled", "retry");
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(await mustOpenssl(["verify", "-CAfile", dir.file("ca.pem"), dir.file("throttled.pem")])).toContain("OK");
    expect(kms.signCalls(keyArn)).toBe(before + 3);
    const log = transactionLog("throttled");
    expect(log.map((l) => [l.bodyType, l.outcome ?? l.responseType])).toEqual(
      expect.arrayContaining([["ir", "waiting (signer)"], ["certConf", "confirmed"]]),
    );
    expect(log.filter((l) => l.bodyType === "pollReq").length).toBeGreaterThanOrEqual(2);
    expect(messages(log).every((l) => l.status === 200)).toBe(true);
  });

  it("a KMS that always fails: systemUnavail after the attempts run out, never HTTP 500", async () => {
    kms.fail({ kind: "internal", keyId: keyArn });
    try {
      const before = kms.signCalls(keyArn);
      const result = await ir("unavailable", "retry");
      expect(result.code).not.toBe(0);
      expect(result.stdout + result.stderr).toMatch(/systemUnavail|signing service failed/);
      expect(kms.signCalls(keyArn)).toBe(before + 3);
      const log = transactionLog("unavailable");
      expect(log.at(-1)).toMatchObject({ bodyType: "pollReq", outcome: "error", failInfo: ["systemUnavail"], status: 200 });
      expect(messages(log).every((l) => l.status === 200)).toBe(true);
      expect(log.filter((l) => l.message === "signer unavailable at a poll").map((l) => l.attempts)).toEqual([2, 3]);
    } finally {
      kms.clearFaults();
    }
  });

  it("a Sign that times out is transient: waiting, then the certificate", async () => {
    kms.fail({ kind: "delay", count: 1, keyId: keyArn });
    const result = await ir("slow-kms", "retry");
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(await mustOpenssl(["verify", "-CAfile", dir.file("ca.pem"), dir.file("slow-kms.pem")])).toContain("OK");
    expect(transactionLog("slow-kms").map((l) => l.outcome)).toContain("waiting (signer)");
    expect(worker.consoleLines().some((line) => line.includes(`AWS KMS Sign with key ${keyArn} timed out after 1500 ms`))).toBe(true);
  });
});

describe("a KMS key the Worker cannot use: 503 misconfigured, naming it", () => {
  async function misconfigured(vars: Record<string, string>, cert = caPem): Promise<string[]> {
    const broken = await startWorker({ caCert: cert, secrets: { device: SECRET }, vars });
    try {
      const bodies: string[] = [];
      for (let attempt = 0; attempt < 2; attempt++) {
        const response = await fetch(`${broken.url}/.well-known/cmp`, {
          method: "POST",
          headers: { "content-type": "application/pkixcmp" },
          body: new Uint8Array([0x30, 0x00]),
        });
        expect(response.status).toBe(503);
        bodies.push(await response.text());
      }
      return bodies;
    } finally {
      await broken.stop();
    }
  }

  it("a wrong CA_KMS_KEY_ID: every request answers 503 naming the key id", async () => {
    const wrong = `arn:aws:kms:${kms.region}:111122223333:key/00000000-0000-4000-8000-00000000dead`;
    for (const body of await misconfigured(kmsVars(wrong))) {
      expect(body).toMatch(/^misconfigured: /);
      expect(body).toContain(wrong);
      expect(body).toContain("NotFoundException");
      expect(body).not.toContain(kms.credentials.secretAccessKey);
    }
  });

  it("CA_CERT for another key: 503 naming the key id and the certificate subject", async () => {
    const otherKey = kms.createKey("ECC_NIST_P256");
    for (const body of await misconfigured(kmsVars(otherKey))) {
      expect(body).toBe(`misconfigured: KMS key ${otherKey} does not match the CA certificate "CN=Jellyfish KMS CA,O=Jellyfish" (different public key)`);
    }
  });
});

describe("a KMS briefly unavailable at a cold start", () => {
  it("the failed start is not kept: the next request connects again and is served", async () => {
    kms.fail({ kind: "throttle", count: 1, keyId: keyArn, operations: ["GetPublicKey"] });
    const cold = await startWorker({ caCert: caPem, secrets: { device: SECRET }, vars: kmsVars(keyArn) });
    try {
      const post = () =>
        fetch(`${cold.url}/.well-known/cmp`, { method: "POST", headers: { "content-type": "application/pkixcmp" }, body: new Uint8Array([0x30, 0x00]) });
      const first = await post();
      expect(first.status).toBe(503);
      expect(await first.text()).toContain("ThrottlingException");
      // Within the retry pause (TRANSIENT_RETRY_MS) the failure is shared: no KMS call per request.
      const calls = kms.calls("GetPublicKey");
      expect((await post()).status).toBe(503);
      expect(kms.calls("GetPublicKey")).toBe(calls);
      // After it, a request builds again. Not a PKIMessage: the engine's own 400 badDataFormat, so the CA was built this time.
      await new Promise((done) => setTimeout(done, TRANSIENT_RETRY_MS));
      const second = await post();
      expect(second.status).toBe(400);
      expect(second.headers.get("content-type")).toBe("application/pkixcmp");
    } finally {
      await cold.stop();
    }
  });
});
