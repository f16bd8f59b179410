import { readFile, writeFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CertificateRecord } from "../../src/ca/certificate_record.js";
import { cmpDevice, serialOf, type CmpDevice } from "../support/cmp_device.js";
import { makeCaFiles, makeCsr, makeKey, makeTempDir, mustOpenssl, type TempDir } from "../support/openssl.js";
import { startWorker, type RunningWorker } from "../support/worker.js";

// RFC 9483 §4.1.6 against the real Worker with `openssl cmp` 3.5 -centralkeygen:
// the server generates the key pair, certifies it, and returns the private key
// in EnvelopedData (PWRI for a MAC, KARI for an EC and KTRI for an RSA
// protection certificate) around a CA-signed SignedData. openssl decrypts,
// verifies the SignedData against -trusted, and writes -newkeyout.

let dir: TempDir;
let worker: RunningWorker;
let base: string;
let device: CmpDevice;

const MAC = ["-ref", "device", "-secret", "pass:device-secret"];
// The protection certificates a signed request for a generated key uses must allow key agreement (EC) or key encipherment (RSA).
const CERTIFICATE = { keyUsage: ["digitalSignature", "keyEncipherment", "keyAgreement"] };

beforeAll(async () => {
  dir = await makeTempDir();
  const ca = await makeCaFiles(dir, "/O=Jellyfish/CN=Keygen CA");
  const kga = await keyGenerationAuthority(ca.certPem);
  worker = await startWorker({
    caKey: ca.keyPem,
    caCert: ca.certPem,
    secrets: { device: "device-secret" },
    vars: { KGA_KEY: kga.keyPem, KGA_CERTS: kga.certificatesPem },
    config: {
      profiles: {
        default: { certificate: CERTIFICATE },
        keygen: {
          certificate: CERTIFICATE,
          centralKeyGeneration: { keyTypes: ["P-256", "P-384", "RSA"], defaultKeyType: "P-256", signer: { key: "env:KGA_KEY", certificates: "env:KGA_CERTS" } },
        },
      },
    },
  });
  base = `${worker.url}/.well-known/cmp`;
  device = cmpDevice({ dir, endpoint: () => base, reference: "device", secret: "device-secret", client: "3.5" });
});

afterAll(async () => {
  await worker?.stop();
  await dir?.remove();
});

/**
 * A key generation authority certified by the CA: id-kp-cmKGA in
 * extendedKeyUsage, which OpenSSL's client requires of the key package's
 * signer (RFC 9483 §4.1.6).
 */
async function keyGenerationAuthority(caPem: string): Promise<{ keyPem: string; certificatesPem: string }> {
  const key = await makeKey(dir.file("kga.key"));
  const csr = await makeCsr(dir.file("kga.csr"), key, "/O=Jellyfish/CN=Keygen KGA");
  await writeFile(dir.file("kga.ext"), "keyUsage=critical,digitalSignature\nextendedKeyUsage=1.3.6.1.5.5.7.3.32\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n");
  await mustOpenssl(["x509", "-req", "-in", csr, "-CA", dir.file("ca.pem"), "-CAkey", dir.file("ca.key.pem"), "-set_serial", "4242", "-days", "30", "-extfile", dir.file("kga.ext"), "-out", dir.file("kga.pem")]);
  return { keyPem: await readFile(key, "utf8"), certificatesPem: (await readFile(dir.file("kga.pem"), "utf8")) + caPem };
}

async function records(): Promise<CertificateRecord[]> {
  return (await worker.storeList<CertificateRecord>("cert/")).map((entry) => entry.value);
}

/** The SubjectPublicKeyInfo of a certificate and of a private key, PEM, as openssl prints them. */
async function publicKeys(cert: string, key: string): Promise<[string, string]> {
  return Promise.all([mustOpenssl(["x509", "-in", cert, "-noout", "-pubkey"]), mustOpenssl(["pkey", "-in", key, "-pubout"])]);
}

/**
 * Neither the store nor any log line holds the private key: its private
 * value (openssl's "priv:"), as hex or as base64 at any of the three
 * alignments it could have inside a longer base64 text.
 */
async function expectKeyNowhere(keyPath: string): Promise<void> {
  const text = await mustOpenssl(["pkey", "-in", keyPath, "-noout", "-text"]);
  const hex = /priv:\s*([0-9a-f:\s]+?)\n\S/.exec(text)![1]!.replace(/[:\s]/g, "");
  const priv = Buffer.from(hex, "hex");
  expect(priv.length).toBeGreaterThanOrEqual(32);
  const everything = JSON.stringify(await worker.storeList("")) + JSON.stringify(worker.logLines());
  expect(everything).not.toContain(hex.slice(0, 40));
  for (const offset of [0, 1, 2]) expect(everything).not.toContain(priv.subarray(offset).toString("base64").slice(0, 24));
  expect(everything).not.toMatch(/PRIVATE KEY/);
}

describe("central key generation with openssl cmp 3.5", () => {
  it("MAC-protected ir -centralkeygen: a P-256 key (the profile's default) for the issued certificate, through PWRI", async () => {
    const cert = dir.file("mac.pem");
    const key = dir.file("mac.key");
    const result = await device.cmp(["-cmd", "ir", ...MAC, "-centralkeygen", "-subject", "/CN=central-mac", "-trusted", dir.file("ca.pem"), "-certout", cert, "-newkeyout", key], "keygen");
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const [certKey, privateKeyPublic] = await publicKeys(cert, key);
    expect(privateKeyPublic).toBe(certKey);
    expect(await mustOpenssl(["pkey", "-in", key, "-noout", "-text"])).toContain("NIST CURVE: P-256");
    const serial = await serialOf(cert);
    expect((await records()).find((r) => r.serial === serial)).toMatchObject({ subject: "CN=central-mac", status: "confirmed" });
    await expect.poll(() => worker.logLines()).toContainEqual(expect.objectContaining({ bodyType: "ir", serial, generatedKeyType: "P-256" }));
    await expectKeyNowhere(key);
  });

  it("-newkey names the key type: a P-384 public key asks for a P-384 key (RFC 9483 §4.1.6: algorithm only, empty key)", async () => {
    const hint = await makeKey(dir.file("hint.key"), "P-384");
    const cert = dir.file("p384.pem");
    const key = dir.file("p384.key");
    const result = await device.cmp(
      ["-cmd", "ir", ...MAC, "-centralkeygen", "-newkey", hint, "-subject", "/CN=central-p384", "-trusted", dir.file("ca.pem"), "-certout", cert, "-newkeyout", key],
      "keygen",
    );
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const [certKey, privateKeyPublic] = await publicKeys(cert, key);
    expect(privateKeyPublic).toBe(certKey);
    expect(await mustOpenssl(["pkey", "-in", key, "-noout", "-text"])).toContain("NIST CURVE: P-384");
    // A key the server generated, not the hint's.
    expect(certKey).not.toBe(await mustOpenssl(["pkey", "-in", hint, "-pubout"]));
  });

  it("signature-protected cr with an EC certificate: the key comes through key agreement (KARI)", async () => {
    const enrolled = await device.enroll("ec-device", "keygen");
    const cert = dir.file("sig-ec.pem");
    const key = dir.file("sig-ec.key");
    const result = await device.cmp(
      ["-cmd", "cr", "-cert", enrolled.cert, "-key", enrolled.key, "-centralkeygen", "-subject", "/CN=central-ec", "-trusted", dir.file("ca.pem"), "-certout", cert, "-newkeyout", key],
      "keygen",
    );
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const [certKey, privateKeyPublic] = await publicKeys(cert, key);
    expect(privateKeyPublic).toBe(certKey);
    await expectKeyNowhere(key);
  });

  it("signature-protected cr with an RSA certificate: the key comes through key transport (KTRI, RSAES-OAEP)", async () => {
    const rsaKey = await makeKey(dir.file("rsa-device.key"), "RSA-2048");
    const rsaCert = dir.file("rsa-device.pem");
    const enrolled = await device.cmp(["-cmd", "ir", ...MAC, "-newkey", rsaKey, "-subject", "/CN=rsa-device", "-certout", rsaCert], "keygen");
    expect(enrolled.code, enrolled.stdout + enrolled.stderr).toBe(0);
    const cert = dir.file("sig-rsa.pem");
    const key = dir.file("sig-rsa.key");
    const result = await device.cmp(
      ["-cmd", "cr", "-cert", rsaCert, "-key", rsaKey, "-centralkeygen", "-subject", "/CN=central-rsa", "-trusted", dir.file("ca.pem"), "-certout", cert, "-newkeyout", key],
      "keygen",
    );
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const [certKey, privateKeyPublic] = await publicKeys(cert, key);
    expect(privateKeyPublic).toBe(certKey);
  });

  it("kur -centralkeygen: the device re-keys to a generated key; the new certificate keeps the subject", async () => {
    const enrolled = await device.enroll("kur-device", "keygen");
    const cert = dir.file("kur.pem");
    const key = dir.file("kur.key");
    const result = await device.cmp(
      ["-cmd", "kur", "-cert", enrolled.cert, "-key", enrolled.key, "-centralkeygen", "-trusted", dir.file("ca.pem"), "-certout", cert, "-newkeyout", key],
      "keygen",
    );
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const [certKey, privateKeyPublic] = await publicKeys(cert, key);
    expect(privateKeyPublic).toBe(certKey);
    expect(await mustOpenssl(["x509", "-in", cert, "-noout", "-subject"])).toContain("CN = kur-device");
    await expectKeyNowhere(key);
  });

  it("a profile without centralKeyGeneration refuses with notAuthorized and the reason; nothing recorded", async () => {
    const before = await records();
    const logged = worker.logLines().length;
    const result = await device.cmp(["-cmd", "ir", ...MAC, "-centralkeygen", "-subject", "/CN=refused", "-trusted", dir.file("ca.pem"), "-certout", dir.file("refused.pem"), "-newkeyout", dir.file("refused.key")]);
    expect(result.code).not.toBe(0);
    expect(result.stdout + result.stderr).toContain("does not offer it");
    await expect.poll(() => worker.logLines().slice(logged)).toContainEqual(expect.objectContaining({ bodyType: "ir", failInfo: ["notAuthorized"] }));
    expect(await records()).toEqual(before);
  });
});
