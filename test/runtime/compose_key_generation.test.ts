import { readFile, writeFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodePem } from "../../src/asn1/pem.js";
import { compose } from "../../src/runtime/compose.js";
import { Misconfigured, type Settings } from "../../src/runtime/settings.js";
import { MemoryStore } from "../../src/store/memory.js";
import { makeCsr, makeKey, makeSelfSignedCa, makeTempDir, mustOpenssl, type TempDir } from "../support/openssl.js";
import { LocalSigner } from "../../src/kms/local.js";
import { decodeCertificatesPem } from "../../src/asn1/pem.js";

// compose loads a profile's key generation authority (centralKeyGeneration.signer)
// and refuses one whose certificate lacks id-kp-cmKGA; without one, it warns
// that the CA signs, which openssl cmp does not accept.

let dir: TempDir;
let caSigner: LocalSigner;
let caCertificate: Uint8Array;

beforeAll(async () => {
  dir = await makeTempDir();
  await makeKey(dir.file("ca.key"));
  await makeSelfSignedCa(dir.file("ca.pem"), dir.file("ca.key"), "/CN=Compose KGA CA");
  caSigner = await LocalSigner.fromPkcs8(await readFile(dir.file("ca.key"), "utf8"));
  caCertificate = decodeCertificatesPem(await readFile(dir.file("ca.pem"), "utf8"))[0]!;
});
afterAll(() => dir.remove());

/** A certificate from the CA for a new key, with `extensions` (openssl x509 -extfile lines). */
async function issued(name: string, extensions: string): Promise<{ key: string; certificates: string }> {
  const key = await makeKey(dir.file(`${name}.key`));
  const csr = await makeCsr(dir.file(`${name}.csr`), key, `/CN=${name}`);
  await writeFile(dir.file(`${name}.ext`), extensions);
  await mustOpenssl(["x509", "-req", "-in", csr, "-CA", dir.file("ca.pem"), "-CAkey", dir.file("ca.key"), "-set_serial", "7", "-days", "30", "-extfile", dir.file(`${name}.ext`), "-out", dir.file(`${name}.pem`)]);
  return { key: await readFile(key, "utf8"), certificates: (await readFile(dir.file(`${name}.pem`), "utf8")) + encodePem("CERTIFICATE", caCertificate) };
}

function composeWith(signer: { key: string; certificates: string } | undefined, log: (entry: object) => void = () => undefined) {
  const centralKeyGeneration = { keyTypes: ["P-256"], ...(signer ? { signer: { key: "env:KGA_KEY", certificates: "env:KGA_CERTS" } } : {}) };
  const settings: Settings = {
    JELLYFISH_CONFIG: JSON.stringify({ profiles: { default: { centralKeyGeneration } } }),
    ...(signer ? { KGA_KEY: signer.key, KGA_CERTS: signer.certificates } : {}),
  };
  return compose({ settings, makeSigner: async () => ({ signer: caSigner, certificates: [caCertificate] }), makeStore: () => new MemoryStore(), log });
}

describe("compose and central key generation", () => {
  it("loads a KGA whose certificate has id-kp-cmKGA", async () => {
    const kga = await issued("kga", "keyUsage=critical,digitalSignature\nextendedKeyUsage=1.3.6.1.5.5.7.3.32\n");
    const { context } = await composeWith(kga);
    expect(context.keyGenerationSigners?.get("default")?.certificates).toHaveLength(2);
  });

  it("refuses to start with a KGA certificate lacking id-kp-cmKGA, naming the field", async () => {
    const plain = await issued("plain", "keyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n");
    const error = await composeWith(plain).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(Misconfigured);
    expect((error as Error).message).toMatch(/^profiles\.default\.centralKeyGeneration\.signer\.certificates: .*id-kp-cmKGA/);
  });

  it("without a signer, warns that the CA signs", async () => {
    const lines: object[] = [];
    await composeWith(undefined, (entry) => lines.push(entry));
    expect(lines).toContainEqual(expect.objectContaining({ level: "warn", message: expect.stringContaining("the CA signs centrally generated keys") }));
  });
});
