import { execFile, spawn } from "node:child_process";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, expect, it } from "vitest";
import { KmsEmulator } from "../support/kms_emulator.js";
import { makeTempDir, type TempDir } from "../support/openssl.js";
import { makeTwoKeyPairs, type KeyPair } from "../support/two_key_pairs.js";

// The Lambda bundle (scripts/build_lambda.mjs) as the Node.js runtime loads
// it at init: an ES module import in a fresh process, with
// AWS_LAMBDA_FUNCTION_NAME set as Lambda sets it. Wrong settings make the
// import fail with their message, which is what fails the init phase
// (Runtime.InitError), so the function takes no traffic; a KMS that does not
// answer at that moment does not fail it.

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

let dir: TempDir;
let outdir: string;
let first: KeyPair;
let second: KeyPair;

beforeAll(async () => {
  dir = await makeTempDir();
  ({ first, second } = await makeTwoKeyPairs(dir));
  // Inside the project, so that the bundle finds the @aws-sdk packages it leaves out, as the runtime provides them.
  await mkdir(join(ROOT, "dist"), { recursive: true });
  outdir = await mkdtemp(join(ROOT, "dist", "lambda-init-test-"));
  await new Promise<void>((done, failed) =>
    execFile("node", ["scripts/build_lambda.mjs", "--outdir", outdir], { cwd: ROOT, timeout: 60_000 }, (error, _out, stderr) =>
      error ? failed(new Error(stderr || error.message)) : done(),
    ),
  );
}, 90_000);

afterAll(async () => {
  if (outdir) await rm(outdir, { recursive: true, force: true });
  await dir?.remove();
});

function initialise(settings: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const bundle = pathToFileURL(join(outdir, "index.mjs")).href;
  return new Promise((done) => {
    const child = spawn("node", ["--input-type=module", "-e", `await import(${JSON.stringify(bundle)});`], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, AWS_LAMBDA_FUNCTION_NAME: "jellyfish-init-test", ...settings },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    const guard = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.once("exit", (code) => {
      clearTimeout(guard);
      done({ code, stdout, stderr });
    });
  });
}

it("fails the init with the message when the CA key is not the one of CA_CERT", async () => {
  const { code, stdout, stderr } = await initialise({ CA_KEY: second.keyPem, CA_CERT: first.certPem, JELLYFISH_ALLOW_MEMORY_STORE: "1" });
  const message = "the first certificate in CA_CERT is not for CA_KEY";
  expect(code).not.toBe(0);
  expect(stderr).toContain(`Misconfigured: ${message}`);
  expect(stdout).toContain(`"outcome":"misconfigured","error":"${message}"`);
}, 60_000);

it("initialises with right settings", async () => {
  const { code, stderr } = await initialise({ CA_KEY: first.keyPem, CA_CERT: first.certPem, JELLYFISH_ALLOW_MEMORY_STORE: "1" });
  expect(code, stderr).toBe(0);
}, 60_000);

it("initialises when KMS fails at that moment: a later request tries again (src/runtime/instance.ts)", async () => {
  const kms = await KmsEmulator.start();
  try {
    const keyId = kms.createKey("ECC_NIST_P256");
    kms.fail({ kind: "internal", operations: ["GetPublicKey"] });
    const { code, stdout, stderr } = await initialise({
      CA_KMS_KEY_ID: keyId,
      CA_CERT: first.certPem,
      KMS_ENDPOINT: kms.url,
      AWS_REGION: kms.region,
      AWS_ACCESS_KEY_ID: kms.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: kms.credentials.secretAccessKey,
      JELLYFISH_ALLOW_MEMORY_STORE: "1",
    });
    expect(code, stderr).toBe(0);
    expect(stdout).toContain('"outcome":"startup-failed"');
    expect(kms.calls("GetPublicKey", keyId)).toBe(1);
  } finally {
    await kms.stop();
  }
}, 60_000);
