import { readFile } from "node:fs/promises";
import { AsnConvert } from "@peculiar/asn1-schema";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PKIMessage, bodyType } from "../../src/asn1/index.js";
import type { CertificateRecord } from "../../src/ca/certificate_record.js";
import { CMP_CLIENTS, makeKey, makeCaFiles, makeTempDir, mustOpenssl, opensslCmp, type TempDir } from "../support/openssl.js";
import { reprotect } from "../support/reprotect.js";
import { startTamperProxy } from "../support/tamper_proxy.js";
import { startWorker, type RunningWorker } from "../support/worker.js";

// Issue 2's acceptance: the real `openssl cmp` against the real Worker bundle
// in workerd, state in the Durable Object. Each outcome is checked on both
// sides: the client's exit, the server's log line, and the store. Every
// test runs with both clients, OpenSSL 3.0 and 3.5, each against its own Worker.

const SECRET = "interop-secret";

describe.each(CMP_CLIENTS)("openssl cmp %s", (client) => {
  let dir: TempDir;
  let worker: RunningWorker;
  let endpoint: string;

  beforeAll(async () => {
    dir = await makeTempDir();
    const ca = await makeCaFiles(dir, "/O=Jellyfish/CN=Interop CA");
    worker = await startWorker({
      caKey: ca.keyPem,
      caCert: ca.certPem,
      secrets: { device: SECRET },
    });
    endpoint = `${worker.url}/.well-known/cmp`;
  });

  afterAll(async () => {
    await worker?.stop();
    await dir?.remove();
  });

  async function ir(name: string, extra: string[] = [], server = endpoint, secret = SECRET, reference = "device") {
    await makeKey(dir.file(`${name}.key.pem`));
    return opensslCmp([
      "-cmd", "ir", "-server", server, "-ref", reference, "-secret", `pass:${secret}`,
      "-newkey", dir.file(`${name}.key.pem`), "-subject", `/CN=${name}`,
      "-certout", dir.file(`${name}.pem`), "-cacertsout", dir.file(`${name}-ca.pem`),
      "-msg_timeout", "20", ...extra,
    ], { client });
  }

  async function certificatesOf(subject: string): Promise<CertificateRecord[]> {
    return (await worker.storeList<CertificateRecord>("cert/")).map((e) => e.value).filter((c) => c.subject === subject);
  }

  describe("ir + certConf against the Worker", () => {
    it("enrolls with the default PBM (owf SHA-256, MAC HMAC-SHA1)", async () => {
      const result = await ir("pbm-default", ["-reqout", dir.file("pbm-default-ir.der")]);
      expect(result.code, result.stderr).toBe(0);
      expect(await mustOpenssl(["verify", "-CAfile", dir.file("ca.pem"), dir.file("pbm-default.pem")])).toContain("OK");
      expect(await mustOpenssl(["x509", "-in", dir.file("pbm-default.pem"), "-noout", "-subject"])).toContain("CN = pbm-default");
      expect(await readFile(dir.file("pbm-default-ca.pem"), "utf8")).toBe(await readFile(dir.file("ca.pem"), "utf8"));
      const mac = AsnConvert.parse(await readFile(dir.file("pbm-default-ir.der")), PKIMessage).header.protectionAlg!;
      expect(mac.algorithm).toBe("1.2.840.113533.7.66.13");
      expect(await certificatesOf("CN=pbm-default")).toMatchObject([{ status: "confirmed" }]);
    });

    it("enrolls with -mac hmacWithSHA256 (OpenSSL 3.0's name for HMAC-SHA256)", async () => {
      const result = await ir("pbm-sha256", ["-mac", "hmacWithSHA256"]);
      expect(result.code, result.stderr).toBe(0);
      expect(await mustOpenssl(["verify", "-CAfile", dir.file("ca.pem"), dir.file("pbm-sha256.pem")])).toContain("OK");
      expect(await certificatesOf("CN=pbm-sha256")).toMatchObject([{ status: "confirmed" }]);
    });

    it("grants implicit confirmation: one round trip, confirmed at once", async () => {
      const before = worker.logLines().filter((l) => l.bodyType === "certConf").length;
      const result = await ir("implicit", ["-implicit_confirm"]);
      expect(result.code, result.stderr).toBe(0);
      expect(worker.logLines().filter((l) => l.bodyType === "certConf")).toHaveLength(before);
      expect(await certificatesOf("CN=implicit")).toMatchObject([{ status: "confirmed" }]);
    });
  });

  describe("refusals against the Worker: the right failInfo, nothing recorded", () => {
    it("wrong secret: the client fails, the server answered badMessageCheck", async () => {
      const result = await ir("wrong-secret", [], endpoint, "not-the-secret");
      expect(result.code).not.toBe(0);
      await expect.poll(() => worker.logLines().at(-1)).toMatchObject({ bodyType: "ir", outcome: "error", failInfo: ["badMessageCheck"] });
      expect(await certificatesOf("CN=wrong-secret")).toEqual([]);
    });

    it("unknown reference: signerNotTrusted", async () => {
      const result = await ir("unknown-ref", [], endpoint, SECRET, "stranger");
      expect(result.code).not.toBe(0);
      await expect.poll(() => worker.logLines().at(-1)).toMatchObject({ senderKID: "stranger", failInfo: ["signerNotTrusted"] });
      expect(await certificatesOf("CN=unknown-ref")).toEqual([]);
    });

    it("a replayed ir is rejected with transactionIdInUse", async () => {
      const result = await ir("replayed", ["-reqout", dir.file("replayed-ir.der")]);
      expect(result.code, result.stderr).toBe(0);
      const response = await fetch(endpoint, {
        method: "POST",
        headers: { "content-type": "application/pkixcmp" },
        body: await readFile(dir.file("replayed-ir.der")),
      });
      expect(response.status).toBe(200);
      const answer = AsnConvert.parse(new Uint8Array(await response.arrayBuffer()), PKIMessage);
      expect(bodyType(answer.body)).toBe("error");
      expect(answer.body.error!.pKIStatusInfo.failInfo!.toNames()).toEqual(["transactionIdInUse"]);
      expect(await certificatesOf("CN=replayed")).toHaveLength(1);
    });

    it("a certConf with a wrong certHash is rejected and the certificate stays unconfirmed", async () => {
      const proxy = await startTamperProxy(endpoint, async (request) => {
        if (bodyType(AsnConvert.parse(request, PKIMessage).body) !== "certConf") return request;
        return reprotect(request, SECRET, (message) => {
          const hash = new Uint8Array(message.body.certConf![0]!.certHash);
          hash[hash.length - 1] ^= 0x01;
          message.body.certConf![0]!.certHash = hash.buffer;
        });
      });
      try {
        const result = await ir("bad-hash", [], proxy.url);
        expect(result.code).not.toBe(0);
      } finally {
        await proxy.stop();
      }
      await expect.poll(() => worker.logLines().at(-1)).toMatchObject({ bodyType: "certConf", outcome: "error", failInfo: ["badCertId"] });
      expect(await certificatesOf("CN=bad-hash")).toMatchObject([{ status: "issued" }]);
    });
  });
});
