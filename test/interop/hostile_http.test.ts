import { afterAll, beforeAll } from "vitest";
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
