import { readFile, stat, writeFile, rm } from "node:fs/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DEV_REFERENCE, ensureDevMaterial } from "../../scripts/dev_ca.js";
import { makeTempDir, mustOpenssl, type TempDir } from "../support/openssl.js";

let root: TempDir;

beforeEach(async () => {
  root = await makeTempDir("jellyfish-dev-");
});

afterEach(async () => {
  await root.remove();
});

describe("ensureDevMaterial", () => {
  it("makes a CA whose certificate OpenSSL accepts as a self-signed CA for the key", async () => {
    const m = await ensureDevMaterial(root.path, () => new Date("2026-01-01T00:00:00Z"));
    expect(m.created.sort()).toEqual(
      [m.caCertPath, m.caKeyPath, m.deviceKeyPath, m.secretPath, m.adminTokenPath, `${root.path}/.dev/enrollment-code.key`].sort(),
    );
    expect(Buffer.from(m.enrollmentCodeKey, "base64")).toHaveLength(32);

    const subject = await mustOpenssl(["x509", "-in", m.caCertPath, "-noout", "-subject", "-startdate"]);
    expect(subject).toContain("CN = Jellyfish Development CA");
    // The self-signature verifies, and the CA extensions make it usable as a trust anchor.
    expect(await mustOpenssl(["verify", "-x509_strict", "-CAfile", m.caCertPath, m.caCertPath])).toContain("OK");
    const certifiedKey = await mustOpenssl(["x509", "-in", m.caCertPath, "-noout", "-pubkey"]);
    const keyOfKeyFile = await mustOpenssl(["pkey", "-in", m.caKeyPath, "-pubout"]);
    expect(certifiedKey).toBe(keyOfKeyFile);
    expect(await mustOpenssl(["pkey", "-in", m.deviceKeyPath, "-noout", "-text"])).toContain("prime256v1");
  });

  it("keeps private files private", async () => {
    const m = await ensureDevMaterial(root.path);
    for (const path of [m.caKeyPath, m.secretPath, m.deviceKeyPath]) {
      expect((await stat(path)).mode & 0o777).toBe(0o600);
    }
  });

  it("writes a random secret for the reference dev", async () => {
    const a = await ensureDevMaterial(root.path);
    const other = await makeTempDir("jellyfish-dev-");
    try {
      const b = await ensureDevMaterial(other.path);
      expect(a.reference).toBe(DEV_REFERENCE);
      expect(a.secret).toMatch(/^[A-Za-z0-9_-]{32}$/);
      expect(a.secret).not.toBe(b.secret);
      expect((await readFile(a.secretPath, "utf8")).trim()).toBe(a.secret);
    } finally {
      await other.remove();
    }
  });

  it("reuses everything on the next run", async () => {
    const first = await ensureDevMaterial(root.path);
    const second = await ensureDevMaterial(root.path);
    expect(second.created).toEqual([]);
    expect(second.caCertPem).toBe(first.caCertPem);
    expect(second.caKeyPem).toBe(first.caKeyPem);
    expect(second.secret).toBe(first.secret);
  });

  it("replaces a CA whose key is missing, and keeps the secret", async () => {
    const first = await ensureDevMaterial(root.path);
    await rm(first.caKeyPath);
    const second = await ensureDevMaterial(root.path);
    expect(second.created.sort()).toEqual([second.caCertPath, second.caKeyPath].sort());
    expect(second.caCertPem).not.toBe(first.caCertPem);
    expect(second.secret).toBe(first.secret);
  });

  it("makes a new secret when the secret file is empty", async () => {
    const first = await ensureDevMaterial(root.path);
    await writeFile(first.secretPath, "\n");
    const second = await ensureDevMaterial(root.path);
    expect(second.created).toEqual([second.secretPath]);
    expect(second.secret).not.toBe("");
  });
});
