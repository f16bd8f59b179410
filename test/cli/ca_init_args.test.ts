import { describe, expect, it } from "vitest";
import { parseCommandLine, UsageError } from "../../src/cli/args.js";
import type { CaInitOptions } from "../../src/cli/ca_init_args.js";
import { COMMANDS } from "../../src/cli/command_specs.js";
import { OFFLINE_HANDLERS } from "../../src/cli/run.js";

// `ca init` argument handling, in process: what the options turn into.

const ARN = "arn:aws:kms:eu-central-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

function caInit(argv: string[], env: Record<string, string> = {}): CaInitOptions {
  const line = parseCommandLine(["ca", "init", ...argv], env);
  if (line.kind !== "offline") throw new Error(`expected an offline command, got ${line.kind}`);
  return line.invocation.options.caInit!;
}

function usageError(argv: string[], env: Record<string, string> = {}): string {
  try {
    parseCommandLine(["ca", "init", ...argv], env);
  } catch (error) {
    if (error instanceof UsageError) return error.message;
    throw error;
  }
  throw new Error(`no usage error for ${argv.join(" ")}`);
}

describe("ca init arguments", () => {
  it("runs offline: no URL or admin token needed, none taken", () => {
    const line = parseCommandLine(["ca", "init", "--key", "k.pem", "--self-signed", "--subject", "CN=x", "--out", "ca.pem"], {});
    expect(line).toMatchObject({ kind: "offline", invocation: { spec: { name: "ca init" } } });
    expect(line).not.toHaveProperty("token");
    expect(usageError(["--key", "k.pem", "--self-signed", "--subject", "CN=x", "--out", "ca.pem", "--token", "t"])).toBe('"ca init" has no option --token');
  });

  it("defaults --days to 3650 for a root and 1825 below one, and reads --days", () => {
    expect(caInit(["--key", "k.pem", "--self-signed", "--subject", "CN=x", "--out", "ca.pem"])).toEqual({
      key: { kind: "file", path: "k.pem" },
      mode: { kind: "self-signed", out: "ca.pem", days: 3650 },
      subject: "CN=x",
      force: false,
    });
    expect(caInit(["--key", "k.pem", "--issuer-cert", "r.pem", "--issuer-key", "r.key", "--subject", "CN=x", "--out", "ca.pem"]).mode).toEqual({
      kind: "issuer", issuerCert: "r.pem", issuerKey: "r.key", out: "ca.pem", days: 1825,
    });
    expect(caInit(["--key", "k.pem", "--self-signed", "--subject", "CN=x", "--out", "ca.pem", "--days", "30", "--force"])).toMatchObject({
      mode: { days: 30 },
      force: true,
    });
    expect(caInit(["--key", "k.pem", "--csr", "ca.csr", "--subject", "/O=Acme/CN=x"]).mode).toEqual({ kind: "csr", out: "ca.csr" });
  });

  it("takes the KMS region from --region, else the key ARN, else AWS_REGION", () => {
    const kms = (argv: string[], env: Record<string, string> = {}) =>
      caInit(["--kms-key-id", ...argv, "--self-signed", "--subject", "CN=x", "--out", "ca.pem"], env).key;
    expect(kms([ARN], { AWS_REGION: "us-east-1" })).toEqual({ kind: "kms", keyId: ARN, region: "eu-central-1", endpoint: undefined });
    expect(kms(["alias/jellyfish-ca"], { AWS_REGION: "us-east-1" })).toMatchObject({ region: "us-east-1" });
    expect(kms(["alias/jellyfish-ca", "--region", "eu-west-1"], { AWS_REGION: "us-east-1" })).toMatchObject({ region: "eu-west-1" });
    expect(kms([ARN, "--region", "eu-central-1", "--kms-endpoint", "http://127.0.0.1:4566"])).toMatchObject({ endpoint: "http://127.0.0.1:4566" });
    expect(usageError(["--kms-key-id", "alias/x", "--self-signed", "--subject", "CN=x", "--out", "ca.pem"], { AWS_REGION: "" })).toMatch(/^no region/);
  });

  it("has a handler for exactly the commands marked offline", () => {
    expect(Object.keys(OFFLINE_HANDLERS).sort()).toEqual(COMMANDS.filter((c) => c.offline).map((c) => c.name).sort());
  });
});
