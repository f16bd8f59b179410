import { afterAll, beforeAll, expect, it } from "vitest";
import { startNodeServer, type NodeServer } from "../../src/runtime/node.js";
import { hostileRequestSuite } from "../support/hostile_http.js";
import { RawConnection, requestHead } from "../support/raw_http.js";
import { makeCaFiles, makeKey, makeTempDir, opensslCmp, type TempDir } from "../support/openssl.js";

// Issue 12 on the plain Node server: the same hostile requests as the Worker gets (test/interop/hostile_http.test.ts).

let dir: TempDir;
let server: NodeServer;
const logs: Array<Record<string, unknown>> = [];

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
    { log: (line) => logs.push(line as Record<string, unknown>) },
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

it.each([
  ["with Content-Length (read from the socket)", ["Content-Length: 1000"], "0123456789"],
  ["chunked (read from the Request's stream)", ["Transfer-Encoding: chunked"], "a\r\n0123456789\r\n"],
])("a client that goes away mid-body %s is logged as rejected, not as an internal error", async (_, headers, part) => {
  const before = logs.length;
  const connection = await RawConnection.open(Number(new URL(server.url).port));
  connection.write(requestHead("POST", "/.well-known/cmp", ["Content-Type: application/pkixcmp", ...headers]) + part, "POST");
  await new Promise((resolve) => setTimeout(resolve, 100));
  connection.destroy();
  await expect.poll(() => logs.slice(before)).toContainEqual(expect.objectContaining({ outcome: "rejected", status: 400, reason: "request body cut off" }));
});

it("logged no internal error for any of the requests above", () => {
  expect(logs.filter((line) => line.outcome === "internal-error")).toEqual([]);
});
