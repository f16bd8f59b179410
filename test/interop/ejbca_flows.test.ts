import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CertificateRecord } from "../../src/ca/certificate_record.js";
import { serialOf } from "../support/cmp_device.js";
import { CMP_CLIENTS, makeKey, makeTempDir, mustOpenssl, opensslCmp, type TempDir } from "../support/openssl.js";
import { opensslCa, type OpensslCa } from "../support/openssl_ca.js";
import { startWorker, type RunningWorker } from "../support/worker.js";

// The command lines of EJBCA's CMP operations guide (seeds/001), each as its
// own test with the same flags; only server, path, subject and secret are
// adapted. The EJBCA aliases are Jellyfish profiles served at the same paths
// (README: "Moving from EJBCA"). Every test runs with both clients, OpenSSL
// 3.0 and 3.5, each against its own Worker.

const ADMIN_TOKEN = randomBytes(24).toString("base64url");
const CONFIG = {
  profiles: {
    // "CMP Operational Mode: RA Mode, Authentication Module: HMAC, Parameters: password"
    opensslra: { mode: "ra", macSecret: "env:RA_PASSWORD", paths: ["/ejbca/publicweb/cmp/opensslra"] },
    cmpra: { mode: "ra", macSecret: "env:RA_PASSWORD", paths: ["/ejbca/publicweb/cmp/cmpra"] },
    // Client mode, "Extract Username Component: CN": "Authentication Module:
    // HMAC" with the end entity's password only ...
    opensslclient: { mode: "client", username: "CN", signature: { trustThisCa: false }, paths: ["/ejbca/publicweb/cmp/opensslclient"] },
    // ... and "EndEntityCertificate" (parameter ManagementCA) only. One end
    // entity, registered for both, uses both (README: "Moving from EJBCA").
    openssleec: { mode: "client", username: "CN", enrollmentCodes: false, paths: ["/ejbca/publicweb/cmp/openssleec"] },
    // The default alias "cmp" of the device flow.
    cmp: { mode: "client", paths: ["/ejbca/publicweb/cmp"] },
    // Serves enrollment only: anything else is badRequest.
    enrollonly: { mode: "client", bodyTypes: ["ir", "certConf"] },
  },
};

describe.each(CMP_CLIENTS)("openssl cmp %s", (client) => {
  let dir: TempDir;
  let ca: OpensslCa;
  let worker: RunningWorker;
  let server: string;

  beforeAll(async () => {
    dir = await makeTempDir();
    ca = await opensslCa(dir.path, { name: "ManagementCA", subject: "/CN=ManagementCA/O=EJBCA Sample/C=SE" });
    worker = await startWorker({
      caKey: await readFile(ca.keyPath, "utf8"),
      caCert: await readFile(ca.certPath, "utf8"),
      config: CONFIG,
      vars: { RA_PASSWORD: "password", ADMIN_TOKEN, ENROLLMENT_CODE_KEY: randomBytes(32).toString("base64") },
    });
    server = worker.url.replace(/^http:\/\//, "");
  });

  afterAll(async () => {
    await worker?.stop();
    await dir?.remove();
  });

  /** `openssl cmp` with EJBCA's -server host:port -path form. */
  function cmp(args: string[]) {
    return opensslCmp(["-server", server, "-msg_timeout", "20", ...args], { client });
  }

  async function admin(method: string, path: string, body?: object, token = ADMIN_TOKEN) {
    const response = await fetch(`${worker.url}/admin${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  }

  async function register(username: string, subject: string, profiles: string | string[], enrollmentCode: string) {
    const which = typeof profiles === "string" ? { profile: profiles } : { profiles };
    const answer = await admin("POST", "/entities", { username, subject, ...which, enrollmentCode });
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    return answer.body;
  }

  async function recordOf(cert: string): Promise<CertificateRecord | undefined> {
    return (await worker.storeList<CertificateRecord>(`cert/${await serialOf(cert)}`))[0]?.value;
  }

  function f(name: string) {
    return dir.file(name);
  }

  describe("EJBCA's CMP operations guide, line by line", () => {
    it("Enrolling in RA Mode: -ref NewUser -secret pass:password", async () => {
      await makeKey(f("key1.pem"), "RSA-2048");
      const result = await cmp(["-cmd", "ir", "-path", "ejbca/publicweb/cmp/opensslra", "-srvcert", ca.certPath, "-ref", "NewUser", "-secret", "pass:password",
        "-certout", f("clcert1.pem"), "-newkey", f("key1.pem"), "-subject", "/CN=NewUser/O=My Organization/C=SE"]);
      expect(result.code, result.stdout + result.stderr).toBe(0);
      expect(await mustOpenssl(["verify", "-CAfile", ca.certPath, f("clcert1.pem")])).toContain("OK");
      expect(await mustOpenssl(["x509", "-in", f("clcert1.pem"), "-noout", "-subject"])).toContain("CN = NewUser, O = My Organization, C = SE");
      expect(await recordOf(f("clcert1.pem"))).toMatchObject({ status: "confirmed", profile: "opensslra" });
    });

    it("Revoking a Certificate in RA Mode: -oldcert ./clcert1.pem -secret pass:password -ref ffaabb", async () => {
      const result = await cmp(["-cmd", "rr", "-path", "ejbca/publicweb/cmp/cmpra", "-srvcert", ca.certPath, "-oldcert", f("clcert1.pem"),
        "-secret", "pass:password", "-ref", "ffaabb"]);
      expect(result.code, result.stdout + result.stderr).toBe(0);
      expect(await recordOf(f("clcert1.pem"))).toMatchObject({ status: "revoked" });
    });

    it("Enrolling in Client Mode with HMAC Password Authentication: a registered user1 whose subject must match", async () => {
      // bin/ejbca.sh ra addendentity user1 --password password "CN=user1,O=My Organization,C=SE" ...
      // Registered once for both aliases of the guide: opensslclient (HMAC) and openssleec (its certificate).
      await register("user1", "CN=user1,O=My Organization,C=SE", ["opensslclient", "openssleec"], "password");
      await makeKey(f("key.pem"), "RSA-2048");
      const result = await cmp(["-cmd", "ir", "-path", "ejbca/publicweb/cmp/opensslclient", "-srvcert", ca.certPath, "-ref", "user1", "-secret", "pass:password",
        "-certout", f("clcert.pem"), "-newkey", f("key.pem"), "-subject", "/CN=user1/O=My Organization/C=SE"]);
      expect(result.code, result.stdout + result.stderr).toBe(0);
      expect(await recordOf(f("clcert.pem"))).toMatchObject({ status: "confirmed", entity: "user1" });
      expect((await admin("GET", "/entities/user1")).body.entity).toMatchObject({ status: "issued", hasEnrollmentCode: false });
    });

    it("Enrolling in Client Mode, Client Certificate Authentication: ir and cr with -cert clcert.pem -key key.pem", async () => {
      // bin/ejbca.sh ra setclearpwd user1 password; ra setendentitystatus user1 10
      expect((await admin("POST", "/entities/user1/reset", { enrollmentCode: "password" })).status).toBe(200);
      await makeKey(f("key1-eec.pem"), "RSA-2048");
      const ir = await cmp(["-cmd", "ir", "-path", "ejbca/publicweb/cmp/openssleec", "-srvcert", ca.certPath, "-cert", f("clcert.pem"), "-key", f("key.pem"),
        "-certout", f("clcert1-eec.pem"), "-newkey", f("key1-eec.pem"), "-subject", "/CN=user1/O=My Organization/C=SE"]);
      expect(ir.code, ir.stdout + ir.stderr).toBe(0);
      expect(await recordOf(f("clcert1-eec.pem"))).toMatchObject({ status: "confirmed", entity: "user1" });

      // "You can also use a 'cr' instead of an 'ir'" (after setendentitystatus user1 10)
      expect((await admin("POST", "/entities/user1/reset", {})).status).toBe(200);
      await makeKey(f("key1-cr.pem"), "RSA-2048");
      const cr = await cmp(["-cmd", "cr", "-path", "ejbca/publicweb/cmp/openssleec", "-srvcert", ca.certPath, "-cert", f("clcert.pem"), "-key", f("key.pem"),
        "-certout", f("clcert1-cr.pem"), "-newkey", f("key1-cr.pem"), "-subject", "/CN=user1/O=My Organization/C=SE"]);
      expect(cr.code, cr.stdout + cr.stderr).toBe(0);
      expect((await admin("GET", "/entities/user1")).body.entity.certificates).toHaveLength(3);
    });

    it("Enrolling Device with HMAC password: ir with a one-time code, then kur with the old key and certificate", async () => {
      await register("cmptest", "CN=cmptest", "cmp", "CMP-pwd");
      await makeKey(f("cl_key.pem"), "RSA-2048");
      const ir = await cmp(["-cmd", "ir", "-path", "ejbca/publicweb/cmp", "-srvcert", ca.certPath, "-ref", "cmptest", "-secret", "pass:CMP-pwd",
        "-newkey", f("cl_key.pem"), "-certout", f("cl_cert.pem"), "-subject", "/CN=cmptest"]);
      expect(ir.code, ir.stdout + ir.stderr).toBe(0);

      await makeKey(f("cl_new_key.pem"), "RSA-2048");
      const kur = await cmp(["-cmd", "kur", "-path", "ejbca/publicweb/cmp", "-srvcert", ca.certPath, "-key", f("cl_key.pem"), "-cert", f("cl_cert.pem"),
        "-newkey", f("cl_new_key.pem"), "-certout", f("cl_new_cert.pem")]);
      expect(kur.code, kur.stdout + kur.stderr).toBe(0);
      expect(await mustOpenssl(["x509", "-in", f("cl_new_cert.pem"), "-noout", "-subject"])).toContain("CN = cmptest");
      const entity = (await admin("GET", "/entities/cmptest")).body.entity;
      expect(entity.certificates).toEqual([await serialOf(f("cl_cert.pem")), await serialOf(f("cl_new_cert.pem"))]);
    });
  });

  describe("opensslclient → openssleec: one registration, the password once, then the certificate", () => {
    const SUBJECT = "/CN=user2/O=My Organization/C=SE";

    it("ir with the password on opensslclient, then cr and kur with -cert/-key on openssleec, no reset in between", async () => {
      await register("user2", "CN=user2,O=My Organization,C=SE", ["opensslclient", "openssleec"], "password2");
      await makeKey(f("u2-key.pem"), "RSA-2048");
      const ir = await cmp(["-cmd", "ir", "-path", "ejbca/publicweb/cmp/opensslclient", "-srvcert", ca.certPath, "-ref", "user2", "-secret", "pass:password2",
        "-certout", f("u2-clcert.pem"), "-newkey", f("u2-key.pem"), "-subject", SUBJECT]);
      expect(ir.code, ir.stdout + ir.stderr).toBe(0);
      expect((await admin("GET", "/entities/user2")).body.entity).toMatchObject({ status: "issued", hasEnrollmentCode: false });

      await makeKey(f("u2-key1.pem"), "RSA-2048");
      const cr = await cmp(["-cmd", "cr", "-path", "ejbca/publicweb/cmp/openssleec", "-srvcert", ca.certPath, "-cert", f("u2-clcert.pem"), "-key", f("u2-key.pem"),
        "-certout", f("u2-clcert1.pem"), "-newkey", f("u2-key1.pem"), "-subject", SUBJECT]);
      expect(cr.code, cr.stdout + cr.stderr).toBe(0);
      expect(await recordOf(f("u2-clcert1.pem"))).toMatchObject({ status: "confirmed", entity: "user2", profile: "openssleec" });

      await makeKey(f("u2-key2.pem"), "RSA-2048");
      const kur = await cmp(["-cmd", "kur", "-path", "ejbca/publicweb/cmp/openssleec", "-srvcert", ca.certPath, "-key", f("u2-key1.pem"), "-cert", f("u2-clcert1.pem"),
        "-newkey", f("u2-key2.pem"), "-certout", f("u2-clcert2.pem")]);
      expect(kur.code, kur.stdout + kur.stderr).toBe(0);
      expect(await mustOpenssl(["verify", "-CAfile", ca.certPath, f("u2-clcert2.pem")])).toContain("OK");
      const serials = await Promise.all(["u2-clcert.pem", "u2-clcert1.pem", "u2-clcert2.pem"].map((name) => serialOf(f(name))));
      expect((await admin("GET", "/entities/user2")).body.entity).toMatchObject({ status: "issued", certificates: serials });

      // The password was used up by the ir, on every alias.
      await makeKey(f("u2-key3.pem"), "RSA-2048");
      const again = await cmp(["-cmd", "ir", "-path", "ejbca/publicweb/cmp/opensslclient", "-srvcert", ca.certPath, "-ref", "user2", "-secret", "pass:password2",
        "-certout", f("u2-x.pem"), "-newkey", f("u2-key3.pem"), "-subject", SUBJECT]);
      expect(again.code).not.toBe(0);
      expect(again.stdout + again.stderr).toMatch(/notAuthorized/);
    });
  });

  describe("refusals", () => {
    async function refused(args: string[], failInfo: string) {
      const logged = worker.logLines().length;
      const before = await worker.storeList("");
      const result = await cmp(args);
      expect(result.code).not.toBe(0);
      await expect.poll(() => worker.logLines().slice(logged)).toContainEqual(expect.objectContaining({ failInfo: [failInfo] }));
      expect(await worker.storeList("")).toEqual(before);
    }

    it("a reused enrollment code: notAuthorized", async () => {
      await register("once", "CN=once", "cmp", "once-only-code");
      await makeKey(f("once.pem"));
      const args = ["-cmd", "ir", "-path", "ejbca/publicweb/cmp", "-ref", "once", "-secret", "pass:once-only-code", "-newkey", f("once.pem"), "-subject", "/CN=once", "-certout", f("once-cert.pem")];
      expect((await cmp(args)).code).toBe(0);
      await refused(args, "notAuthorized");
    });

    it("cr on openssleec by an entity registered for opensslclient only: notAuthorized", async () => {
      await register("user4", "CN=user4,O=My Organization,C=SE", "opensslclient", "user4-code");
      await makeKey(f("u4-key.pem"));
      const ir = await cmp(["-cmd", "ir", "-path", "ejbca/publicweb/cmp/opensslclient", "-srvcert", ca.certPath, "-ref", "user4", "-secret", "pass:user4-code",
        "-certout", f("u4-clcert.pem"), "-newkey", f("u4-key.pem"), "-subject", "/CN=user4/O=My Organization/C=SE"]);
      expect(ir.code, ir.stdout + ir.stderr).toBe(0);
      await makeKey(f("u4-key1.pem"));
      for (const command of ["cr", "kur"]) {
        await refused(["-cmd", command, "-path", "ejbca/publicweb/cmp/openssleec", "-srvcert", ca.certPath, "-cert", f("u4-clcert.pem"), "-key", f("u4-key.pem"),
          "-certout", f("u4-x.pem"), "-newkey", f("u4-key1.pem"), ...(command === "cr" ? ["-subject", "/CN=user4/O=My Organization/C=SE"] : [])], "notAuthorized");
      }
      expect((await admin("GET", "/entities/user4")).body.entity.certificates).toHaveLength(1);
    });

    it("a subject that does not match the registration: badCertTemplate", async () => {
      await register("user3", "CN=user3,O=My Organization,C=SE", "cmp", "user3-code");
      await makeKey(f("user3.pem"));
      await refused(["-cmd", "ir", "-path", "ejbca/publicweb/cmp", "-ref", "user3", "-secret", "pass:user3-code", "-newkey", f("user3.pem"),
        "-subject", "/CN=user3/O=Another Organization/C=SE", "-certout", f("x.pem")], "badCertTemplate");
      expect((await admin("GET", "/entities/user3")).body.entity).toMatchObject({ status: "new", hasEnrollmentCode: true });
    });

    it("a body type the profile does not serve: badRequest", async () => {
      await register("p10user", "CN=p10user", "enrollonly", "p10-code");
      await makeKey(f("p10.pem"));
      await mustOpenssl(["req", "-new", "-key", f("p10.pem"), "-subj", "/CN=p10user", "-out", f("p10.csr")]);
      await refused(["-cmd", "p10cr", "-path", ".well-known/cmp/p/enrollonly", "-ref", "p10user", "-secret", "pass:p10-code", "-csr", f("p10.csr"), "-certout", f("x.pem")], "badRequest");
    });

    it("an unknown profile path: HTTP 404", async () => {
      for (const path of ["/.well-known/cmp/p/no-such-profile", "/ejbca/publicweb/cmp/no-such-alias"]) {
        const response = await fetch(`${worker.url}${path}`, { method: "POST", headers: { "content-type": "application/pkixcmp" }, body: new Uint8Array([0x30, 0]) });
        expect(response.status, path).toBe(404);
      }
    });

    it("a bad admin token: 401, and nothing changes", async () => {
      const before = await worker.storeList("");
      for (const token of ["", "wrong", `${ADMIN_TOKEN}x`]) {
        const answer = await admin("POST", "/entities", { username: "mallory", subject: "CN=mallory", profile: "cmp" }, token);
        expect(answer.status).toBe(401);
        expect((await admin("POST", "/certificates/00/revoke", {}, token)).status).toBe(401);
      }
      expect(await worker.storeList("")).toEqual(before);
    });
  });

  describe("race", () => {
    it("50 concurrent ir with one enrollment code on the Durable Object store: exactly one certificate", { timeout: 120_000 }, async () => {
      await register("racer", "CN=racer", "cmp", "one-code-for-all");
      const logged = worker.logLines().length;
      const results = await Promise.all(
        Array.from({ length: 50 }, async (_, i) => {
          const key = await makeKey(f(`racer-${i}.pem`));
          return cmp(["-cmd", "ir", "-path", "ejbca/publicweb/cmp", "-ref", "racer", "-secret", "pass:one-code-for-all", "-newkey", key,
            "-subject", "/CN=racer", "-certout", f(`racer-${i}-cert.pem`), "-msg_timeout", "60"]);
        }),
      );
      expect(results.filter((r) => r.code === 0)).toHaveLength(1);
      const certificates = (await worker.storeList<CertificateRecord>("cert/")).filter((e) => e.value.entity === "racer");
      expect(certificates).toHaveLength(1);
      const refusals = worker.logLines().slice(logged).filter((line) => line.bodyType === "ir" && line.outcome === "rejected");
      expect(refusals).toHaveLength(49);
      for (const line of refusals) expect(line.failInfo).toEqual(["notAuthorized"]);
      for (const result of results.filter((r) => r.code !== 0)) expect(result.stdout + result.stderr).toMatch(/notAuthorized|rejection/);
    });
  });
});
