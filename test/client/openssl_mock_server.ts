import { spawn, type ChildProcess } from "node:child_process";
import type { Fetch } from "../../src/client/options.js";
import { freePort } from "../support/free_port.js";
import { cmpClientBinary } from "../support/openssl.js";
import { oneConnectionFetch } from "../support/one_connection_fetch.js";

/**
 * The mock CMP server built into `openssl cmp` (-port, OpenSSL 3.0's "Mock
 * server options"): an independent server implementation to run the client
 * against. It listens on all interfaces (OpenSSL offers no bind address);
 * the tests only ever talk to it on 127.0.0.1, and stop() kills it.
 */
export interface OpensslMockServer {
  url: string;
  /** The openssl process, e.g. to read its CPU time. */
  pid: number;
  /** The fetch to reach it with: one connection at a time, as it serves them (see one_connection_fetch.ts). */
  fetch: Fetch;
  /** How many requests it has received (it logs one line per request). */
  requestCount(): number;
  /** Whether the process has ended (e.g. after -max_msgs messages). */
  exited(): boolean;
  /** What it wrote to stderr, for failure messages. */
  log(): string;
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 10_000;

export async function startOpensslMock(args: readonly string[]): Promise<OpensslMockServer> {
  const port = await freePort();
  // The system's openssl, or OpenSSL 3.5 with JELLYFISH_CMP_CLIENT=3.5 (its wrapper exec()s the binary, so the pid is the server's).
  const child = spawn(cmpClientBinary(), ["cmp", "-config", "", "-port", String(port), ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once("exit", () => {
    exited = true;
    resolve();
  }));
  child.stdout!.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  await waitForListening(child, () => stdout, () => stderr, () => exited);
  const connection = oneConnectionFetch();
  return {
    url: `http://127.0.0.1:${port}/`,
    pid: child.pid!,
    fetch: connection.fetch,
    // 3.0 logs "Received request", 3.5 "received request".
    requestCount: () => (stderr.match(/received request/gi) ?? []).length,
    exited: () => exited,
    log: () => stderr,
    async stop() {
      connection.close();
      if (!exited) child.kill("SIGKILL");
      await exit;
    },
  };
}

/** It prints "ACCEPT <address>:<port> PID=<pid>" once it listens. */
async function waitForListening(child: ChildProcess, stdout: () => string, stderr: () => string, exited: () => boolean): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!/ACCEPT/.test(stdout())) {
    if (exited() || Date.now() > deadline) {
      if (!exited()) child.kill("SIGKILL");
      throw new Error(`openssl cmp mock server did not start: ${stdout()} ${stderr()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
