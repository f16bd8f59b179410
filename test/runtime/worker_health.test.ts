import { afterAll, beforeAll, expect, it } from "vitest";
import { makeCaFiles, makeTempDir, type TempDir } from "../support/openssl.js";
import { startWorker, type RunningWorker } from "../support/worker.js";

// /health on the real Worker bundle in workerd: the CA key in a secret
// (always ok) and the Durable Object store read through its RPC.

let dir: TempDir;
let worker: RunningWorker;

beforeAll(async () => {
  dir = await makeTempDir();
  const ca = await makeCaFiles(dir);
  worker = await startWorker({ caKey: ca.keyPem, caCert: ca.certPem, secrets: { dev: "worker-health" } });
}, 150_000);

afterAll(async () => {
  await worker?.stop();
  await dir?.remove();
});

it("answers 200 with every check ok, and HEAD without a body", async () => {
  const response = await fetch(`${worker.url}/health`);
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toBe("application/json");
  expect(await response.json()).toEqual({ status: "ok", checks: { configuration: "ok", caSigner: "ok", store: "ok" } });
  const head = await fetch(`${worker.url}/health`, { method: "HEAD" });
  expect(head.status).toBe(200);
  expect(await head.text()).toBe("");
});

it("leaves the CMP paths to the app", async () => {
  const response = await fetch(`${worker.url}/.well-known/cmp`);
  expect([response.status, response.headers.get("allow")]).toEqual([405, "POST"]);
});
