import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeCertificatesPem } from "../../src/asn1/pem.js";
import type { CertificateRecord } from "../../src/ca/certificate_record.js";
import { loadLocalKeyAndCertificates } from "../../src/ca/local_key_pair.js";
import { startRaGateway, type RaGateway } from "../../src/ra/gateway.js";
import { cmpDevice } from "../support/cmp_device.js";
import { makeCaFiles, makeKey, makeTempDir, type TempDir } from "../support/openssl.js";
import { opensslCa } from "../support/openssl_ca.js";
import { startWorker, type RunningWorker } from "../support/worker.js";

// An RA gateway (src/ra/gateway.ts) between three `openssl cmp` devices and
// the real Worker: their irs go up in one nested message the RA signs
// (RFC 9483 §5.2.2.2), their certConfs in another, and each device gets,
// and checks, its own answer. One device claims raVerified (-popo 0),
// which only an RA may: its request alone is refused (notAuthorized), the
// other two get certificates, and nothing is recorded for it. (A broken POP
// signature in a batch, which openssl cannot be made to send, is in
// test/cmp/nested.test.ts.)

const SECRETS = { "device-1": "secret-1", "device-2": "secret-2", "device-3": "secret-3" };
let dir: TempDir;
let worker: RunningWorker;
let gateway: RaGateway;
let stranger: RaGateway;
const lines: object[] = [];

beforeAll(async () => {
  dir = await makeTempDir();
  const ca = await makeCaFiles(dir, "/O=Jellyfish/CN=RA Gateway Test CA");
  const raCa = await opensslCa(dir.path, { name: "ra-ca", subject: "/O=Jellyfish/CN=RA CA" });
  const raCert = await raCa.issue("ra", { subject: "/O=Jellyfish/CN=Gateway RA", keyPath: await makeKey(dir.file("ra.key.pem")) });
  worker = await startWorker({
    caKey: ca.keyPem,
    caCert: ca.certPem,
    secrets: SECRETS,
    vars: { RA_CA: await readFile(raCa.certPath, "utf8") },
    config: { trustAnchors: { ra: "env:RA_CA" }, profiles: { default: { ra: { trustAnchors: ["ra"] } } } },
  });
  const anchors = decodeCertificatesPem(ca.certPem);
  const raCredentials = await loadLocalKeyAndCertificates(await readFile(dir.file("ra.key.pem"), "utf8"), await readFile(raCert, "utf8"), { key: "ra.key.pem", certificates: "ra.pem" });
  const upstream = `${worker.url}/.well-known/cmp`;
  gateway = await startRaGateway({ upstream, signer: raCredentials.signer, certificates: raCredentials.certificates, anchors, batchSize: 3, maxWaitMs: 3_000, log: (line) => lines.push(line) });
  // The same gateway with a key the CA does not know as an RA's: a certificate from a CA nobody trusts.
  const otherCa = await opensslCa(dir.path, { name: "other-ca", subject: "/O=Elsewhere/CN=Other CA" });
  const otherCert = await otherCa.issue("other-ra", { subject: "/O=Elsewhere/CN=Not an RA", keyPath: await makeKey(dir.file("other-ra.key.pem")) });
  const other = await loadLocalKeyAndCertificates(await readFile(dir.file("other-ra.key.pem"), "utf8"), await readFile(otherCert, "utf8"), { key: "other", certificates: "other" });
  stranger = await startRaGateway({ upstream, signer: other.signer, certificates: other.certificates, anchors, batchSize: 1, maxWaitMs: 100 });
});

afterAll(async () => {
  await gateway?.close();
  await stranger?.close();
  await worker?.stop();
  await dir?.remove();
});

async function records(): Promise<CertificateRecord[]> {
  return (await worker.storeList<CertificateRecord>("cert/")).map((entry) => entry.value);
}

describe("an RA gateway batching openssl cmp devices (RFC 9483 §5.2.2.2)", () => {
  it("three irs in one nest: two certificates, one refusal, each device checking its own answer", async () => {
    const run = (n: number, extra: string[] = []) => {
      const device = cmpDevice({ dir, endpoint: () => gateway.url, reference: `device-${n}`, secret: `secret-${n}` });
      return device.newKey(`batched-${n}`).then((key) =>
        device.cmp(["-cmd", "ir", "-ref", `device-${n}`, "-secret", `pass:secret-${n}`, "-newkey", key, "-subject", `/CN=batched-${n}`, "-certout", dir.file(`batched-${n}.pem`), ...extra]),
      );
    };
    const [first, second, third] = await Promise.all([run(1), run(2, ["-popo", "0"]), run(3)]);
    expect(first.code, first.stderr).toBe(0);
    expect(third.code, third.stderr).toBe(0);
    expect(second.code).not.toBe(0);
    expect(second.stdout + second.stderr).toMatch(/PKIFailureInfo: notAuthorized; StatusString: "raVerified is accepted only from a registration authority/);
    // The Worker saw nests only: the irs in one, the two certConfs in another (or with added protection, had one come alone).
    const nests = worker.logLines().filter((line) => line.bodyType === "nested");
    expect(nests[0]).toMatchObject({ responseType: "nested" });
    expect((nests[0]!.nested as Array<{ bodyType: string; outcome: string }>).map((entry) => entry.bodyType)).toEqual(["ir", "ir", "ir"]);
    expect(worker.logLines().filter((line) => line.bodyType !== "nested")).toEqual([]);
    const issued = (await records()).filter((record) => record.subject.startsWith("CN=batched-"));
    expect(issued.map((record) => [record.subject, record.status]).sort()).toEqual([
      ["CN=batched-1", "confirmed"],
      ["CN=batched-3", "confirmed"],
    ]);
  });

  it("a gateway whose key the CA does not trust as an RA's gets nothing through, and nothing is recorded", async () => {
    const before = await records();
    const device = cmpDevice({ dir, endpoint: () => stranger.url, reference: "device-1", secret: "secret-1" });
    const key = await device.newKey("untrusted");
    const result = await device.cmp(["-cmd", "ir", "-ref", "device-1", "-secret", "pass:secret-1", "-newkey", key, "-subject", "/CN=untrusted", "-certout", dir.file("untrusted.pem")]);
    expect(result.code).not.toBe(0);
    expect(worker.logLines().at(-1)).toMatchObject({ bodyType: "nested", outcome: "error" });
    expect(await records()).toEqual(before);
  });
});
