import { chmod, readFile, writeFile } from "node:fs/promises";
import { encodePem } from "../src/asn1/pem.js";
import { createSelfSignedCa } from "../src/ca/self_signed.js";
import { generateLocalKey, LocalSigner } from "../src/kms/local.js";

/** The development material's files (.dev/): the CMP CA of dev_ca.ts and the local TLS CA of dev_tls.ts. */

/** A key or secret: readable by its owner only. */
export async function writePrivate(path: string, text: string): Promise<void> {
  await writeFile(path, text, { mode: 0o600 });
  await chmod(path, 0o600); // mode applies only when the file is new
}

export async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/** A new P-256 key and a self-signed CA certificate for it, both PEM. */
export async function makeSelfSignedCaPem(subject: string, validitySeconds: number, now: Date): Promise<{ caCertPem: string; caKeyPem: string }> {
  const { pkcs8 } = await generateLocalKey("P-256");
  const signer = await LocalSigner.fromPkcs8(pkcs8);
  const certificate = await createSelfSignedCa({ signer, subject, validitySeconds, now });
  return { caCertPem: encodePem("CERTIFICATE", certificate), caKeyPem: encodePem("PRIVATE KEY", pkcs8) };
}
