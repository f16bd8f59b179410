import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CertificateRecord } from "../../src/ca/certificate_record.js";
import { cmpDevice, serialOf, type CmpDevice } from "../support/cmp_device.js";
import { makeCaFiles, makeTempDir, mustOpenssl, type TempDir } from "../support/openssl.js";
import { startWorker, type RunningWorker } from "../support/worker.js";

// OpenSSL 3.5 against the real Worker:
// - `openssl cmp -profile NAME` (certProfile in generalInfo, RFC 9810
//   §5.1.1.4, RFC 9483 §3.1) selects one of the certificate profiles the
//   CMP profile offers: two names, two certificates that differ as
//   configured; an unknown name is refused with badCertTemplate.
// - `openssl cmp -cmd rr` against a profile that holds revocations (RFC
//   9483 §4.4): the error "waiting", pollReq/pollRep while an operator
//   decides over the admin API, then the rp; the certificate is revoked
//   only after the approval, and not at all after a rejection.

const ADMIN_TOKEN = randomBytes(24).toString("base64url");
let dir: TempDir;
let worker: RunningWorker;
let device: CmpDevice;

beforeAll(async () => {
  dir = await makeTempDir();
  const ca = await makeCaFiles(dir, "/O=Jellyfish/CN=Profiles CA");
  worker = await startWorker({
    caKey: ca.keyPem,
    caCert: ca.certPem,
    secrets: { device: "device-secret", ra: "ra-secret" },
    vars: { ADMIN_TOKEN },
    config: {
      profiles: {
        default: {},
        devices: {
          certificateProfiles: {
            "tls-server": { validityDays: 90, extendedKeyUsage: ["serverAuth"] },
            "tls-client": { validityDays: 30, extendedKeyUsage: ["clientAuth"] },
          },
          defaultCertificateProfile: "tls-server",
        },
        heldrr: { ra: { macReferences: ["ra"] }, approval: { revocations: "all", checkAfterSeconds: 1 } },
        heldgenm: { approval: { generalMessages: "all", checkAfterSeconds: 1 } },
      },
    },
  });
  device = cmpDevice({ dir, endpoint: () => `${worker.url}/.well-known/cmp`, reference: "device", secret: "device-secret", client: "3.5" });
}, 120_000);

afterAll(async () => {
  await worker?.stop();
  await dir?.remove();
});

const MAC = ["-ref", "device", "-secret", "pass:device-secret"];
const RA = ["-ref", "ra", "-secret", "pass:ra-secret"];

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

/** Validity in days and the EKU text of a PEM certificate, as openssl shows them. */
async function shape(cert: string): Promise<{ days: number; eku: string }> {
  const text = await mustOpenssl(["x509", "-in", cert, "-noout", "-startdate", "-enddate", "-ext", "extendedKeyUsage"]);
  const start = Date.parse(/notBefore=(.*)/.exec(text)![1]!);
  const end = Date.parse(/notAfter=(.*)/.exec(text)![1]!);
  return { days: Math.round((end - start) / 86_400_000), eku: /Extended Key Usage:\s*\n\s*(.*)/.exec(text)![1]!.trim() };
}

describe("openssl cmp 3.5 -profile selects the certificate profile", () => {
  it("tls-client and tls-server: the certificates differ as configured (validity, EKU), and the records name the profile", async () => {
    const shapes: Record<string, { days: number; eku: string }> = {};
    for (const name of ["tls-client", "tls-server"]) {
      const out = dir.file(`${name}.pem`);
      const result = await device.cmp(["-cmd", "ir", ...MAC, "-newkey", await device.newKey(name), "-subject", `/CN=${name}`, "-profile", name, "-certout", out], "devices");
      expect(result.code, result.stdout + result.stderr).toBe(0);
      shapes[name] = await shape(out);
      const serial = await serialOf(out);
      expect((await records()).find((r) => r.serial === serial)).toMatchObject({ profile: "devices", certificateProfile: name, status: "confirmed" });
    }
    expect(shapes).toEqual({
      "tls-client": { days: 30, eku: "TLS Web Client Authentication" },
      "tls-server": { days: 90, eku: "TLS Web Server Authentication" },
    });
  });

  it("without -profile the default (tls-server) applies", async () => {
    const out = dir.file("no-profile.pem");
    const result = await device.cmp(["-cmd", "ir", ...MAC, "-newkey", await device.newKey("no-profile"), "-subject", "/CN=no-profile", "-certout", out], "devices");
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(await shape(out)).toEqual({ days: 90, eku: "TLS Web Server Authentication" });
  });

  it("an unknown profile is refused with badCertTemplate and the reason; nothing recorded", async () => {
    const before = await records();
    const logged = worker.logLines().length;
    const result = await device.cmp(["-cmd", "ir", ...MAC, "-newkey", await device.newKey("unknown"), "-subject", "/CN=unknown", "-profile", "code-signing", "-certout", dir.file("unknown.pem")], "devices");
    expect(result.code).not.toBe(0);
    expect(result.stdout + result.stderr).toContain('certificate profile "code-signing" is not offered by profile "devices"');
    await expect.poll(() => worker.logLines().slice(logged)).toContainEqual(expect.objectContaining({ bodyType: "ir", responseType: "ip", failInfo: ["badCertTemplate"] }));
    expect(await records()).toEqual(before);
  });
});

describe("openssl cmp 3.5 -cmd genm -infotype certReqTemplate -profile NAME (RFC 9483 §4.3.3)", () => {
  it("the template of the named certificate profile: tls-client's EKU, not tls-server's", async () => {
    // The certTemplate as openssl saved it: its extensions' DER holds the EKU purposes' OIDs.
    const template = async (name: string) => {
      const file = dir.file(`${name}-template.der`);
      const result = await device.cmp(["-cmd", "genm", ...MAC, "-infotype", "certReqTemplate", "-profile", name, "-template", file, "-keyspec", dir.file(`${name}-keyspec.der`)], "devices");
      expect(result.code, result.stdout + result.stderr).toBe(0);
      await mustOpenssl(["asn1parse", "-inform", "DER", "-in", file]);
      return Buffer.from(await readFile(file)).toString("hex");
    };
    const clientAuth = "06082b06010505070302";
    const serverAuth = "06082b06010505070301";
    const client = await template("tls-client");
    expect(client).toContain(clientAuth);
    expect(client).not.toContain(serverAuth);
    expect(await template("tls-server")).toContain(serverAuth);
  });
});

describe("openssl cmp 3.5 -cmd genm held for approval (RFC 9483 §4.4)", () => {
  it("waits, polls, and gets the genp once an operator approves", async () => {
    const logged = worker.logLines().length;
    const running = device.cmp(["-cmd", "genm", ...MAC, "-infotype", "signKeyPairTypes", "-total_timeout", "60"], "heldgenm");
    await expect.poll(async () => ((await admin("GET", "/requests")).body.requests as Array<{ requestType: string }>).filter((r) => r.requestType === "genm"), { timeout: 20_000 }).toHaveLength(1);
    const [request] = ((await admin("GET", "/requests")).body.requests as Array<{ id: string; requestType: string }>).filter((r) => r.requestType === "genm");
    await expect.poll(() => worker.logLines().slice(logged).filter((l) => l.bodyType === "pollReq").length, { timeout: 20_000 }).toBeGreaterThan(0);
    expect((await admin("POST", `/requests/${request!.id}/approve`, {})).status).toBe(200);
    const result = await running;
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const exchanges = worker.logLines().slice(logged).filter((line) => line.profile === "heldgenm").map((line) => [line.bodyType, line.responseType]);
    expect(exchanges[0]).toEqual(["genm", "error"]);
    expect(exchanges.at(-1)).toEqual(["pollReq", "genp"]);
  });
});

describe("openssl cmp 3.5 -cmd rr held for approval (RFC 9483 §4.4)", () => {
  async function heldRevocation(name: string) {
    const victim = await device.enroll(name, "heldrr");
    const serial = await serialOf(victim.cert);
    const logged = worker.logLines().length;
    const running = device.cmp(["-cmd", "rr", ...RA, "-oldcert", victim.cert, "-revreason", "1", "-total_timeout", "60"], "heldrr");
    await expect
      .poll(async () => ((await admin("GET", "/requests")).body.requests as Array<{ serial?: string }>).filter((r) => r.serial === serial), { timeout: 20_000 })
      .toHaveLength(1);
    const [request] = ((await admin("GET", "/requests")).body.requests as Array<{ id: string; serial?: string }>).filter((r) => r.serial === serial);
    // It polls, and nothing is revoked while it does.
    await expect.poll(() => worker.logLines().slice(logged).filter((l) => l.bodyType === "pollReq").length, { timeout: 20_000 }).toBeGreaterThan(0);
    expect((await records()).find((r) => r.serial === serial)?.status).toBe("confirmed");
    return { serial, request: request!, running, logged };
  }

  it("approved while the client polls: the rp follows, and the certificate is revoked only then", async () => {
    const { serial, request, running, logged } = await heldRevocation("rr-approved");
    expect(request).toMatchObject({ requestType: "rr", status: "pending", reason: "approval", subjectText: "CN=rr-approved" });
    expect((await admin("POST", `/requests/${request.id}/approve`, {})).status).toBe(200);
    const result = await running;
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect((await records()).find((r) => r.serial === serial)).toMatchObject({ status: "revoked", revocationReason: 1 });
    const exchanges = worker
      .logLines()
      .slice(logged)
      .filter((line) => line.bodyType !== undefined && line.profile === "heldrr")
      .map((line) => [line.bodyType, line.responseType]);
    expect(exchanges[0]).toEqual(["rr", "error"]);
    expect(exchanges).toContainEqual(["pollReq", "pollRep"]);
    expect(exchanges.at(-1)).toEqual(["pollReq", "rp"]);
    expect((await admin("GET", `/requests/${request.id}`)).body.request).toMatchObject({ status: "completed" });
  });

  it("rejected: the client fails with the operator's reason, and nothing is revoked", async () => {
    const { serial, request, running } = await heldRevocation("rr-rejected");
    expect((await admin("POST", `/requests/${request.id}/reject`, { reason: "device still in service" })).status).toBe(200);
    const result = await running;
    expect(result.code).not.toBe(0);
    expect(result.stdout + result.stderr).toContain("device still in service");
    expect((await records()).find((r) => r.serial === serial)?.status).toBe("confirmed");
  });
});
