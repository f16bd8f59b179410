import { spawn } from "node:child_process";
import { connect } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, it } from "vitest";
import { freePort } from "../support/free_port.js";
import { makeTempDir, type TempDir } from "../support/openssl.js";
import { makeTwoKeyPairs, type KeyPair } from "../support/two_key_pairs.js";

// `npm run serve:node` with wrong settings: the composition is built before
// listening, so the process says what is wrong and exits 1, and no port is
// ever opened (a service manager sees a failed start, not a server
// answering 503).

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

let dir: TempDir;
let first: KeyPair;
let second: KeyPair;

beforeAll(async () => {
  dir = await makeTempDir();
  ({ first, second } = await makeTwoKeyPairs(dir));
}, 60_000);

afterAll(async () => {
  await dir?.remove();
});

function serveNode(settings: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(join(ROOT, "node_modules/.bin/tsx"), ["src/runtime/node.ts"], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...settings },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    // Were it to listen after all, it would not exit by itself: end it, and the code says so.
    const guard = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.once("exit", (code) => {
      clearTimeout(guard);
      done({ code, stdout, stderr });
    });
  });
}

function refused(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      done(false);
    });
    socket.once("error", () => done(true));
  });
}

it("refuses to start with a CA key that is not the one of CA_CERT: exit 1, the message, nothing listening", async () => {
  const port = await freePort();
  const { code, stdout, stderr } = await serveNode({
    CA_KEY: second.keyPem,
    CA_CERT: first.certPem,
    JELLYFISH_ALLOW_MEMORY_STORE: "1",
    HOST: "127.0.0.1",
    PORT: String(port),
  });
  const message = "the first certificate in CA_CERT is not for CA_KEY";
  expect(code, stderr).toBe(1);
  expect(stderr).toContain(`jellyfish: not started, misconfigured: ${message}`);
  const lines = stdout.split("\n").filter((line) => line.startsWith("{")).map((line) => JSON.parse(line) as Record<string, unknown>);
  expect(lines).toContainEqual(expect.objectContaining({ level: "error", outcome: "misconfigured", error: message }));
  expect(lines.some((line) => line.outcome === "listening")).toBe(false);
  expect(await refused(port)).toBe(true);
  expect(stdout + stderr).not.toContain("PRIVATE KEY");
}, 60_000);
