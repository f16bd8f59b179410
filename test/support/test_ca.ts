import { encodePem } from "../../src/asn1/pem.js";
import type { CertificateAuthority } from "../../src/ca/authority.js";
import { createSelfSignedCa } from "../../src/ca/self_signed.js";
import { generateLocalKey, LocalSigner, type LocalKeyKind } from "../../src/kms/local.js";

/**
 * A throwaway CA for tests. No `node:` import, so tests inside workerd
 * (*.worker.test.ts) use it as Node tests do (engine_server.ts re-exports it).
 */
export interface TestCa {
  ca: CertificateAuthority;
  certificatePem: string;
}

export async function makeTestCa(kind: LocalKeyKind = "P-256", subject = "CN=Jellyfish Test CA,O=Jellyfish"): Promise<TestCa> {
  const { pkcs8 } = await generateLocalKey(kind);
  const signer = await LocalSigner.fromPkcs8(pkcs8);
  const certificate = await createSelfSignedCa({ signer, subject, validitySeconds: 86_400 * 30, now: new Date() });
  return { ca: { signer, certificate, chain: [certificate] }, certificatePem: encodePem("CERTIFICATE", certificate) };
}

/** A fresh P-256 key as a Signer: the key a request certifies, or signs with. */
export async function newTestSigner(kind: LocalKeyKind = "P-256"): Promise<LocalSigner> {
  return LocalSigner.fromPkcs8((await generateLocalKey(kind)).pkcs8);
}
