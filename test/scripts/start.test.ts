import { spawn, execFile } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, expect, it } from "vitest";
import { freePort } from "../support/free_port.js";

// The README's promise, checked as a newcomer would: `npm start`, then paste
// the printed `openssl cmp` and `openssl verify` lines into a shell.

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
let stop: (() => Promise<void>) | undefined;

afterAll(async () => {
  await stop?.();
});

it("npm start serves the Worker and prints an openssl cmp line that enrolls as printed", { timeout: 150_000 }, async () => {
  const port = await freePort();
  const child = spawn(join(ROOT, "node_modules/.bin/tsx"), ["scripts/start.ts"], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  stop = async () => {
    if (child.exitCode === null) process.kill(-child.pid!, "SIGTERM");
    await Promise.race([exited, new Promise((done) => setTimeout(done, 10_000))]);
    if (child.exitCode === null) process.kill(-child.pid!, "SIGKILL");
  };
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  child.stderr.on("data", (chunk) => (output += chunk));

  await expect.poll(() => output, { timeout: 120_000, interval: 250 }).toContain("openssl verify");
  const lines = output.split("\n").map((line) => line.trim());
  const enroll = lines.find((line) => line.startsWith("openssl cmp -cmd ir"))!;
  const verify = lines.find((line) => line.startsWith("openssl verify"))!;
  expect(enroll).toContain(`http://127.0.0.1:${port}/.well-known/cmp`);

  const enrolled = await shell(enroll);
  expect(enrolled.code, enrolled.output).toBe(0);
  expect(enrolled.output).toContain("received PKICONF");
  const verified = await shell(verify);
  expect(verified.code, verified.output).toBe(0);
  expect(verified.output).toContain(": OK");
  await expect.poll(() => output).toContain('"outcome":"confirmed"');
});

function shell(command: string): Promise<{ code: number; output: string }> {
  return new Promise((done) => {
    execFile("sh", ["-c", command], { cwd: ROOT, timeout: 30_000 }, (error, stdout, stderr) => {
      done({ code: error ? (typeof error.code === "number" ? error.code : -1) : 0, output: `${stdout}${stderr}` });
    });
  });
}
