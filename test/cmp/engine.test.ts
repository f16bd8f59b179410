import { readFile } from "node:fs/promises";
import { AsnConvert } from "@peculiar/asn1-schema";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { PKIMessage, PKIStatus, bodyType } from "../../src/asn1/index.js";
import type { CertificateRecord } from "../../src/ca/certificate_record.js";
import { makeTempDir, makeKey, mustOpenssl, opensslCmp, type TempDir } from "../support/openssl.js";
import { makeTestCa, startEngineServer, writeCaPem, type EngineServer, type TestCa } from "../support/engine_server.js";
import { reprotect } from "../support/reprotect.js";

// The engine driven by the real `openssl cmp` over loopback HTTP, with a
// memory store: every outcome is checked on both sides, the client's exit
// and what the server answered and recorded.

let ca: TestCa;
let dir: TempDir;
let server: EngineServer;
let caPem: string;

beforeAll(async () => {
  ca = await makeTestCa();
  dir = await makeTempDir();
  caPem = await writeCaPem(ca, dir.file("ca.pem"));
});
afterAll(async () => {
  await dir.remove();
});
beforeEach(async () => {
  server?.stop();
  server = await startEngineServer({ ca });
});

function irArgs(name: string, extra: string[] = []): string[] {
  return [
    "-cmd", "ir", "-server", server.url, "-ref", "dev", "-secret", "pass:s3cret",
    "-newkey", dir.file(`${name}.key`), "-subject", `/CN=${name}/O=Jellyfish Tests`,
    "-certout", dir.file(`${name}.pem`), "-cacertsout", dir.file(`${name}-cacerts.pem`), ...extra,
  ];
}

async function certificates(): Promise<CertificateRecord[]> {
  const page = await server.store.list<CertificateRecord>("cert/");
  return page.items.map((item) => item.value);
}

function lastLog() {
  return server.logs.at(-1)!;
}

describe("ir + certConf with MAC protection", () => {
  it("enrolls with the default PBM (HMAC-SHA1) and the certificate verifies", async () => {
    await makeKey(dir.file("d1.key"), "P-256");
    const result = await opensslCmp(irArgs("d1"));
    expect(result.code, result.stderr).toBe(0);
    await mustOpenssl(["verify", "-CAfile", caPem, dir.file("d1.pem")]);
    const text = await mustOpenssl(["x509", "-in", dir.file("d1.pem"), "-noout", "-subject", "-pubkey"]);
    expect(text).toContain("CN = d1, O = Jellyfish Tests");
    const requestedKey = await mustOpenssl(["pkey", "-in", dir.file("d1.key"), "-pubout"]);
    expect(text).toContain(requestedKey.trim());
    expect(await readFile(dir.file("d1-cacerts.pem"), "utf8")).toBe(ca.certificatePem);

    expect(server.logs.map((log) => [log.bodyType, log.outcome])).toEqual([["ir", "issued"], ["certConf", "confirmed"]]);
    const [record] = await certificates();
    expect(record).toMatchObject({ status: "confirmed", subject: "O=Jellyfish Tests,CN=d1", profile: "default", requester: expect.any(String) });
  });

  it("enrolls with PBM using HMAC-SHA256 and an RSA key", async () => {
    await makeKey(dir.file("d2.key"), "RSA-2048");
    const result = await opensslCmp(irArgs("d2", ["-mac", "hmacWithSHA256"]));
    expect(result.code, result.stderr).toBe(0);
    await mustOpenssl(["verify", "-CAfile", caPem, dir.file("d2.pem")]);
    const ir = AsnConvert.parse(server.requests[0]!, PKIMessage);
    expect(ir.header.protectionAlg?.algorithm).toBe("1.2.840.113533.7.66.13");
    expect((await certificates())[0]?.status).toBe("confirmed");
  });

  it("enrolls an Ed25519 key with SHA-512 PBM", async () => {
    await makeKey(dir.file("d3.key"), "Ed25519");
    const result = await opensslCmp(irArgs("d3", ["-digest", "sha512", "-mac", "hmacWithSHA512"]));
    expect(result.code, result.stderr).toBe(0);
    await mustOpenssl(["verify", "-CAfile", caPem, dir.file("d3.pem")]);
  });

  it("grants implicit confirmation when asked: no certConf, the certificate is confirmed", async () => {
    await makeKey(dir.file("d4.key"));
    const result = await opensslCmp(irArgs("d4", ["-implicit_confirm"]));
    expect(result.code, result.stderr).toBe(0);
    expect(server.logs.map((log) => log.bodyType)).toEqual(["ir"]);
    expect((await certificates())[0]?.status).toBe("confirmed");
  });

  it("records a certificate the client rejects as rejected", async () => {
    await makeKey(dir.file("d5.key"));
    // -out_trusted with an unrelated CA makes the client refuse the new certificate in certConf.
    const other = await makeTestCa("P-256", "CN=Unrelated CA");
    const otherPem = await writeCaPem(other, dir.file("other.pem"));
    const result = await opensslCmp(irArgs("d5", ["-out_trusted", otherPem]));
    expect(result.code).not.toBe(0);
    expect(server.logs.map((log) => [log.bodyType, log.outcome])).toEqual([["ir", "issued"], ["certConf", "rejected"]]);
    expect((await certificates())[0]?.status).toBe("rejected");
  });
});

describe("refusals: the right failInfo, and nothing recorded", () => {
  it("wrong secret: badMessageCheck", async () => {
    await makeKey(dir.file("w1.key"));
    const args = irArgs("w1");
    args[args.indexOf("pass:s3cret")] = "pass:wrong";
    const result = await opensslCmp(args);
    expect(result.code).not.toBe(0);
    expect(lastLog()).toMatchObject({ bodyType: "ir", outcome: "error", failInfo: ["badMessageCheck"] });
    expect(await certificates()).toEqual([]);
  });

  it("unknown reference: signerNotTrusted", async () => {
    await makeKey(dir.file("w2.key"));
    const args = irArgs("w2");
    args[args.indexOf("dev")] = "nobody";
    const result = await opensslCmp(args);
    expect(result.code).not.toBe(0);
    expect(lastLog()).toMatchObject({ outcome: "error", failInfo: ["signerNotTrusted"], senderKID: "nobody" });
    expect(await certificates()).toEqual([]);
  });

  it("a replayed ir: transactionIdInUse, and no second certificate", async () => {
    await makeKey(dir.file("r1.key"));
    expect((await opensslCmp(irArgs("r1"))).code).toBe(0);
    const answer = await server.post(server.requests[0]!);
    expect(answer.status).toBe(200);
    const response = AsnConvert.parse(answer.body, PKIMessage);
    expect(bodyType(response.body)).toBe("error");
    expect(response.body.error!.pKIStatusInfo.failInfo!.toNames()).toEqual(["transactionIdInUse"]);
    // The error to an authenticated sender is MAC-protected.
    expect(response.header.protectionAlg).toBeDefined();
    expect(await certificates()).toHaveLength(1);
  });

  it("a certConf with a wrong certHash: badCertId, the certificate stays unconfirmed", async () => {
    await makeKey(dir.file("h1.key"));
    server.tamper = async (request) => {
      const message = AsnConvert.parse(request, PKIMessage);
      if (bodyType(message.body) !== "certConf") return request;
      return reprotect(request, "s3cret", (m) => {
        const hash = new Uint8Array(m.body.certConf![0]!.certHash);
        hash[0] ^= 0xff;
        m.body.certConf![0]!.certHash = hash.buffer;
      });
    };
    const result = await opensslCmp(irArgs("h1"));
    expect(result.code).not.toBe(0);
    expect(lastLog()).toMatchObject({ bodyType: "certConf", outcome: "error", failInfo: ["badCertId"] });
    expect((await certificates())[0]?.status).toBe("issued");
  });

  it("a broken proof of possession: badPOP", async () => {
    await makeKey(dir.file("p1.key"));
    server.tamper = (request) =>
      reprotect(request, "s3cret", (m) => {
        const signature = new Uint8Array(m.body.ir![0]!.popo!.signature!.signature);
        signature[signature.length - 3] ^= 0x01;
        m.body.ir![0]!.popo!.signature!.signature = signature.buffer;
      });
    const result = await opensslCmp(irArgs("p1"));
    expect(result.code).not.toBe(0);
    expect(lastLog()).toMatchObject({ failInfo: ["badPOP"] });
    expect(await certificates()).toEqual([]);
  });

  it("a messageTime far from the server's clock: badTime", async () => {
    await server.stop();
    server = await startEngineServer({ ca, now: () => new Date(Date.now() + 3_600_000) });
    await makeKey(dir.file("t1.key"));
    const result = await opensslCmp(irArgs("t1"));
    expect(result.code).not.toBe(0);
    expect(lastLog()).toMatchObject({ failInfo: ["badTime"] });
    expect(await certificates()).toEqual([]);
  });

  it("genm is served by default (RFC 9483 §4.3): openssl cmp 3.0's empty genm gets a genp", async () => {
    const result = await opensslCmp(["-cmd", "genm", "-server", server.url, "-ref", "dev", "-secret", "pass:s3cret"]);
    expect(result.code, result.stderr).toBe(0);
    expect(lastLog()).toMatchObject({ bodyType: "genm", responseType: "genp" });
  });

  it("a body type the profile does not serve: badRequest", async () => {
    await server.stop();
    const config = { CMP_SECRETS: JSON.stringify({ dev: "s3cret" }), JELLYFISH_CONFIG: JSON.stringify({ profiles: { default: { bodyTypes: ["ir", "certConf"] } } }) };
    server = await startEngineServer({ ca, config });
    const result = await opensslCmp(["-cmd", "genm", "-server", server.url, "-ref", "dev", "-secret", "pass:s3cret"]);
    expect(result.code).not.toBe(0);
    expect(lastLog()).toMatchObject({ bodyType: "genm", failInfo: ["badRequest"] });
  });

  it("bytes that are not a PKIMessage: HTTP 400 with an unprotected badDataFormat error", async () => {
    const answer = await server.post(new TextEncoder().encode("hello"));
    expect(answer.status).toBe(400);
    const response = AsnConvert.parse(answer.body, PKIMessage);
    expect(response.body.error!.pKIStatusInfo.status).toBe(PKIStatus.rejection);
    expect(response.body.error!.pKIStatusInfo.failInfo!.toNames()).toEqual(["badDataFormat"]);
    expect(response.header.protectionAlg).toBeUndefined();
  });
});
