import { spawn, type ChildProcess } from "node:child_process";
import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, expect, it } from "vitest";
import { waitForWorker } from "../../scripts/wait_for_worker.js";

// The banner must describe our Worker: an answer from any other server on the
// port, or one that comes after wrangler exited, does not count.

let server: Server | undefined;
let child: ChildProcess | undefined;
afterEach(async () => {
  child?.kill("SIGKILL");
  await new Promise<void>((done) => (server ? server.close(() => done()) : done()));
  server = undefined;
});

async function serve(answer: (response: ServerResponse) => void): Promise<string> {
  server = createServer((_, response) => answer(response));
  await new Promise<void>((done) => server!.listen(0, "127.0.0.1", () => done()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/cmp`;
}

/** A stand-in for wrangler: a process that runs for `seconds`. */
function running(seconds: number): ChildProcess {
  child = spawn(process.execPath, ["-e", `setTimeout(() => {}, ${seconds * 1000})`], { stdio: "ignore" });
  return child;
}

it("is ready when GET answers 405 with Allow: POST, as Jellyfish's CMP endpoint does", { timeout: 10_000 }, async () => {
  const url = await serve((response) => response.writeHead(405, { allow: "POST" }).end());
  expect(await waitForWorker(url, running(30), globalThis.fetch, 5_000)).toBe(true);
});

it("does not take another server's answer for ours", { timeout: 10_000 }, async () => {
  const url = await serve((response) => response.writeHead(200, { "content-type": "text/html" }).end("<h1>someone else</h1>"));
  expect(await waitForWorker(url, running(30), globalThis.fetch, 1_500)).toBe(false);
});

it("stops waiting when wrangler has exited, even if something answers", { timeout: 10_000 }, async () => {
  const url = await serve((response) => response.writeHead(405, { allow: "POST" }).end());
  const gone = running(0);
  await new Promise((done) => gone.once("exit", done));
  expect(await waitForWorker(url, gone, globalThis.fetch, 5_000)).toBe(false);
});
