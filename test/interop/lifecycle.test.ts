import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CertificateRecord } from "../../src/ca/certificate_record.js";
import { CMP_CLIENTS, makeCsr, makeTempDir, mustOpenssl, type TempDir } from "../support/openssl.js";
import { cmpDevice, serialOf, type CmpDevice } from "../support/cmp_device.js";
import { opensslCa, type OpensslCa } from "../support/openssl_ca.js";
import { startWorker, type RunningWorker } from "../support/worker.js";

// Issue 3's acceptance: a certificate's whole life (cr, kur, p10cr, rr) with
// the real `openssl cmp` against the real Worker in workerd. Each refusal is
// checked in the server's log (the failInfo) and in the store (nothing changed).
// Every test runs with both clients, OpenSSL 3.0 and 3.5, each against its own Worker.

describe.each(CMP_CLIENTS)("openssl cmp %s", (client) => {
  let dir: TempDir;
  let ca: OpensslCa;
  let other: OpensslCa;
  let worker: RunningWorker;
  let base: string;
  let device: CmpDevice | undefined;
  const devices = () => (device ??= cmpDevice({ dir, endpoint: () => base, reference: "device", secret: "device-secret", client }));
  const cmp = (args: readonly string[], profile?: string) => devices().cmp(args, profile);
  const newKey = (name: string) => devices().newKey(name);
  const enroll = (name: string, profile?: string) => devices().enroll(name, profile);

  beforeAll(async () => {
    dir = await makeTempDir();
    ca = await opensslCa(dir.path, { name: "ca", subject: "/O=Jellyfish/CN=Lifecycle CA" });
    other = await opensslCa(dir.path, { name: "other", subject: "/O=Elsewhere/CN=Unrelated CA" });
    worker = await startWorker({
      caKey: await readFile(ca.keyPath, "utf8"),
      caCert: await readFile(ca.certPath, "utf8"),
      secrets: { device: "device-secret", ra: "ra-secret" },
      config: {
        profiles: {
          default: {},
          ra: { ra: { macReferences: ["ra"] } },
          device: { keyUpdate: { revokeOldCertificate: true } },
          signed: { responseProtection: "signature" },
        },
      },
    });
    base = `${worker.url}/.well-known/cmp`;
  });

  afterAll(async () => {
    await worker?.stop();
    await dir?.remove();
  });

  async function recordOf(cert: string): Promise<CertificateRecord | undefined> {
    const serialHex = await serialOf(cert);
    return (await worker.storeList<CertificateRecord>(`cert/${serialHex}`))[0]?.value;
  }

  async function records(): Promise<CertificateRecord[]> {
    return (await worker.storeList<CertificateRecord>("cert/")).map((entry) => entry.value);
  }

  async function subjectOf(cert: string): Promise<string> {
    return (await mustOpenssl(["x509", "-in", cert, "-noout", "-subject"])).trim();
  }

  describe("renewal, re-keying, PKCS #10 and revocation", () => {
    it("cr signed with a certificate this CA issued; the signed answer verifies with -trusted", async () => {
      const device = await enroll("cr-device");
      const newKeyPath = await newKey("cr-new");
      const out = dir.file("cr-new.pem");
      const result = await cmp(["-cmd", "cr", "-cert", device.cert, "-key", device.key, "-newkey", newKeyPath, "-subject", "/CN=cr-device", "-trusted", ca.certPath, "-certout", out]);
      expect(result.code, result.stderr).toBe(0);
      expect(await mustOpenssl(["verify", "-CAfile", ca.certPath, out])).toContain("OK");
      expect(await recordOf(out)).toMatchObject({ status: "confirmed", subject: "CN=cr-device" });
    });

    it("cr whose signed answer the client pins with -srvcert", async () => {
      const device = await enroll("srvcert-device");
      const result = await cmp(["-cmd", "cr", "-cert", device.cert, "-key", device.key, "-newkey", await newKey("srvcert-new"), "-subject", "/CN=srvcert-device", "-srvcert", ca.certPath, "-certout", dir.file("srvcert-new.pem")]);
      expect(result.code, result.stderr).toBe(0);
    });

    it("a profile that signs every answer: ir with a MAC gets a signed ip", async () => {
      const key = await newKey("signed");
      const result = await cmp(["-cmd", "ir", "-ref", "device", "-secret", "pass:device-secret", "-trusted", ca.certPath, "-newkey", key, "-subject", "/CN=signed", "-certout", dir.file("signed.pem")], "signed");
      expect(result.code, result.stderr).toBe(0);
    });

    it("kur with -cert -key -newkey keeps the subject and certifies the new key", async () => {
      const device = await enroll("kur-device");
      const fresh = await newKey("kur-new");
      const out = dir.file("kur-new.pem");
      const result = await cmp(["-cmd", "kur", "-cert", device.cert, "-key", device.key, "-newkey", fresh, "-trusted", ca.certPath, "-certout", out]);
      expect(result.code, result.stderr).toBe(0);
      expect(await subjectOf(out)).toBe(await subjectOf(device.cert));
      expect(await mustOpenssl(["x509", "-in", out, "-noout", "-pubkey"])).toBe(await mustOpenssl(["pkey", "-in", fresh, "-pubout"]));
      expect(await recordOf(out)).toMatchObject({ status: "confirmed", supersedes: await serialOf(device.cert) });
      expect(await recordOf(device.cert)).toMatchObject({ status: "confirmed" });
    });

    it("p10cr with a MAC and with a signature", async () => {
      const key = await newKey("p10");
      const csr = await makeCsr(dir.file("p10.csr"), key, "/CN=p10-device");
      const viaMac = await cmp(["-cmd", "p10cr", "-ref", "device", "-secret", "pass:device-secret", "-csr", csr, "-certout", dir.file("p10-mac.pem")]);
      expect(viaMac.code, viaMac.stderr).toBe(0);
      expect(await recordOf(dir.file("p10-mac.pem"))).toMatchObject({ status: "confirmed", subject: "CN=p10-device" });

      const device = await enroll("p10-signer");
      const viaSignature = await cmp(["-cmd", "p10cr", "-cert", device.cert, "-key", device.key, "-csr", csr, "-trusted", ca.certPath, "-certout", dir.file("p10-sig.pem")]);
      expect(viaSignature.code, viaSignature.stderr).toBe(0);
      expect(await mustOpenssl(["verify", "-CAfile", ca.certPath, dir.file("p10-sig.pem")])).toContain("OK");
    });

    it("rr signed with the certificate itself", async () => {
      const device = await enroll("rr-self");
      const result = await cmp(["-cmd", "rr", "-oldcert", device.cert, "-cert", device.cert, "-key", device.key, "-trusted", ca.certPath, "-revreason", "5"]);
      expect(result.code, result.stderr).toBe(0);
      expect(await recordOf(device.cert)).toMatchObject({ status: "revoked", revocationReason: 5 });
    });

    it("rr by an RA authenticated with a MAC", async () => {
      const device = await enroll("rr-by-ra");
      const result = await cmp(["-cmd", "rr", "-oldcert", device.cert, "-ref", "ra", "-secret", "pass:ra-secret"], "ra");
      expect(result.code, result.stderr).toBe(0);
      expect(await recordOf(device.cert)).toMatchObject({ status: "revoked", revocationReason: 0 });
    });
  });

  describe("a device's whole life", () => {
    it("ir with a MAC, kur twice with the previous certificate, then rr of the last one", async () => {
      const first = await enroll("life", "device");
      let current = first;
      const history = [first];
      for (const step of [1, 2]) {
        const key = await newKey(`life-${step}`);
        const cert = dir.file(`life-${step}.pem`);
        const result = await cmp(["-cmd", "kur", "-cert", current.cert, "-key", current.key, "-newkey", key, "-trusted", ca.certPath, "-certout", cert], "device");
        expect(result.code, result.stderr).toBe(0);
        current = { key, cert };
        history.push(current);
      }
      const revoked = await cmp(["-cmd", "rr", "-oldcert", current.cert, "-cert", current.cert, "-key", current.key, "-trusted", ca.certPath, "-revreason", "1"], "device");
      expect(revoked.code, revoked.stderr).toBe(0);

      const states = await Promise.all(history.map((credential) => recordOf(credential.cert)));
      // The profile retires a certificate once its successor is confirmed (reason superseded, 4).
      expect(states.map((r) => [r?.status, r?.revocationReason])).toEqual([["revoked", 4], ["revoked", 4], ["revoked", 1]]);
      expect(states.map((r) => r?.subject)).toEqual(["CN=life", "CN=life", "CN=life"]);
      expect(states[1]?.supersedes).toBe(states[0]?.serial);
      expect(states[2]?.supersedes).toBe(states[1]?.serial);
    });
  });

  describe("refusals: the right failure and no state change", () => {
    async function refused(args: string[], failInfo: string, profile?: string) {
      const before = await records();
      const logged = worker.logLines().length;
      const result = await cmp(args, profile);
      expect(result.code).not.toBe(0);
      // The request's own log line, not an earlier one with the same failInfo.
      await expect.poll(() => worker.logLines().slice(logged)).toContainEqual(expect.objectContaining({ failInfo: [failInfo] }));
      expect(await records()).toEqual(before);
      return result;
    }

    it("an expired certificate: signerNotTrusted", async () => {
      const key = await newKey("expired");
      const cert = await ca.issue("expired", { subject: "/CN=expired", keyPath: key, start: "20200101000000Z", end: "20210101000000Z" });
      await refused(["-cmd", "cr", "-cert", cert, "-key", key, "-newkey", await newKey("x"), "-subject", "/CN=expired", "-trusted", ca.certPath, "-certout", dir.file("x.pem")], "signerNotTrusted");
    });

    it("a certificate from an untrusted CA: signerNotTrusted", async () => {
      const key = await newKey("foreign");
      const cert = await other.issue("foreign", { subject: "/CN=foreign", keyPath: key });
      await refused(["-cmd", "cr", "-cert", cert, "-key", key, "-newkey", await newKey("x"), "-subject", "/CN=foreign", "-trusted", ca.certPath, "-certout", dir.file("x.pem")], "signerNotTrusted");
    });

    it("a revoked certificate trying cr and kur: certRevoked", async () => {
      const device = await enroll("revoked");
      expect((await cmp(["-cmd", "rr", "-oldcert", device.cert, "-cert", device.cert, "-key", device.key, "-trusted", ca.certPath])).code).toBe(0);
      await refused(["-cmd", "cr", "-cert", device.cert, "-key", device.key, "-newkey", await newKey("x"), "-subject", "/CN=revoked", "-trusted", ca.certPath, "-certout", dir.file("x.pem")], "certRevoked");
      await refused(["-cmd", "kur", "-cert", device.cert, "-key", device.key, "-newkey", await newKey("x"), "-trusted", ca.certPath, "-certout", dir.file("x.pem")], "certRevoked");
    });

    it("kur reusing the old key: badCertTemplate", async () => {
      const device = await enroll("reuse");
      await refused(["-cmd", "kur", "-cert", device.cert, "-key", device.key, "-newkey", device.key, "-trusted", ca.certPath, "-certout", dir.file("x.pem")], "badCertTemplate");
    });

    it("kur whose oldCertID names another certificate: badCertId", async () => {
      const device = await enroll("oldcertid");
      const another = await enroll("oldcertid-other");
      await refused(["-cmd", "kur", "-cert", device.cert, "-key", device.key, "-oldcert", another.cert, "-newkey", await newKey("x"), "-trusted", ca.certPath, "-certout", dir.file("x.pem")], "badCertId");
    });

    it("a proof of possession by another key: badPOP", async () => {
      // A CSR signed by one key but sent with -newkey of another cannot happen with
      // openssl; the CSR's signature check is the same: a CSR for a key whose
      // signature does not verify. Make one by swapping the public key.
      const key = await newKey("pop");
      const otherKey = await newKey("pop-other");
      const csr = await makeCsr(dir.file("pop.csr"), key, "/CN=pop");
      const der = await mustOpenssl(["req", "-in", csr, "-outform", "DER", "-out", dir.file("pop.csr.der")]).then(() => readFile(dir.file("pop.csr.der")));
      const otherSpki = new Uint8Array(await readFile(await mustOpenssl(["pkey", "-in", otherKey, "-pubout", "-outform", "DER", "-out", dir.file("pop-other.spki")]).then(() => dir.file("pop-other.spki"))));
      const ownSpki = new Uint8Array(await readFile(await mustOpenssl(["pkey", "-in", key, "-pubout", "-outform", "DER", "-out", dir.file("pop.spki")]).then(() => dir.file("pop.spki"))));
      const at = Buffer.from(der).indexOf(Buffer.from(ownSpki));
      expect(at).toBeGreaterThan(0);
      const forged = Buffer.from(der);
      Buffer.from(otherSpki).copy(forged, at);
      await import("node:fs/promises").then((fs) => fs.writeFile(dir.file("pop-forged.csr"), forged));
      await refused(["-cmd", "p10cr", "-ref", "device", "-secret", "pass:device-secret", "-csr", dir.file("pop-forged.csr"), "-certout", dir.file("x.pem")], "badPOP");
    });

    it("a SHA-1 signature: badAlg", async () => {
      const device = await enroll("sha1");
      await refused(["-cmd", "cr", "-cert", device.cert, "-key", device.key, "-digest", "sha1", "-newkey", await newKey("x"), "-subject", "/CN=sha1", "-trusted", ca.certPath, "-certout", dir.file("x.pem")], "badAlg");
    });

    it("rr of a serial this CA never recorded: badCertId", async () => {
      const key = await newKey("unrecorded");
      const cert = await ca.issue("unrecorded", { subject: "/CN=unrecorded", keyPath: key });
      await refused(["-cmd", "rr", "-oldcert", cert, "-ref", "ra", "-secret", "pass:ra-secret"], "badCertId", "ra");
    });

    it("rr of a certificate already revoked: certRevoked, the first revocation stands", async () => {
      const device = await enroll("twice");
      expect((await cmp(["-cmd", "rr", "-oldcert", device.cert, "-ref", "ra", "-secret", "pass:ra-secret", "-revreason", "1"], "ra")).code).toBe(0);
      const first = await recordOf(device.cert);
      await refused(["-cmd", "rr", "-oldcert", device.cert, "-ref", "ra", "-secret", "pass:ra-secret", "-revreason", "5"], "certRevoked", "ra");
      expect(await recordOf(device.cert)).toEqual(first);
    });

    it("rr signed by an unrelated certificate: notAuthorized", async () => {
      const victim = await enroll("victim");
      const stranger = await enroll("stranger");
      await refused(["-cmd", "rr", "-oldcert", victim.cert, "-cert", stranger.cert, "-key", stranger.key, "-trusted", ca.certPath], "notAuthorized");
      expect(await recordOf(victim.cert)).toMatchObject({ status: "confirmed" });
    });
  });
});
