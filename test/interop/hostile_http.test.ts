import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, expect, it } from "vitest";
import { reprotect } from "../support/reprotect.js";
import { hostileRequestSuite } from "../support/hostile_http.js";
import { makeCaFiles, makeKey, makeTempDir, opensslCmp, type TempDir } from "../support/openssl.js";
import { startWorker, type RunningWorker } from "../support/worker.js";

// Issue 12 on the real Worker bundle in workerd: the same hostile requests as
// the Node server gets (test/runtime/node_hostile_http.test.ts). `npm start`
// (wrangler dev, with its proxy Worker in front) is test/scripts/start.test.ts.

const SECRET = "hostile-secret";
let dir: TempDir;
let worker: RunningWorker;

beforeAll(async () => {
  dir = await makeTempDir();
  const ca = await makeCaFiles(dir);
  worker = await startWorker({
    caKey: ca.keyPem,
    caCert: ca.certPem,
    secrets: { dev: SECRET },
    config: { limits: { bodyReadTimeoutSeconds: 1 } },
  });
});

afterAll(async () => {
  await worker?.stop();
  await dir?.remove();
});

hostileRequestSuite("the Worker in workerd", () => ({
  port: Number(new URL(worker.url).port),
  enroll: async (name) => {
    await makeKey(dir.file(`${name}.key.pem`));
    return opensslCmp([
      "-cmd", "ir", "-server", `${worker.url}/.well-known/cmp`, "-ref", "dev", "-secret", `pass:${SECRET}`,
      "-newkey", dir.file(`${name}.key.pem`), "-subject", `/CN=${name}`, "-certout", dir.file(`${name}.pem`), "-msg_timeout", "20",
    ]);
  },
}));

it("writes a request's 20 000-byte transactionID into the log cut, every line at most 4 KiB (issue 12 saw 60 KB)", async () => {
  const fixture = await readFile(new URL("../fixtures/openssl/ir-mac-1-ir.der", import.meta.url));
  const request = await reprotect(fixture, SECRET, (message) => {
    message.header.transactionID = new Uint8Array(20_000).fill(0xab).buffer;
  });
  const response = await fetch(`${worker.url}/.well-known/cmp`, { method: "POST", headers: { "content-type": "application/pkixcmp" }, body: request });
  expect(response.status).toBe(200);
  const long = () => worker.logLines().filter((line) => String(line.transactionID ?? "").startsWith("abab"));
  await expect.poll(long).toHaveLength(1);
  expect(long()[0]!.transactionID).toMatch(/^(ab){256}…\[\+39488 chars\]$/);
  for (const text of worker.consoleLines()) expect(text.length).toBeLessThanOrEqual(4096);
});
