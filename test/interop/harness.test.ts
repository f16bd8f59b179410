import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeKey, makeCaFiles, makeTempDir, mustOpenssl, opensslCmp, type TempDir } from "../support/openssl.js";
import { startWorker, type RunningWorker } from "../support/worker.js";

/** Smoke test of the harness itself: the real Worker bundle, running in workerd. */

let dir: TempDir;
let caKey: string;
let caCert: string;

beforeAll(async () => {
  dir = await makeTempDir();
  ({ keyPem: caKey, certPem: caCert } = await makeCaFiles(dir));
});

afterAll(async () => {
  await dir?.remove();
});

describe("a configured Worker", () => {
  let worker: RunningWorker;

  beforeAll(async () => {
    worker = await startWorker({ caKey, caCert, secrets: { dev: "harness-secret" } });
  });

  afterAll(async () => {
    await worker?.stop();
  });

  it("listens on 127.0.0.1", () => {
    expect(new URL(worker.url).hostname).toBe("127.0.0.1");
  });

  it("answers GET with 405 and Allow: POST, and logs the rejection", async () => {
    const res = await fetch(`${worker.url}/.well-known/cmp`);
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("POST");
    await expect.poll(() => worker.logLines().filter((line) => line.status === 405)).toHaveLength(1);
  });

  it("answers an unknown profile with 404", async () => {
    const res = await fetch(`${worker.url}/.well-known/cmp/p/no-such-profile`, {
      method: "POST",
      headers: { "content-type": "application/pkixcmp" },
      body: new Uint8Array([0x30, 0x00]),
    });
    expect(res.status).toBe(404);
  });

  it("answers a POST of garbage with 400, application/pkixcmp and a Content-Length, and logs it", async () => {
    const res = await fetch(`${worker.url}/.well-known/cmp`, {
      method: "POST",
      headers: { "content-type": "application/pkixcmp" },
      body: new TextEncoder().encode("this is not a PKIMessage"),
    });
    const body = new Uint8Array(await res.arrayBuffer());
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toBe("application/pkixcmp");
    expect(res.headers.get("content-length")).toBe(String(body.length));
    expect(body[0]).toBe(0x30); // an error PKIMessage, a DER SEQUENCE
    expect(res.headers.get("transfer-encoding")).toBeNull();
    await expect.poll(() => worker.logLines().filter((line) => line.status === 400)).toHaveLength(1);
  });

  it("lets `openssl cmp` enroll with a MAC, end to end", async () => {
    await makeKey(dir.file("device.key.pem"));
    const result = await opensslCmp([
      "-cmd", "ir", "-server", `${worker.url}/.well-known/cmp`, "-ref", "dev", "-secret", "pass:harness-secret",
      "-newkey", dir.file("device.key.pem"), "-subject", "/CN=harness-device",
      "-certout", dir.file("device.pem"), "-msg_timeout", "15",
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(await mustOpenssl(["verify", "-CAfile", dir.file("ca.pem"), dir.file("device.pem")])).toContain("OK");
  });
});

describe("a misconfigured Worker", () => {
  it("answers 503 naming the missing CA key, and logs it", async () => {
    const worker = await startWorker({ caCert });
    try {
      const res = await fetch(`${worker.url}/.well-known/cmp`, { method: "POST" });
      expect(res.status).toBe(503);
      expect(await res.text()).toBe("misconfigured: CA_KEY is not set");
      await expect
        .poll(() => worker.logLines())
        .toContainEqual(expect.objectContaining({ outcome: "misconfigured", error: "CA_KEY is not set" }));
    } finally {
      await worker.stop();
    }
  });

  it("refuses a CA certificate that is not for the CA key: 503 with Retry-After, /health naming it, logged once", async () => {
    await makeKey(dir.file("other.key.pem"));
    const worker = await startWorker({ caKey: await readFile(dir.file("other.key.pem"), "utf8"), caCert });
    try {
      const message = "the first certificate in CA_CERT is not for CA_KEY";
      for (let attempt = 0; attempt < 2; attempt++) {
        const res = await fetch(`${worker.url}/.well-known/cmp`, { method: "POST" });
        expect(res.status).toBe(503);
        expect(res.headers.get("retry-after")).toMatch(/^\d+$/);
        expect(await res.text()).toBe(`misconfigured: ${message}`);
      }
      const health = await fetch(`${worker.url}/health`);
      expect(health.status).toBe(503);
      expect(await health.json()).toEqual({ status: "unavailable", checks: { configuration: message } });
      await expect.poll(() => worker.logLines()).toContainEqual(expect.objectContaining({ level: "error", outcome: "misconfigured", error: message }));
      expect(worker.logLines().filter((line) => line.outcome === "misconfigured")).toHaveLength(1);
    } finally {
      await worker.stop();
    }
  });
});
