import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFile, stat, writeFile } from "node:fs/promises";
import { GetPublicKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import { decodeCertificatesPem, encodePem } from "../../src/asn1/pem.js";
import { buildCli, type BuiltCli, type CliResult } from "./cli_process.js";
import { KmsEmulator } from "../support/kms_emulator.js";
import { issueCertificate, makeCsr, makeKey, makeTempDir, mustOpenssl, openssl, type TempDir } from "../support/openssl.js";
import { freePort } from "../support/free_port.js";

// `jellyfish ca init`, the built CLI as an operator runs it: no admin API,
// local key files and the KMS emulator, every result checked with openssl.

let built: BuiltCli;
let dir: TempDir;
let kms: KmsEmulator;
let caKey: string;

beforeAll(async () => {
  [built, dir, kms] = await Promise.all([buildCli(), makeTempDir("jellyfish-ca-init-"), KmsEmulator.start()]);
  caKey = await makeKey(dir.file("ca.key.pem"), "P-256");
});
afterAll(async () => {
  await Promise.all([built?.remove(), dir?.remove(), kms?.stop()]);
});

/** Runs `jellyfish ca init …args` in the test folder's paths, with only PATH and `env`. */
function caInit(args: readonly string[], env: Record<string, string> = {}): Promise<CliResult> {
  return built.jellyfish(["ca", "init", ...args], env);
}

/**
 * The emulator's credentials as the standard AWS variables, read by the SDK's
 * default chain. The SDK warns on Node < 22 that its later versions will need
 * 22 (on stderr, once); silenced so stderr holds only what jellyfish says.
 */
function awsEnv(): Record<string, string> {
  return {
    AWS_ACCESS_KEY_ID: kms.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: kms.credentials.secretAccessKey,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
  };
}

async function opensslText(args: string[]): Promise<string> {
  return mustOpenssl(args);
}

/** The SPKI of a certificate file and of a key file, both as openssl prints them (PEM). */
async function certificateKey(certFile: string): Promise<string> {
  return mustOpenssl(["x509", "-in", certFile, "-noout", "-pubkey"]);
}
async function keyFileKey(keyFile: string): Promise<string> {
  return mustOpenssl(["pkey", "-in", keyFile, "-pubout"]);
}

function expectOk(result: CliResult): void {
  if (result.code !== 0) throw new Error(`jellyfish exited ${result.code}: ${result.stderr}`);
}

describe("ca init --key", () => {
  it("--self-signed writes a root that openssl verifies, for the key in the key file", async () => {
    const out = dir.file("root.pem");
    const r = await caInit(["--key", caKey, "--self-signed", "--subject", "CN=Example Devices CA,O=Example", "--out", out]);
    expectOk(r);
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(/^Wrote .*root\.pem: a self-signed root CA certificate\.\n/);
    expect(r.stdout).toMatch(/subject {9}CN=Example Devices CA,O=Example\n/);
    expect(r.stdout).toMatch(/key {13}ECDSA P-256, from .*ca\.key\.pem\n/);
    expect(r.stdout).toContain("signature       ecdsa-with-SHA256\n");
    expect(r.stdout).toContain(`npx wrangler secret put CA_CERT < ${out}\n`);
    expect(r.stdout).toContain(`npx wrangler secret put CA_KEY < ${caKey}\n`);

    const verify = await openssl(["verify", "-x509_strict", "-CAfile", out, out]);
    expect(verify.stdout.trim()).toBe(`${out}: OK`);
    // What the Worker checks at start, done without it: the certificate is for the key file's key.
    expect(await certificateKey(out)).toBe(await keyFileKey(caKey));

    const text = await opensslText(["x509", "-in", out, "-noout", "-text"]);
    const ski = /X509v3 Subject Key Identifier: *\n\s*(\S+)/.exec(text)![1]!;
    expect(r.stdout).toContain(`key identifier  ${ski}\n`);
    expect(text).toMatch(/X509v3 Basic Constraints: critical\n\s*CA:TRUE\n/);
    // The default validity of a root: 3650 days from now (notBefore is back-dated 300 s).
    const notAfter = Date.parse((await opensslText(["x509", "-in", out, "-noout", "-enddate"])).trim().slice("notAfter=".length));
    expect(Math.abs(notAfter - (Date.now() + 3650 * 86400_000))).toBeLessThan(120_000);
    expect(r.stdout).toContain(`not after       ${new Date(notAfter).toISOString().replace(".000Z", "Z")}\n`);
    // One certificate, public: 0644.
    expect(decodeCertificatesPem(await readFile(out, "utf8"))).toHaveLength(1);
    expect((await stat(out)).mode & 0o777).toBe(0o644);
  });

  it("--csr writes a request openssl verifies, which an OpenSSL root turns into a working CA", async () => {
    const csr = dir.file("sub.csr");
    const r = await caInit(["--key", caKey, "--csr", csr, "--subject", "/C=SE/O=Example/CN=Example Issuing CA"]);
    expectOk(r);
    expect(r.stdout).toMatch(/^Wrote .*sub\.csr: a certification request \(PKCS #10\) for the CA key\.\n/);
    expect(r.stdout).toContain("subject         CN=Example Issuing CA,O=Example,C=SE\n");
    expect(r.stdout).toContain("-copy_extensions copyall");

    const verify = await openssl(["req", "-in", csr, "-noout", "-verify"]);
    expect(verify.code).toBe(0);
    expect(verify.stderr).toMatch(/verify OK/);
    expect(await mustOpenssl(["req", "-in", csr, "-noout", "-pubkey"])).toBe(await keyFileKey(caKey));
    const text = await opensslText(["req", "-in", csr, "-noout", "-text"]);
    expect(text).toMatch(/Requested Extensions:\n\s*X509v3 Basic Constraints: critical\n\s*CA:TRUE\n\s*X509v3 Key Usage: critical\n\s*Digital Signature, Certificate Sign, CRL Sign\n/);

    // The step the output suggests, done by an external (openssl) root.
    const rootKey = await makeKey(dir.file("ext-root.key.pem"));
    const rootPem = dir.file("ext-root.pem");
    await mustOpenssl([
      "req", "-x509", "-new", "-key", rootKey, "-subj", "/CN=External Root", "-days", "3650",
      "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign", "-out", rootPem,
    ]);
    const signed = dir.file("sub-cert.pem");
    await mustOpenssl(["x509", "-req", "-in", csr, "-CA", rootPem, "-CAkey", rootKey, "-copy_extensions", "copyall", "-days", "1825", "-out", signed]);
    expect((await openssl(["verify", "-x509_strict", "-CAfile", rootPem, signed])).stdout.trim()).toBe(`${signed}: OK`);
    expect(await certificateKey(signed)).toBe(await keyFileKey(caKey));
  });

  it("--issuer-cert/--issuer-key writes the CA certificate then the root, which openssl verifies with end entities", async () => {
    const rootKey = await makeKey(dir.file("local-root.key.pem"), "P-384");
    const rootPem = dir.file("local-root.pem");
    expectOk(await caInit(["--key", rootKey, "--self-signed", "--subject", "CN=Local Root", "--out", rootPem]));

    const out = dir.file("issuing.pem");
    const r = await caInit(["--key", caKey, "--issuer-cert", rootPem, "--issuer-key", rootKey, "--subject", "CN=Issuing CA", "--out", out]);
    expectOk(r);
    expect(r.stderr).toBe(""); // 1825 days fit in the root's 3650: nothing clamped
    expect(r.stdout).toMatch(/^Wrote .*issuing\.pem: a CA certificate, followed by its issuer's chain\.\n/);
    expect(r.stdout).toContain("issuer          CN=Local Root\n");
    expect(r.stdout).toContain("signature       ecdsa-with-SHA384\n"); // the root's key signs
    expect(r.stdout).toContain("path length     0: it issues end-entity certificates only\n");

    const [caCert, chained] = decodeCertificatesPem(await readFile(out, "utf8"));
    expect(Buffer.from(chained!).equals(Buffer.from(decodeCertificatesPem(await readFile(rootPem, "utf8"))[0]!))).toBe(true);
    expect((await openssl(["verify", "-x509_strict", "-CAfile", rootPem, out])).stdout.trim()).toBe(`${out}: OK`);
    expect(await certificateKey(out)).toBe(await keyFileKey(caKey));

    // A device certificate the new CA signs chains to the root through ca.pem, used as CA_CERT is.
    const caOnly = dir.file("issuing-only.pem");
    await writeFile(caOnly, encodePem("CERTIFICATE", caCert!));
    const deviceKey = await makeKey(dir.file("device.key.pem"));
    const device = await issueCertificate(
      dir.file("device.pem"),
      await makeCsr(dir.file("device.csr"), deviceKey, "/CN=device-1"),
      { certPath: caOnly, keyPath: caKey },
      7,
    );
    expect((await openssl(["verify", "-x509_strict", "-CAfile", rootPem, "-untrusted", out, device])).stdout.trim()).toBe(`${device}: OK`);
    const days = (await opensslText(["x509", "-in", out, "-noout", "-enddate"])).trim().slice("notAfter=".length);
    expect(Math.abs(Date.parse(days) - (Date.now() + 1825 * 86400_000))).toBeLessThan(120_000);
  });

  it("ends an intermediate with its root, and says so", async () => {
    const rootKey = await makeKey(dir.file("short-root.key.pem"));
    const rootPem = dir.file("short-root.pem");
    expectOk(await caInit(["--key", rootKey, "--self-signed", "--subject", "CN=Short Root", "--days", "30", "--out", rootPem]));
    const out = dir.file("short-issuing.pem");
    const r = await caInit(["--key", caKey, "--issuer-cert", rootPem, "--issuer-key", rootKey, "--subject", "CN=Issuing CA", "--days", "400", "--out", out]);
    expectOk(r);
    expect(r.stderr).toMatch(/^note: the certificate ends with its issuer, on .*, not after the 400 days asked for\n$/);
    const end = (file: string) => opensslText(["x509", "-in", file, "-noout", "-enddate"]);
    expect(await end(out)).toBe(await end(rootPem));
  });

  it("refuses an issuer key that is not the issuer certificate's, and writes nothing", async () => {
    const out = dir.file("mismatch.pem");
    const otherKey = dir.file("local-root.key.pem");
    const r = await caInit(["--key", caKey, "--issuer-cert", dir.file("root.pem"), "--issuer-key", otherKey, "--subject", "CN=x", "--out", out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: the first certificate in --issuer-cert .*root\.pem is not for --issuer-key .*local-root\.key\.pem\n$/);
    await expect(stat(out)).rejects.toThrow(/ENOENT/);
  });

  it("names a key file it cannot read or use", async () => {
    const missing = await caInit(["--key", dir.file("nope.pem"), "--self-signed", "--subject", "CN=x", "--out", dir.file("x.pem")]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error: --key .*nope\.pem: cannot read it \(ENOENT\)\n$/);
    const notAKey = await caInit(["--key", dir.file("root.pem"), "--self-signed", "--subject", "CN=x", "--out", dir.file("x.pem")]);
    expect(notAKey.code).toBe(1);
    expect(notAKey.stderr).toMatch(/^error: --key .*root\.pem: no PRIVATE KEY PEM block found\n$/);
  });
});

describe("ca init --kms-key-id, against the KMS emulator", () => {
  async function emulatorPublicKey(keyId: string): Promise<string> {
    const client = new KMSClient({ region: kms.region, credentials: kms.credentials, endpoint: kms.url, maxAttempts: 1 });
    try {
      const { PublicKey } = await client.send(new GetPublicKeyCommand({ KeyId: keyId }));
      return encodePem("PUBLIC KEY", PublicKey!);
    } finally {
      client.destroy();
    }
  }

  it("--self-signed: KMS signs the root, whose key is the KMS key's (region from the ARN)", async () => {
    const keyArn = kms.createKey("ECC_NIST_P256");
    const out = dir.file("kms-root.pem");
    const r = await caInit(["--kms-key-id", keyArn, "--kms-endpoint", kms.url, "--self-signed", "--subject", "CN=KMS Root,O=Example", "--out", out], awsEnv());
    expectOk(r);
    expect(r.stdout).toContain(`key             ECDSA P-256, in AWS KMS: ${keyArn}\n`);
    expect(r.stdout).toContain(`npm run deploy:aws -- --parameters CaCert="$(cat ${out})"\n`);
    expect(r.stdout).toContain(`    CA_KMS_KEY_ID = "${keyArn}"\n    AWS_REGION = "${kms.region}"\n    npx wrangler secret put CA_CERT < ${out}\n`);
    expect((await openssl(["verify", "-x509_strict", "-CAfile", out, out])).stdout.trim()).toBe(`${out}: OK`);
    expect(await certificateKey(out)).toBe(await emulatorPublicKey(keyArn));
    expect(kms.signCalls(keyArn)).toBe(1);
    expect(r.stderr).toBe("");
  });

  it("takes a bare key id with AWS_REGION, and an RSA key for a CSR", async () => {
    const keyArn = kms.createKey("RSA_3072");
    const keyId = keyArn.slice(keyArn.lastIndexOf("/") + 1);
    const csr = dir.file("kms.csr");
    const r = await caInit(["--kms-key-id", keyId, "--kms-endpoint", kms.url, "--csr", csr, "--subject", "CN=KMS Issuing CA"], {
      ...awsEnv(),
      AWS_REGION: kms.region,
    });
    expectOk(r);
    expect(r.stdout).toContain("key             RSA 3072, in AWS KMS: ");
    expect((await openssl(["req", "-in", csr, "-noout", "-verify"])).code).toBe(0);
    expect(await mustOpenssl(["req", "-in", csr, "-noout", "-pubkey"])).toBe(await emulatorPublicKey(keyArn));
  });

  it("below a local root: KMS is asked for the public key, never to sign", async () => {
    const keyArn = kms.createKey("ECC_NIST_P384");
    const out = dir.file("kms-issuing.pem");
    const rootPem = dir.file("root.pem");
    const r = await caInit(
      ["--kms-key-id", keyArn, "--kms-endpoint", kms.url, "--issuer-cert", rootPem, "--issuer-key", caKey, "--subject", "CN=KMS Issuing CA", "--out", out],
      awsEnv(),
    );
    expectOk(r);
    expect((await openssl(["verify", "-x509_strict", "-CAfile", rootPem, out])).stdout.trim()).toBe(`${out}: OK`);
    expect(await certificateKey(out)).toBe(await emulatorPublicKey(keyArn));
    expect(kms.signCalls(keyArn)).toBe(0);
  });

  it("exits 3 when KMS cannot be reached, 1 when it refuses; neither writes a file", async () => {
    const closedPort = await freePort();
    const keyArn = kms.createKey("ECC_NIST_P256");
    const out = dir.file("kms-failed.pem");
    const base = ["--kms-key-id", keyArn, "--self-signed", "--subject", "CN=x", "--out", out];
    const down = await caInit([...base, "--kms-endpoint", `http://127.0.0.1:${closedPort}`], awsEnv());
    expect(down.code).toBe(3);
    expect(down.stderr).toMatch(/^error: AWS KMS GetPublicKey with key .* failed/);

    const wrongSecret = await caInit([...base, "--kms-endpoint", kms.url], { ...awsEnv(), AWS_SECRET_ACCESS_KEY: "not-the-secret" });
    expect(wrongSecret.code).toBe(1);
    expect(wrongSecret.stderr).toMatch(/^error: /);
    expect(wrongSecret.stderr).not.toContain("not-the-secret");
    await expect(stat(out)).rejects.toThrow(/ENOENT/);
  });
});

describe("ca init refuses to overwrite", () => {
  it("an existing --out or --csr file, before loading a key or calling KMS; --force replaces it", async () => {
    const out = dir.file("existing.pem");
    await writeFile(out, "keep me\n");
    const keyArn = kms.createKey("ECC_NIST_P256");
    const lookups = kms.calls("GetPublicKey");
    const r = await caInit(["--kms-key-id", keyArn, "--kms-endpoint", kms.url, "--self-signed", "--subject", "CN=x", "--out", out], awsEnv());
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(`error: ${out} exists; pass --force to replace it\n`);
    expect(kms.calls("GetPublicKey")).toBe(lookups);
    expect(await readFile(out, "utf8")).toBe("keep me\n");

    const csr = await caInit(["--key", caKey, "--csr", out, "--subject", "CN=x"]);
    expect(csr.code).toBe(1);
    expect(await readFile(out, "utf8")).toBe("keep me\n");

    expectOk(await caInit(["--key", caKey, "--self-signed", "--subject", "CN=x", "--out", out, "--force"]));
    expect(decodeCertificatesPem(await readFile(out, "utf8"))).toHaveLength(1);
  });
});

describe("ca init usage errors", () => {
  const cases: [string, string[], RegExp][] = [
    ["no key source", ["--self-signed", "--subject", "CN=x", "--out", "x.pem"], /^error: no CA key: give --key <file> or --kms-key-id <id>\n/],
    ["two key sources", ["--key", "k.pem", "--kms-key-id", "k", "--region", "r", "--self-signed", "--subject", "CN=x", "--out", "x.pem"], /^error: --key and --kms-key-id: choose one CA key\n/],
    ["no mode", ["--key", "k.pem", "--subject", "CN=x", "--out", "x.pem"], /^error: choose what to make: --self-signed, --csr <file>, or --issuer-cert/],
    ["two modes", ["--key", "k.pem", "--self-signed", "--csr", "x.csr", "--subject", "CN=x"], /^error: --self-signed and --csr: choose one\n/],
    ["all three modes", ["--key", "k.pem", "--self-signed", "--csr", "x.csr", "--issuer-cert", "r.pem", "--subject", "CN=x"], /^error: --self-signed and --csr and --issuer-cert: choose one\n/],
    ["missing --subject", ["--key", "k.pem", "--self-signed", "--out", "x.pem"], /^error: missing --subject\n/],
    ["an empty subject", ["--key", "k.pem", "--self-signed", "--subject", " ", "--out", "x.pem"], /^error: --subject must not be empty/],
    ["a subject that does not parse", ["--key", "k.pem", "--self-signed", "--subject", "XX=1", "--out", "x.pem"], /^error: --subject: unknown attribute type "XX"\n/],
    ["missing --out", ["--key", "k.pem", "--self-signed", "--subject", "CN=x"], /^error: missing --out\n/],
    ["--out with --csr", ["--key", "k.pem", "--csr", "x.csr", "--out", "x.pem", "--subject", "CN=x"], /^error: --out is for certificates/],
    ["--days with --csr", ["--key", "k.pem", "--csr", "x.csr", "--days", "5", "--subject", "CN=x"], /^error: --days does not go with --csr/],
    ["a bad --days", ["--key", "k.pem", "--self-signed", "--subject", "CN=x", "--out", "x.pem", "--days", "0"], /^error: --days must be a whole number from 1 to 36500, not "0"\n/],
    ["--issuer-cert alone", ["--key", "k.pem", "--issuer-cert", "r.pem", "--subject", "CN=x", "--out", "x.pem"], /^error: --issuer-cert needs --issuer-key <file>\n/],
    ["--issuer-key alone", ["--key", "k.pem", "--issuer-key", "r.key", "--subject", "CN=x", "--out", "x.pem"], /^error: --issuer-key needs --issuer-cert <file>\n/],
    ["--region without KMS", ["--key", "k.pem", "--region", "eu-west-1", "--self-signed", "--subject", "CN=x", "--out", "x.pem"], /^error: --region goes with --kms-key-id\n/],
    ["a bare key id and no region", ["--kms-key-id", "1234abcd", "--self-signed", "--subject", "CN=x", "--out", "x.pem"], /^error: no region for the KMS key: pass --region or set AWS_REGION\n/],
    [
      "a region that is not the ARN's",
      ["--kms-key-id", "arn:aws:kms:eu-central-1:111122223333:key/1234abcd", "--region", "us-east-1", "--self-signed", "--subject", "CN=x", "--out", "x.pem"],
      /^error: --region us-east-1 is not the key ARN's region eu-central-1\n/,
    ],
    ["a bad --kms-endpoint", ["--kms-key-id", "k", "--region", "r", "--kms-endpoint", "localhost:4566", "--self-signed", "--subject", "CN=x", "--out", "x.pem"], /^error: --kms-endpoint must be an http/],
    ["--url, which it has no use for", ["--key", "k.pem", "--self-signed", "--subject", "CN=x", "--out", "x.pem", "--url", "http://h"], /^error: "ca init" has no option --url\n/],
    ["--json", ["--key", "k.pem", "--self-signed", "--subject", "CN=x", "--out", "x.pem", "--json"], /^error: "ca init" has no option --json\n/],
  ];
  it.each(cases)("%s", async (_, args, stderr) => {
    const r = await caInit(args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(stderr);
    expect(r.stderr).toContain("Usage: jellyfish ca init ");
  });
});

describe("ca init help", () => {
  it("needs no URL or token, and shows only the options that apply", async () => {
    const r = await built.jellyfish(["ca", "init", "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: jellyfish ca init \(--key <file> \| --kms-key-id <id>/);
    for (const option of ["--key <file>", "--kms-key-id <id>", "--region", "--kms-endpoint", "--self-signed", "--csr <file>", "--issuer-cert <file>", "--issuer-key <file>", "--out <file>", "--days <n>", "--force"]) {
      expect(r.stdout).toContain(option);
    }
    expect(r.stdout).not.toContain("--url");
    expect(r.stdout).not.toContain("JELLYFISH_ADMIN_TOKEN");
    expect(r.stdout).toMatch(/Exit status: 0 .*\n2 usage error; 3 KMS cannot be reached/);
    expect((await built.jellyfish(["--help"])).stdout).toContain("jellyfish ca init ");
  });
});
