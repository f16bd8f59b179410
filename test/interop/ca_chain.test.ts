import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeCertificatesPem, encodePem } from "../../src/asn1/pem.js";
import { createIntermediateCa } from "../../src/ca/intermediate.js";
import { CMP_CLIENTS, makeTempDir, makeKey, mustOpenssl, opensslCmp, type TempDir } from "../support/openssl.js";
import { startEngineServer, type EngineServer } from "../support/engine_server.js";
import { makeTestCa, newTestSigner, type TestCa } from "../support/test_ca.js";

// A CA under a root (the usual KMS deployment: an issuing CA under an
// offline root). RFC 9483 §4.1.1: caPubs carries only the root, and only
// to a MAC-protected ir; extraCerts carries the chain of the new
// certificate (after the protection certificate when signed, §3.3). What
// `openssl cmp` writes with -cacertsout and -extracertsout must be enough
// to verify the new certificate. With both clients, OpenSSL 3.0 and 3.5.

let dir: TempDir;
let server: EngineServer;
let root: TestCa;
let issuing: Uint8Array;

beforeAll(async () => {
  dir = await makeTempDir();
  root = await makeTestCa("P-256", "CN=Jellyfish Test Root,O=Jellyfish");
  const signer = await newTestSigner();
  issuing = await createIntermediateCa({
    issuer: { signer: root.ca.signer, certificate: root.ca.certificate },
    subjectSigner: signer,
    subject: "CN=Jellyfish Issuing CA,O=Jellyfish",
    validitySeconds: 86_400 * 20,
    now: new Date(),
  });
  const ca: TestCa = { ca: { signer, certificate: issuing, chain: [issuing, root.ca.certificate] }, certificatePem: encodePem("CERTIFICATE", issuing) };
  server = await startEngineServer({ ca });
});
afterAll(async () => {
  await server?.stop();
  await dir.remove();
});

const pemCertificates = async (path: string) => decodeCertificatesPem(await readFile(path, "utf8"));

describe.each(CMP_CLIENTS)("a CA under a root (RFC 9483 §4.1.1, §3.3), openssl cmp %s", (client) => {
  // Each client its own files, so one never reads what the other wrote.
  const file = (name: string) => dir.file(`${client}-${name}`);

  it("MAC ir: caPubs holds only the root, extraCerts the chain; both files together verify the certificate", async () => {
    await makeKey(file("d1.key"));
    const result = await opensslCmp([
      "-cmd", "ir", "-server", server.url, "-ref", "dev", "-secret", "pass:s3cret",
      "-newkey", file("d1.key"), "-subject", "/CN=chain-device",
      "-certout", file("d1.pem"), "-cacertsout", file("d1-cacerts.pem"), "-extracertsout", file("d1-extra.pem"),
    ], { client });
    expect(result.code, result.stderr).toBe(0);
    expect(await pemCertificates(file("d1-cacerts.pem"))).toEqual([root.ca.certificate]);
    expect(await pemCertificates(file("d1-extra.pem"))).toEqual([issuing, root.ca.certificate]);
    expect(await mustOpenssl(["verify", "-CAfile", file("d1-cacerts.pem"), "-untrusted", file("d1-extra.pem"), file("d1.pem")])).toContain("OK");
  });

  it("signed cr: extraCerts is the protection certificate (the issuing CA), then its chain", async () => {
    await makeKey(file("d2.key"));
    const rootPem = dir.file("root.pem");
    await mustOpenssl(["x509", "-inform", "PEM", "-out", rootPem], { input: root.certificatePem });
    const result = await opensslCmp([
      "-cmd", "cr", "-server", server.url, "-cert", file("d1.pem"), "-key", file("d1.key"), "-trusted", rootPem,
      "-newkey", file("d2.key"), "-subject", "/CN=chain-device", "-certout", file("d2.pem"), "-extracertsout", file("d2-extra.pem"),
    ], { client });
    expect(result.code, result.stderr).toBe(0);
    expect(await pemCertificates(file("d2-extra.pem"))).toEqual([issuing, root.ca.certificate]);
    expect(await mustOpenssl(["verify", "-CAfile", rootPem, "-untrusted", file("d2-extra.pem"), file("d2.pem")])).toContain("OK");
  });
});
