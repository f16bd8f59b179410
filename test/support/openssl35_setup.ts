import { execFile } from "node:child_process";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The node project's globalSetup: makes OpenSSL 3.5 available to the
 * interop tests that run `openssl cmp` with both clients, once per run.
 *
 * - OPENSSL35 already set (an OpenSSL 3.5 of your own): checked, then used.
 * - Otherwise scripts/openssl35.sh installs Debian trixie's build into
 *   .cache/openssl35 (a few seconds, once; afterwards it only checks the
 *   wrapper, ~0.1 s) and OPENSSL35 names the wrapper.
 *
 * Test workers start after this and inherit process.env. When the install
 * fails (no mirror), the run goes on and OPENSSL35_ERROR carries the reason:
 * every test that asks for the 3.5 client then fails with it
 * (cmpClientBinary in openssl.ts), the other tests are unaffected.
 */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

function run(file: string, args: string[], timeout: number): Promise<{ ok: boolean; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(file, args, { cwd: ROOT, timeout, killSignal: "SIGKILL" }, (error, stdout, stderr) =>
      done({ ok: !error, stdout: String(stdout), stderr: String(stderr || error?.message || "") }),
    );
  });
}

async function version(binary: string): Promise<string> {
  const result = await run(binary, ["version"], 10_000);
  return result.ok ? result.stdout.trim() : `${binary} does not run: ${result.stderr.trim()}`;
}

export default async function setup(): Promise<void> {
  const given = process.env.OPENSSL35;
  if (given) {
    const text = await version(given);
    if (!text.startsWith("OpenSSL 3.5.")) {
      throw new Error(`OPENSSL35=${given} is not OpenSSL 3.5: ${text}`);
    }
    return;
  }
  const installed = await run(resolve(ROOT, "scripts/openssl35.sh"), [], 300_000);
  const path = installed.stdout.trim().split("\n").at(-1) ?? "";
  if (installed.ok && path) {
    process.env.OPENSSL35 = path;
    delete process.env.OPENSSL35_ERROR;
    return;
  }
  const reason = `scripts/openssl35.sh failed:\n${installed.stderr.trim()}`;
  process.env.OPENSSL35_ERROR = reason;
  console.error(`\nOpenSSL 3.5 is not available; every test with the 3.5 client will fail.\n${reason}\n`);
}
