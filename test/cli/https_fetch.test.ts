import { createServer, type Server } from "node:https";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ensureDevTls } from "../../scripts/dev_tls.js";
import { fetchTrusting } from "../../src/cli/https_fetch.js";

// The fetch behind --cacert: node:https with the given CA, a bounded answer.

let dir: string;
let server: Server;
let base: string;
let caPem: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "jellyfish-https-fetch-"));
  const tls = await ensureDevTls(dir);
  caPem = await readFile(tls.caCertPath, "utf8");
  server = createServer({ key: await readFile(tls.serverKeyPath), cert: await readFile(tls.serverCertPath) }, (request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      if (request.url === "/big") return response.writeHead(200).end(Buffer.alloc(4096, 0x41));
      if (request.url === "/moved") return response.writeHead(302, { location: "https://elsewhere.example/" }).end();
      if (request.url === "/empty") return response.writeHead(204).end();
      response.writeHead(201, { "content-type": "application/json", "x-length": String(request.headers["content-length"]) });
      response.end(JSON.stringify({ method: request.method, auth: request.headers.authorization, body: Buffer.concat(chunks).toString() }));
    });
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", () => done()));
  base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((done) => server.close(() => done()));
  await rm(dir, { recursive: true, force: true });
});

it("sends the method, headers and body, with a Content-Length, and gives back status, headers and body", async () => {
  const response = await fetchTrusting(caPem)(`${base}/admin`, { method: "POST", headers: { authorization: "Bearer t" }, body: '{"a":1}' });
  expect(response.status).toBe(201);
  expect(response.headers.get("x-length")).toBe("7");
  expect(await response.json()).toEqual({ method: "POST", auth: "Bearer t", body: '{"a":1}' });
});

it("does not follow a redirect, and carries a body-less status", async () => {
  const moved = await fetchTrusting(caPem)(`${base}/moved`, { redirect: "manual" });
  expect(moved.status).toBe(302);
  expect(moved.headers.get("location")).toBe("https://elsewhere.example/");
  expect((await fetchTrusting(caPem)(`${base}/empty`)).status).toBe(204);
});

it("refuses an answer past its bound", async () => {
  await expect(fetchTrusting(caPem, 1024)(`${base}/big`)).rejects.toThrow("the answer is larger than 1024 bytes");
});

it("refuses a server whose certificate the given CA did not issue", async () => {
  const other = await mkdtemp(join(tmpdir(), "jellyfish-https-other-"));
  try {
    const stranger = await readFile((await ensureDevTls(other)).caCertPath, "utf8");
    await expect(fetchTrusting(stranger)(`${base}/admin`)).rejects.toThrow(/unable to verify|self.signed|local issuer/);
  } finally {
    await rm(other, { recursive: true, force: true });
  }
});
