import { afterAll, beforeAll } from "vitest";
import { startNodeServer, type NodeServer } from "../../src/runtime/node.js";
import { hostileRequestSuite } from "../support/hostile_http.js";
import { makeCaFiles, makeKey, makeTempDir, opensslCmp, type TempDir } from "../support/openssl.js";

// Issue 12 on the plain Node server: the same hostile requests as the Worker gets (test/interop/hostile_http.test.ts).

let dir: TempDir;
let server: NodeServer;

beforeAll(async () => {
  dir = await makeTempDir();
  const ca = await makeCaFiles(dir);
  server = await startNodeServer(
    {
      CA_KEY: ca.keyPem,
      CA_CERT: ca.certPem,
      CMP_SECRETS: JSON.stringify({ dev: "node-secret" }),
      JELLYFISH_ALLOW_MEMORY_STORE: "1",
      JELLYFISH_CONFIG: JSON.stringify({ limits: { bodyReadTimeoutSeconds: 1 } }),
      PORT: "0",
    },
    { log: () => undefined },
  );
});

afterAll(async () => {
  await server?.close();
  await dir?.remove();
});

hostileRequestSuite("Node", () => ({
  port: Number(new URL(server.url).port),
  enroll: async (name) => {
    await makeKey(dir.file(`${name}.key.pem`));
    return opensslCmp([
      "-cmd", "ir", "-server", `${server.url}/.well-known/cmp`, "-ref", "dev", "-secret", "pass:node-secret",
      "-newkey", dir.file(`${name}.key.pem`), "-subject", `/CN=${name}`, "-certout", dir.file(`${name}.pem`), "-msg_timeout", "20",
    ]);
  },
}), 300);
