import { afterAll, beforeAll, expect, it } from "vitest";
import { startNodeServer, type NodeServer } from "../../src/runtime/node.js";
import { RawConnection } from "../support/raw_http.js";
import { makeKey, makeCaFiles, makeTempDir, mustOpenssl, openssl, opensslCmp, type TempDir } from "../support/openssl.js";

// The self-hosted Node runtime: the same composition, served by @hono/node-server.

let dir: TempDir;
let server: NodeServer;
const logs: object[] = [];

beforeAll(async () => {
  dir = await makeTempDir();
  const ca = await makeCaFiles(dir);
  server = await startNodeServer(
    {
      CA_KEY: ca.keyPem,
      CA_CERT: ca.certPem,
      CMP_SECRETS: JSON.stringify({ dev: "node-secret" }),
      JELLYFISH_ALLOW_MEMORY_STORE: "1",
      PORT: "0",
    },
    { log: (line) => logs.push(line) },
  );
});

afterAll(async () => {
  await server?.close();
  await dir?.remove();
});

it("listens on 127.0.0.1 and enrolls openssl cmp", async () => {
  expect(new URL(server.url).hostname).toBe("127.0.0.1");
  await makeKey(dir.file("device.key.pem"));
  const result = await opensslCmp([
    "-cmd", "ir", "-server", `${server.url}/.well-known/cmp`, "-ref", "dev", "-secret", "pass:node-secret",
    "-newkey", dir.file("device.key.pem"), "-subject", "/CN=node-device", "-certout", dir.file("device.pem"),
  ]);
  expect(result.code, result.stdout + result.stderr).toBe(0);
  expect(await mustOpenssl(["verify", "-CAfile", dir.file("ca.pem"), dir.file("device.pem")])).toContain("OK");
  expect(logs).toContainEqual(expect.objectContaining({ bodyType: "certConf", outcome: "confirmed" }));
});

it("answers garbage with 400 application/pkixcmp and a Content-Length", async () => {
  const response = await fetch(`${server.url}/.well-known/cmp`, { method: "POST", headers: { "content-type": "application/pkixcmp" }, body: "garbage" });
  const body = new Uint8Array(await response.arrayBuffer());
  expect(response.status).toBe(400);
  expect(response.headers.get("content-type")).toBe("application/pkixcmp");
  expect(response.headers.get("content-length")).toBe(String(body.length));
});

// The body is read straight from the socket when it has a Content-Length
// within the limit (src/runtime/node_body.ts); everything else goes the
// stream way, which enforces the limit while reading.
it("reads a body with and without Content-Length, and refuses one over the limit either way", async () => {
  const limit = 64 * 1024;
  const post = (body: Uint8Array | ReadableStream<Uint8Array>, extra: RequestInit = {}) =>
    fetch(`${server.url}/.well-known/cmp`, { method: "POST", headers: { "content-type": "application/pkixcmp" }, body, ...extra });
  const garbage = new Uint8Array(100).fill(0x41);
  expect((await post(garbage)).status).toBe(400); // read, then not a PKIMessage
  const chunked = (bytes: Uint8Array) =>
    post(new ReadableStream({ start: (controller) => { controller.enqueue(bytes); controller.close(); } }), { duplex: "half" } as RequestInit);
  expect((await chunked(garbage)).status).toBe(400);
  expect((await post(new Uint8Array(limit + 1))).status).toBe(413);
  expect((await chunked(new Uint8Array(limit + 1))).status).toBe(413);
});

// Content-Type comes from the raw header list (src/runtime/node_body.ts
// incomingHeader), not from a fetch Headers object: the same decisions as
// through Headers, including two Content-Type fields, which Headers joins
// into one value that is not application/pkixcmp (Node's own `headers`
// would keep only the first).
it("takes Content-Type from the raw headers: any case and parameters, and refuses none, another or two", async () => {
  const port = Number(new URL(server.url).port);
  const send = async (headerLines: string[]) => {
    const connection = await RawConnection.open(port);
    try {
      connection.write(["POST /.well-known/cmp HTTP/1.1", "Host: x", ...headerLines, "Content-Length: 7", "", "garbage"].join("\r\n"), "POST");
      const response = await connection.response();
      return response === "closed" ? "closed" : response.status;
    } finally {
      connection.destroy();
    }
  };
  expect(await send(["content-TYPE:  Application/PKIXCMP; charset=x "])).toBe(400); // read, then not a PKIMessage
  expect(await send([])).toBe(415);
  expect(await send(["Content-Type: text/plain"])).toBe(415);
  expect(await send(["Content-Type: application/pkixcmp", "Content-Type: application/pkixcmp"])).toBe(415);
  const ocsp = await RawConnection.open(port);
  ocsp.write(["POST /ocsp HTTP/1.1", "Host: x", "Content-Type: application/ocsp-request", "Content-Type: text/plain", "Content-Length: 1", "", "A"].join("\r\n"), "POST");
  expect(await ocsp.response()).toMatchObject({ status: 415 });
  ocsp.destroy();
});

// OCSP through the same socket body reader, with its own 8 KiB limit.
it("answers openssl ocsp, and refuses an OCSP body over 8 KiB with 413", async () => {
  const ca = dir.file("ca.pem");
  const asked = await openssl(["ocsp", "-issuer", ca, "-cert", dir.file("device.pem"), "-url", `${server.url}/ocsp`, "-CAfile", ca, "-timeout", "15"]);
  expect(asked.stderr).toContain("Response verify OK");
  expect(asked.stdout).toContain(": good");
  const post = (body: Uint8Array) => fetch(`${server.url}/ocsp`, { method: "POST", headers: { "content-type": "application/ocsp-request" }, body });
  const malformed = await post(new Uint8Array(8 * 1024).fill(0x41));
  expect(malformed.status).toBe(200);
  expect(new Uint8Array(await malformed.arrayBuffer())).toEqual(Uint8Array.of(0x30, 0x03, 0x0a, 0x01, 0x01));
  expect((await post(new Uint8Array(8 * 1024 + 1))).status).toBe(413);
  expect(logs).toContainEqual(expect.objectContaining({ endpoint: "ocsp", outcome: "successful", certStatus: ["good"] }));
});
