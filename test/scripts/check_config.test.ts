import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEV_CONFIG, renderDevVars } from "../../scripts/dev_vars.js";
import { makeTempDir, type TempDir } from "../support/openssl.js";
import { makeTwoKeyPairs, type KeyPair } from "../support/two_key_pairs.js";

// `npm run config:check` as an operator runs it: a child process, the
// configuration file as argument, the other settings from the environment
// or from --env-file. It runs the runtimes' own start-up check
// (src/runtime/validate_settings.ts), so keys are checked against their
// certificates, not only the JSON.

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const TSX = join(ROOT, "node_modules/.bin/tsx");

let dir: TempDir;
let first: KeyPair;
let second: KeyPair;
let configPath: string;

// A profile with its own response signer, whose key and certificate come from "env:" bindings.
const CONFIG = { profiles: { devices: { paths: ["/ejbca/publicweb/cmp/devices"], responseSigner: { key: "env:RESPONSE_KEY", certificates: "env:RESPONSE_CERT" } } } };

beforeAll(async () => {
  dir = await makeTempDir();
  ({ first, second } = await makeTwoKeyPairs(dir));
  configPath = dir.file("jellyfish.json");
  await writeFile(configPath, JSON.stringify(CONFIG));
}, 60_000);

afterAll(async () => {
  await dir?.remove();
});

interface Checked {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Only the given settings: nothing from the test's own environment leaks into the check. */
function check(args: string[], settings: Record<string, string> = {}): Promise<Checked> {
  return new Promise((done) => {
    execFile(
      TSX,
      ["scripts/check_config.ts", ...args],
      { cwd: ROOT, timeout: 60_000, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...settings } },
      (error, stdout, stderr) => done({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr }),
    );
  });
}

function goodSettings(): Record<string, string> {
  return {
    CA_KEY: first.keyPem,
    CA_CERT: first.certPem,
    CMP_SECRETS: JSON.stringify({ dev: "check-config-secret" }),
    RESPONSE_KEY: second.keyPem,
    RESPONSE_CERT: second.certPem,
  };
}

describe("npm run config:check", () => {
  it("accepts a right configuration and prints each profile's paths", async () => {
    const { code, stdout, stderr } = await check([configPath], goodSettings());
    expect(code, stderr).toBe(0);
    expect(stdout).toContain("devices (ra mode");
    expect(stdout).toContain("/.well-known/cmp/p/devices /.well-known/cmp /ejbca/publicweb/cmp/devices");
    expect(stdout).toContain('CA: "CN=Jellyfish first", key in CA_KEY');
    expect(stdout).toContain(`${configPath}: OK`);
  }, 60_000);

  it("refuses a CA key that is not the one of CA_CERT", async () => {
    const { code, stdout, stderr } = await check([configPath], { ...goodSettings(), CA_KEY: second.keyPem });
    expect(code).toBe(1);
    expect(stderr).toContain(`${configPath}: the first certificate in CA_CERT is not for CA_KEY`);
    expect(stdout).not.toContain("OK");
    expect(stderr).not.toContain("PRIVATE KEY");
  }, 60_000);

  it("refuses a response signer key that is not the one of its certificate", async () => {
    const { code, stderr } = await check([configPath], { ...goodSettings(), RESPONSE_KEY: first.keyPem });
    expect(code).toBe(1);
    expect(stderr).toContain("the first certificate in profiles.devices.responseSigner.certificates is not for profiles.devices.responseSigner.key");
    expect(stderr).not.toContain("PRIVATE KEY");
  }, 60_000);

  it("refuses a configuration whose env: binding is not set", async () => {
    const { RESPONSE_KEY: _missing, ...rest } = goodSettings();
    const { code, stderr } = await check([configPath], rest);
    expect(code).toBe(1);
    expect(stderr).toContain("profiles.devices.responseSigner.key: the binding RESPONSE_KEY is not set");
  }, 60_000);

  it("checks what the runtime checks beyond the JSON: the store and the admin tokens", async () => {
    const lambda = await check([configPath, "--runtime", "lambda"], goodSettings());
    expect(lambda.code).toBe(1);
    expect(lambda.stderr).toContain(`${configPath}: STORE_TABLE is not set`);
    const tokens = await check([configPath], { ...goodSettings(), ADMIN_TOKENS: '{"alice": {"role": "boss", "token": "0123456789abcdefghij"}}' });
    expect(tokens.code).toBe(1);
    expect(tokens.stderr).toContain("ADMIN_TOKENS.alice.role: one of read-only, approver, administrator");
    expect(tokens.stderr).not.toContain("0123456789abcdefghij");
  }, 60_000);

  it("warns of a short ADMIN_TOKEN (an upgrade must not lock its administrator out) and passes", async () => {
    const short = await check([configPath], { ...goodSettings(), ADMIN_TOKEN: "letmein" });
    expect(short.code, short.stderr).toBe(0);
    expect(short.stderr).toContain("warning: ADMIN_TOKEN is shorter than 16 characters");
    expect(short.stderr).not.toContain("letmein");
    const long = await check([configPath], { ...goodSettings(), ADMIN_TOKEN: "a-long-enough-admin-token" });
    expect(long.stderr).not.toContain("ADMIN_TOKEN is shorter");
  }, 60_000);

  it("reads the settings from --env-file, such as the .dev.vars of npm start", async () => {
    const devVars = dir.file(".dev.vars");
    const material = { caKeyPem: first.keyPem, caCertPem: first.certPem, reference: "dev", secret: "dev-secret", enrollmentCodeKey: "00".repeat(32) };
    await writeFile(devVars, renderDevVars(material, { baseUrl: "http://127.0.0.1:8787", config: JSON.stringify(DEV_CONFIG) }));
    const good = await check(["--env-file", devVars]);
    expect(good.code, good.stderr).toBe(0);
    expect(good.stdout).toContain("runtime: cloudflare (guessed");
    expect(good.stdout).toContain(`${devVars}: OK`);

    await writeFile(devVars, renderDevVars({ ...material, caKeyPem: second.keyPem }, { baseUrl: "http://127.0.0.1:8787", config: JSON.stringify(DEV_CONFIG) }));
    const wrong = await check(["--env-file", devVars]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain(`${devVars}: the first certificate in CA_CERT is not for CA_KEY`);
  }, 60_000);
});
