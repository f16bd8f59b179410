import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadDelegatedResponder } from "../../src/ocsp/delegated_responder.js";
import { makeKey, makeTempDir, type TempDir } from "../support/openssl.js";
import { opensslCa } from "../support/openssl_ca.js";
import { OCSP_SIGNING, ocspFixture, type OcspFixture } from "./ocsp_fixtures.js";

// publication.ocsp.responder is checked at start (RFC 6960 §4.2.2.2): a
// responder certificate relying parties would refuse is a configuration
// error, named as one, not a stream of answers nobody can use.

let dir: TempDir;
let fixture: OcspFixture;
const now = new Date();

beforeAll(async () => {
  dir = await makeTempDir();
  fixture = await ocspFixture(dir, "delegating-ca");
});
afterAll(() => dir.remove());

async function responder(name: string, options: { extensions?: string[]; start?: string; end?: string; issuer?: "other-key" | "other-name" } = {}) {
  const keyPath = await makeKey(dir.file(`${name}.key.pem`));
  let issuer = fixture.openssl;
  if (options.issuer === "other-key") issuer = await opensslCa(dir.path, { name: `${name}-impostor`, subject: "/O=Jellyfish/CN=delegating-ca" });
  if (options.issuer === "other-name") issuer = await opensslCa(dir.path, { name: `${name}-other`, subject: "/CN=Somebody else" });
  const certPath = await issuer.issue(name, { subject: `/CN=${name}`, keyPath, extensions: options.extensions ?? OCSP_SIGNING, start: options.start, end: options.end });
  return { keyPem: await readFile(keyPath, "utf8"), certificatesPem: await readFile(certPath, "utf8") };
}

describe("loadDelegatedResponder", () => {
  it("takes a certificate the CA issued with id-kp-OCSPSigning", async () => {
    const loaded = await loadDelegatedResponder(await responder("fine"), fixture.ca, now);
    expect(loaded.certificates).toHaveLength(1);
  });

  it.each([
    ["no extendedKeyUsage", { extensions: ["basicConstraints=critical,CA:FALSE", "keyUsage=critical,digitalSignature"] }, /no extendedKeyUsage id-kp-OCSPSigning/],
    ["another purpose only", { extensions: ["extendedKeyUsage=clientAuth"] }, /no extendedKeyUsage id-kp-OCSPSigning/],
    ["keyUsage without digitalSignature", { extensions: ["keyUsage=critical,keyEncipherment", "extendedKeyUsage=OCSPSigning"] }, /keyUsage does not allow digitalSignature/],
    ["expired", { start: "20200101000000Z", end: "20210101000000Z" }, /expired at 2021-01-01/],
    ["not yet valid", { start: "20990101000000Z", end: "20991231000000Z" }, /not valid before 2099-01-01/],
    ["another CA's", { issuer: "other-name" as const }, /issuer \(.*Somebody else.*\) is not the CA's subject/],
    ["the CA's name but another key", { issuer: "other-key" as const }, /not signed by the CA key/],
  ])("refuses a certificate with %s, naming the setting", async (name, options, message) => {
    const error = await loadDelegatedResponder(await responder(name.replace(/\W+/g, "-"), options), fixture.ca, now).catch((caught: Error) => caught);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/^publication\.ocsp\.responder\.certificates: /);
    expect((error as Error).message).toMatch(message);
  });

  it("refuses a key that is not the certificate's", async () => {
    const { certificatesPem } = await responder("mismatch");
    const keyPem = await readFile(await makeKey(dir.file("stranger.key.pem")), "utf8");
    await expect(loadDelegatedResponder({ keyPem, certificatesPem }, fixture.ca, now)).rejects.toThrow(/publication\.ocsp\.responder\.certificates is not for publication\.ocsp\.responder\.key/);
  });
});
