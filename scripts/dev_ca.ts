import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { encodePem } from "../src/asn1/pem.js";
import { generateLocalKey } from "../src/kms/local.js";
import { makeSelfSignedCaPem, readIfExists, writePrivate } from "./dev_files.js";

/**
 * The development material `npm start` needs, made once in .dev/ (git-ignored)
 * and reused on every later run: a CA key and self-signed certificate, a MAC
 * secret for the reference "dev", a device key so the printed `openssl cmp`
 * line works as printed, the admin API token and the key that seals
 * enrollment codes. Test material, never for production.
 */

export const DEV_REFERENCE = "dev";
export const DEV_CA_SUBJECT = "CN=Jellyfish Development CA";
const DEV_CA_VALIDITY_SECONDS = 10 * 365 * 86_400;

export interface DevMaterial {
  /** The .dev folder. */
  dir: string;
  caCertPath: string;
  caKeyPath: string;
  secretPath: string;
  deviceKeyPath: string;
  caCertPem: string;
  caKeyPem: string;
  reference: string;
  secret: string;
  adminTokenPath: string;
  adminToken: string;
  /** 32 random bytes, base64: ENROLLMENT_CODE_KEY. */
  enrollmentCodeKey: string;
  /** What this run made (empty when everything was reused). */
  created: string[];
}

/** `dir`: .dev/ of the checkout unless `npm start` was given another (JELLYFISH_DEV_DIR, for tests that run servers side by side). */
export async function ensureDevMaterial(root: string, now: () => Date = () => new Date(), dir = join(root, ".dev")): Promise<DevMaterial> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const caCertPath = join(dir, "ca.pem");
  const caKeyPath = join(dir, "ca.key.pem");
  const secretPath = join(dir, "secret.txt");
  const deviceKeyPath = join(dir, "device.key.pem");
  const created: string[] = [];

  let caCertPem = await readIfExists(caCertPath);
  let caKeyPem = await readIfExists(caKeyPath);
  if (caCertPem === undefined || caKeyPem === undefined) {
    // Half a CA is no CA: a certificate without its key (or the reverse) is replaced whole.
    ({ caCertPem, caKeyPem } = await makeDevCa(now()));
    await writePrivate(caKeyPath, caKeyPem);
    await writeFile(caCertPath, caCertPem);
    created.push(caCertPath, caKeyPath);
  }

  const secret = await ensureSecret(secretPath, () => randomSecret(), created);
  const adminTokenPath = join(dir, "admin-token.txt");
  const adminToken = await ensureSecret(adminTokenPath, () => randomSecret(), created);
  const enrollmentCodeKey = await ensureSecret(
    join(dir, "enrollment-code.key"),
    () => Buffer.from(globalThis.crypto.getRandomValues(new Uint8Array(32))).toString("base64"),
    created,
  );

  if ((await readIfExists(deviceKeyPath)) === undefined) {
    const { pkcs8 } = await generateLocalKey("P-256");
    await writePrivate(deviceKeyPath, encodePem("PRIVATE KEY", pkcs8));
    created.push(deviceKeyPath);
  }

  return {
    dir, caCertPath, caKeyPath, secretPath, deviceKeyPath, caCertPem, caKeyPem, reference: DEV_REFERENCE, secret,
    adminTokenPath, adminToken, enrollmentCodeKey, created,
  };
}

function makeDevCa(now: Date): Promise<{ caCertPem: string; caKeyPem: string }> {
  return makeSelfSignedCaPem(DEV_CA_SUBJECT, DEV_CA_VALIDITY_SECONDS, now);
}

/** 24 random bytes, base64url: no characters that need quoting in a shell or in .dev.vars. */
function randomSecret(): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(24));
  return Buffer.from(bytes).toString("base64url");
}

/** A one-line secret file, made once and then reused. */
async function ensureSecret(path: string, make: () => string, created: string[]): Promise<string> {
  const existing = (await readIfExists(path))?.trim();
  if (existing) return existing;
  const value = make();
  await writePrivate(path, `${value}\n`);
  created.push(path);
  return value;
}
