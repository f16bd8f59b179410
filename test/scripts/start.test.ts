import { spawn, execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, it } from "vitest";
import { freePort } from "../support/free_port.js";
import { hostileRequestSuite, PAST_DRAIN_BOUND } from "../support/hostile_http.js";
import { RawConnection, requestHead } from "../support/raw_http.js";

// The README's promise, checked as a newcomer would: `npm start`, then paste
// the printed `openssl cmp` and `openssl verify` lines into a shell.

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
let stop: (() => Promise<void>) | undefined;
let port: number;
let output = "";

beforeAll(async () => {
  port = await freePort();
  const child = spawn(join(ROOT, "node_modules/.bin/tsx"), ["scripts/start.ts"], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  stop = async () => {
    signalGroup(child.pid!, "SIGTERM");
    await Promise.race([exited, new Promise((done) => setTimeout(done, 10_000))]);
    signalGroup(child.pid!, "SIGKILL");
  };
  child.stdout.on("data", (chunk) => (output += chunk));
  child.stderr.on("data", (chunk) => (output += chunk));
  // expect.poll is for tests only; this waits the same way for the banner.
  const deadline = Date.now() + 120_000;
  while (!output.includes("openssl verify") && child.exitCode === null && Date.now() < deadline) {
    await new Promise((done) => setTimeout(done, 250));
  }
  if (!output.includes("openssl verify")) throw new Error(`npm start printed no banner:\n${output}`);
}, 150_000);

afterAll(async () => {
  await stop?.();
});

function printed(start: string): string {
  return output.split("\n").map((line) => line.trim()).find((line) => line.startsWith(start))!;
}

it("npm start serves the Worker and prints an openssl cmp line that enrolls as printed", { timeout: 60_000 }, async () => {
  const enroll = printed("openssl cmp -cmd ir");
  const verify = printed("openssl verify");
  expect(enroll).toContain(`http://127.0.0.1:${port}/.well-known/cmp`);

  const enrolled = await shell(enroll);
  expect(enrolled.code, enrolled.output).toBe(0);
  expect(enrolled.output).toContain("received PKICONF");
  const verified = await shell(verify);
  expect(verified.code, verified.output).toBe(0);
  expect(verified.output).toContain(": OK");
  await expect.poll(() => output).toContain('"outcome":"confirmed"');
});

// Issue 12: after one request over the size limit, wrangler's proxy Worker
// answered the next request, on that connection or any other, 503 ("Your
// worker restarted mid-request"): the Worker had cancelled the body, and
// workerd closed the pooled connection under the proxy (src/http/read_body.ts).
it.each([
  ["with Content-Length", (size: number) => [requestHead("POST", "/.well-known/cmp", ["Content-Type: application/pkixcmp", `Content-Length: ${size}`]), Buffer.alloc(size, 0x41)]],
  ["chunked", (size: number) => [
    requestHead("POST", "/.well-known/cmp", ["Content-Type: application/pkixcmp", "Transfer-Encoding: chunked"]),
    Buffer.concat([Buffer.from(`${size.toString(16)}\r\n`), Buffer.alloc(size, 0x41), Buffer.from("\r\n0\r\n\r\n")]),
  ]],
] as const)("after an oversized request (%s), the same connection and the next openssl cmp enrollment are served", { timeout: 60_000 }, async (_, request) => {
  const connection = await RawConnection.open(port);
  try {
    for (const part of request(65_537)) connection.write(part, typeof part === "string" ? "POST" : undefined);
    const refused = await connection.response();
    expect(refused !== "closed" && refused.status).toBe(413);
    // At once, as curl with two URLs does: the next request on the same connection.
    const ir = readFileSync(join(ROOT, "test/fixtures/openssl/ir-mac-1-ir.der"));
    connection.write(Buffer.concat([Buffer.from(requestHead("POST", "/.well-known/cmp", ["Content-Type: application/pkixcmp", `Content-Length: ${ir.length}`])), ir]), "POST");
    const next = await connection.response();
    if (next !== "closed") {
      expect(next.status).toBe(200);
      expect(next.headers["content-type"]).toBe("application/pkixcmp");
    }
  } finally {
    connection.destroy();
  }
  const enrolled = await shell(printed("openssl cmp -cmd ir"));
  expect(enrolled.code, enrolled.output).toBe(0);
  expect(enrolled.output).toContain("received PKICONF");
});

it("the printed web console URL leads to the console's sign-in page, and /health says all is well", { timeout: 30_000 }, async () => {
  const url = /^Web console: (\S+)/.exec(printed("Web console:"))![1]!;
  expect(url).toBe(`http://127.0.0.1:${port}/admin`);
  const signIn = await fetch(url);
  expect(signIn.status).toBe(200);
  expect(signIn.url).toMatch(/\/admin\/console\//);
  expect(await signIn.text()).toMatch(/<input[^>]+type="password"/);
  const health = await fetch(`http://127.0.0.1:${port}/health`);
  expect(health.status).toBe(200);
  expect(await health.json()).toEqual({ status: "ok", checks: { configuration: "ok", caSigner: "ok", store: "ok" } });
});

// Every other shape of issue 12 too, through wrangler's proxy Worker (with the default 10 s body deadline).
// Known and left: a chunked body more than DRAIN_MAX_BYTES past the limit is
// abandoned part-read, and the proxy may then answer the next request (from
// any client) 503 once, the very failure drained bodies avoid (docs/testing.md).
// Only wrangler dev has that proxy; the Worker alone survives it (test/interop/).
hostileRequestSuite("npm start (wrangler dev)", () => ({ port, enroll: async () => {
  const result = await shell(printed("openssl cmp -cmd ir"));
  return { code: result.code, stdout: result.output, stderr: result.output };
} }), 50, [PAST_DRAIN_BOUND]);

/** Signals the process group `npm start` leads (wrangler and workerd are in it); gone already is fine. */
function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: every process of the group has exited.
  }
}

function shell(command: string): Promise<{ code: number; output: string }> {
  return new Promise((done) => {
    execFile("sh", ["-c", command], { cwd: ROOT, timeout: 30_000 }, (error, stdout, stderr) => {
      done({ code: error ? (typeof error.code === "number" ? error.code : -1) : 0, output: `${stdout}${stderr}` });
    });
  });
}
