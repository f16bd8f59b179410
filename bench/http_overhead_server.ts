import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { Hono, type Context } from "hono";
import type { EngineContext } from "../src/cmp/engine_types.js";
import { loadConfig } from "../src/config/load.js";
import { createApp } from "../src/http/app.js";
import { incomingHeader, readIncomingBody } from "../src/runtime/node_body.js";

/**
 * `node --import tsx bench/http_overhead_server.ts raw|adapter|hono|app|app-headers`: a server whose
 * CMP engine costs nothing, so that its CPU per request is the HTTP layer
 * alone (bench/http_overhead.ts). raw: node:http reading the body and
 * writing a fixed answer with the headers Jellyfish sends, Node's own floor.
 * adapter: @hono/node-server around a fetch that reads the body as
 * src/runtime/node_body.ts does; hono: the same behind a bare Hono route.
 * app: Jellyfish's HTTP layer as src/runtime/node.ts serves it
 * (@hono/node-server, the Hono app of src/http/app.ts, the runtime's body
 * reader, an async hop like Instance.fetch's), with handleCmp answering a
 * fixed body at once.
 */
const answer = new Uint8Array(600).fill(0x30); // About the size of an ip with a certificate.
const mode = process.argv[2];
let address: AddressInfo;
if (mode === "raw") {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      response.writeHead(200, { "content-type": "application/pkixcmp", "content-length": String(answer.byteLength) });
      response.end(answer);
    });
  });
  await new Promise<void>((listening) => server.listen(0, "127.0.0.1", listening));
  address = server.address() as AddressInfo;
} else if (mode === "adapter" || mode === "hono") {
  // The steps between raw and app: @hono/node-server with a bare fetch, then with a bare Hono route.
  const respond = async (env: unknown) => {
    const bytes = await readIncomingBody({ env } as Context, 65_536, new Promise(() => undefined))!;
    return new Response(answer, { status: bytes.ok ? 200 : 400, headers: { "content-type": "application/pkixcmp", "content-length": String(answer.byteLength) } });
  };
  const hono = new Hono();
  hono.post("/.well-known/cmp", (c) => respond(c.env));
  const fetch = mode === "adapter" ? (_request: Request, env: unknown) => respond(env) : (request: Request, env: unknown) => hono.fetch(request, env);
  const server = await new Promise<ReturnType<typeof serve>>((listening) => {
    const started = serve({ fetch, hostname: "127.0.0.1", port: 0 }, () => listening(started));
  });
  address = server.address() as AddressInfo;
} else {
  const config = loadConfig({ CMP_SECRETS: JSON.stringify({ dev: "s3cret" }) });
  const app = createApp({
    config,
    context: () => ({}) as EngineContext,
    log: () => undefined,
    handleCmp: async (request) => ({ httpStatus: 200, body: answer, log: { profile: "default", outcome: "accepted", bodyType: String(request.byteLength) } }),
    readBody: readIncomingBody,
    // "app-headers": without the Node header reader, every request builds a fetch Headers object (what it saves).
    header: mode === "app-headers" ? undefined : incomingHeader,
  });
  const ready = Promise.resolve();
  const server = await new Promise<ReturnType<typeof serve>>((listening) => {
    const started = serve({ fetch: async (request, env) => (await ready, app.fetch(request, env)), hostname: "127.0.0.1", port: 0 }, () => listening(started));
  });
  address = server.address() as AddressInfo;
}
process.stdout.write(`URL http://127.0.0.1:${address.port}/.well-known/cmp\n`);
process.once("SIGTERM", () => process.exit(0));
