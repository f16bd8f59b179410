import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { AsnConvert } from "@peculiar/asn1-schema";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PKIMessage } from "../../src/asn1/index.js";
import type { CertificateRecord } from "../../src/ca/certificate_record.js";
import { OID } from "../../src/crypto/algorithms.js";
import { cmpDevice, serialOf, type CmpDevice } from "../support/cmp_device.js";
import { CMP_CLIENTS, makeCaFiles, makeCsr, makeKey, makeSelfSignedCa, makeTempDir, mustOpenssl, type TempDir } from "../support/openssl.js";
import { startWorker, type RunningWorker } from "../support/worker.js";

// What `openssl cmp` 3.5 can send that 3.0 cannot, against the real Worker:
// certProfile in generalInfo (-profile, 3.3), rr naming the certificate by
// issuer and serial (-issuer -serial, 3.2), central key generation
// (-centralkeygen, 3.5, refused where a profile does not offer it); and, with both clients, polling after a p10cr
// (certReqId -1) and the certConf of a certificate signed with Ed25519, which
// 3.5 sends as pvno 3 with CertStatus.hashAlg (RFC 9810 §5.3.18).

const ADMIN_TOKEN = randomBytes(24).toString("base64url");
const CA_SUBJECT = "/O=Jellyfish/CN=Options CA";
let dir: TempDir;
let worker: RunningWorker;
let base: string;

beforeAll(async () => {
  dir = await makeTempDir();
  const ca = await makeCaFiles(dir, CA_SUBJECT);
  worker = await startWorker({
    caKey: ca.keyPem,
    caCert: ca.certPem,
    secrets: { device: "device-secret", ra: "ra-secret" },
    vars: { ADMIN_TOKEN },
    config: {
      profiles: {
        default: {},
        ra: { ra: { macReferences: ["ra"] } },
        approval: { approval: { hold: "all", checkAfterSeconds: 1 } },
      },
    },
  });
  base = `${worker.url}/.well-known/cmp`;
});

afterAll(async () => {
  await worker?.stop();
  await dir?.remove();
});

const MAC = ["-ref", "device", "-secret", "pass:device-secret"];

async function records(): Promise<CertificateRecord[]> {
  return (await worker.storeList<CertificateRecord>("cert/")).map((entry) => entry.value);
}

async function admin(method: string, path: string, body?: object) {
  const response = await fetch(`${worker.url}/admin${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body ? { "content-type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: response.status, body: (await response.json()) as any };
}

describe("OpenSSL 3.5's new options", () => {
  let device: CmpDevice;
  beforeAll(() => {
    device = cmpDevice({ dir, endpoint: () => base, reference: "device", secret: "device-secret", client: "3.5" });
  });

  it("-profile: an ir with certProfile in generalInfo naming the path's profile is served (RFC 9810 §5.1.1.4)", async () => {
    const key = await device.newKey("profiled");
    const out = dir.file("profiled.pem");
    const result = await device.cmp(["-cmd", "ir", ...MAC, "-newkey", key, "-subject", "/CN=profiled", "-profile", "default", "-certout", out, "-reqout", dir.file("profiled-ir.der")]);
    expect(result.code, result.stderr).toBe(0);
    expect(await mustOpenssl(["asn1parse", "-inform", "DER", "-in", dir.file("profiled-ir.der")])).toMatch(/UTF8STRING\s*:default/);
    expect((await records()).find((r) => r.subject === "CN=profiled")).toMatchObject({ status: "confirmed", profile: "default" });
  });

  it("-issuer -serial: an RA revokes a certificate it names by issuer and serial number only", async () => {
    const victim = await device.enroll("by-serial");
    const serial = (await mustOpenssl(["x509", "-in", victim.cert, "-noout", "-serial"])).trim().replace(/^serial=/, "");
    const result = await device.cmp(["-cmd", "rr", "-ref", "ra", "-secret", "pass:ra-secret", "-issuer", CA_SUBJECT, "-serial", `0x${serial}`, "-revreason", "1"], "ra");
    expect(result.code, result.stderr).toBe(0);
    const serialHex = await serialOf(victim.cert);
    const record = (await records()).find((r) => r.serial === serialHex);
    expect(record).toMatchObject({ status: "revoked", revocationReason: 1 });
  });

  it("-centralkeygen where the profile does not offer it: refused as notAuthorized with the reason; nothing recorded (test/interop/central_key_generation.test.ts has the offer)", async () => {
    const before = await records();
    const logged = worker.logLines().length;
    const result = await device.cmp(["-cmd", "ir", ...MAC, "-centralkeygen", "-subject", "/CN=central", "-certout", dir.file("central.pem"), "-newkeyout", dir.file("central.key")]);
    expect(result.code).not.toBe(0);
    expect(result.stdout + result.stderr).toContain("does not offer it");
    await expect.poll(() => worker.logLines().slice(logged)).toContainEqual(expect.objectContaining({ bodyType: "ir", failInfo: ["notAuthorized"] }));
    expect(await records()).toEqual(before);
  });
});

describe.each(CMP_CLIENTS)("p10cr held for approval, openssl cmp %s", (client) => {
  it("the client polls with certReqId -1 and confirms the certificate after the approval", async () => {
    const device = cmpDevice({ dir, endpoint: () => base, reference: "device", secret: "device-secret", client });
    const key = await device.newKey(`p10-held-${client}`);
    const csr = await makeCsr(dir.file(`p10-held-${client}.csr`), key, `/CN=p10-held-${client}`);
    const out = dir.file(`p10-held-${client}.pem`);
    const running = device.cmp(["-cmd", "p10cr", ...MAC, "-csr", csr, "-certout", out, "-total_timeout", "30"], "approval");
    await expect.poll(async () => (await admin("GET", "/requests")).body.requests, { timeout: 15_000 }).toHaveLength(1);
    const [request] = (await admin("GET", "/requests")).body.requests as Array<{ id: string }>;
    expect((await admin("POST", `/requests/${request!.id}/approve`, {})).status).toBe(200);
    const result = await running;
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const serial = await serialOf(out);
    const lines = worker.logLines().filter((line) => line.serial === serial);
    expect(lines.map((line) => [line.bodyType, line.responseType])).toEqual([["pollReq", "cp"], ["certConf", "pkiconf"]]);
    expect((await records()).find((r) => r.serial === serial)).toMatchObject({ status: "confirmed", subject: `CN=p10-held-${client}` });
  });
});

describe.each(CMP_CLIENTS)("a CA whose key is Ed25519, openssl cmp %s", (client) => {
  let edWorker: RunningWorker;
  beforeAll(async () => {
    await makeKey(dir.file("ed-ca.key.pem"), "Ed25519");
    await makeSelfSignedCa(dir.file("ed-ca.pem"), dir.file("ed-ca.key.pem"), "/CN=Ed25519 CA");
    edWorker = await startWorker({
      caKey: await readFile(dir.file("ed-ca.key.pem"), "utf8"),
      caCert: await readFile(dir.file("ed-ca.pem"), "utf8"),
      secrets: { device: "device-secret" },
    });
  });
  afterAll(() => edWorker?.stop());

  it("certConf: certHash with SHA-512 (3.5: pvno 3 and hashAlg sha512; 3.0: pvno 2, no hashAlg); confirmed", async () => {
    const device = cmpDevice({ dir, endpoint: () => `${edWorker.url}/.well-known/cmp`, reference: "device", secret: "device-secret", client });
    const key = await device.newKey(`ed-${client}`);
    const requests = [dir.file(`ed-${client}-ir.der`), dir.file(`ed-${client}-certConf.der`)];
    const result = await device.cmp(["-cmd", "ir", ...MAC, "-newkey", key, "-subject", `/CN=ed-${client}`, "-certout", dir.file(`ed-${client}.pem`), "-reqout", requests.join(",")]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const certConf = AsnConvert.parse(await readFile(requests[1]!), PKIMessage);
    const status = certConf.body.certConf![0]!;
    expect(status.certHash.byteLength).toBe(64);
    if (client === "3.5") {
      expect(certConf.header.pvno).toBe(3);
      expect(status.hashAlg?.algorithm).toBe(OID.sha512);
    } else {
      expect(certConf.header.pvno).toBe(2);
      expect(status.hashAlg).toBeUndefined();
    }
    await expect.poll(() => edWorker.logLines().at(-1)).toMatchObject({ bodyType: "certConf", outcome: "confirmed", responseType: "pkiconf" });
  });
});
