import { describe, expect, it } from "vitest";
import { FAKE_CA_CHAIN } from "./fake_admin_api.js";
import { useHarness } from "./harness.js";

// `jellyfish cert …` and `jellyfish ca chain`, the built CLI against the fake admin API.

const h = useHarness((api) => {
  api.certificates.length = 0;
  api.options.maxPageSize = undefined;
});

function addCertificates(n: number): void {
  for (let i = 0; i < n; i++) h.api.addCertificate();
}

function listRequests() {
  return h.api.requests.filter((r) => r.path === "/admin/certificates").map((r) => r.query);
}

describe("cert list", () => {
  it("prints an aligned table with a header and a row per certificate", async () => {
    h.api.addCertificate({ entity: "user1", subject: "CN=user1,O=My Organization,C=SE" });
    h.api.addCertificate({ profile: "default", status: "revoked" });
    const r = await h.cli(["cert", "list"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^SERIAL +STATUS +SUBJECT +PROFILE +ENTITY +NOT AFTER$/);
    expect(lines[1]).toMatch(/^4f1a0001 +confirmed +CN=user1,O=My Organization,C=SE +opensslclient +user1 +2027-11-22T10:00:00\.000Z$/);
    expect(lines[2]).toMatch(/^4f1a0002 +revoked +CN=device2 +default +2027-11-22T10:00:00\.000Z$/);
    expect(lines[2]!.indexOf("2027")).toBe(lines[0]!.indexOf("NOT AFTER"));
  });

  it("passes every filter as a query parameter, with the default limit of 100", async () => {
    h.api.addCertificate({ entity: "user1", subject: "CN=User1,O=Org" });
    const r = await h.cli(["cert", "list", "--status", "confirmed", "--profile", "opensslclient", "--entity", "user1", "--subject", "user1"]);
    expect(r.code).toBe(0);
    expect(listRequests()).toEqual([{ status: "confirmed", profile: "opensslclient", entity: "user1", subject: "user1", limit: "100" }]);
    expect(r.stdout).toContain("CN=User1,O=Org");
  });

  it("follows the cursor page by page up to --limit, and says there may be more", async () => {
    h.api.options.maxPageSize = 10;
    addCertificates(25);
    const r = await h.cli(["cert", "list", "--limit", "23"]);
    expect(r.code).toBe(0);
    expect(listRequests()).toEqual([{ limit: "23" }, { limit: "13", cursor: "10" }, { limit: "3", cursor: "20" }]);
    const rows = r.stdout.trimEnd().split("\n").slice(1);
    expect(rows).toHaveLength(23);
    expect(rows[0]).toMatch(/^4f1a0001 /);
    expect(rows[22]).toMatch(/^4f1a0017 /);
    expect(r.stderr).toBe("Showing the first 23; the server may have more (raise --limit).\n");
  });

  it("stops when the server gives no cursor, before the limit", async () => {
    h.api.options.maxPageSize = 10;
    addCertificates(25);
    const r = await h.cli(["cert", "list", "--limit", "1000"]);
    expect(listRequests().map((q) => q.cursor)).toEqual([undefined, "10", "20"]);
    expect(r.stdout.trimEnd().split("\n")).toHaveLength(26);
    expect(r.stderr).toBe("");
  });

  it("--json prints one page of the API's shape, with the cursor to go on from", async () => {
    h.api.options.maxPageSize = 4;
    addCertificates(6);
    const limited = JSON.parse((await h.cli(["cert", "list", "--json", "--limit", "5"])).stdout);
    expect(limited.certificates.map((c: { serial: string }) => c.serial)).toEqual(["4f1a0001", "4f1a0002", "4f1a0003", "4f1a0004", "4f1a0005"]);
    expect(limited.cursor).toBe("5");
    const all = JSON.parse((await h.cli(["cert", "list", "--json"])).stdout);
    expect(all.certificates).toHaveLength(6);
    expect(all.cursor).toBeUndefined();
  });

  it("shows why a revoked certificate was revoked, and marks the ones on hold", async () => {
    h.api.addCertificate({ status: "revoked", revokedAt: "2026-12-01T00:00:00.000Z", revocationReason: 1 });
    h.api.addCertificate({ status: "revoked", revokedAt: "2026-12-01T00:00:00.000Z", revocationReason: 6, statusBeforeHold: "confirmed" });
    h.api.addCertificate();
    const rows = (await h.cli(["cert", "list"])).stdout.trimEnd().split("\n").slice(1);
    expect(rows[0]).toMatch(/^4f1a0001 +revoked \(keyCompromise\) +CN=device1 /);
    expect(rows[1]).toMatch(/^4f1a0002 +on hold +CN=device2 /);
    expect(rows[2]).toMatch(/^4f1a0003 +confirmed +CN=device3 /);
  });

  it("--reason and --revoked-since find revocations: by name or number, the time sent in UTC", async () => {
    h.api.addCertificate({ status: "revoked", revokedAt: "2026-11-20T00:00:00.000Z", revocationReason: 6 });
    h.api.addCertificate({ status: "revoked", revokedAt: "2026-12-02T00:00:00.000Z", revocationReason: 6 });
    h.api.addCertificate({ status: "revoked", revokedAt: "2026-12-02T00:00:00.000Z", revocationReason: 1 });
    const r = await h.cli(["cert", "list", "--reason", "certificateHold", "--revoked-since", "2026-12-01T01:00:00+01:00"]);
    expect(r.code).toBe(0);
    expect(listRequests()).toEqual([{ reason: "6", revokedSince: "2026-12-01T00:00:00.000Z", limit: "100" }]);
    expect(r.stdout.trimEnd().split("\n").slice(1).map((row) => row.split(" ")[0])).toEqual(["4f1a0002"]);
    const byNumber = await h.cli(["cert", "list", "--reason", "1"]);
    expect(byNumber.stdout).toMatch(/^4f1a0003 +revoked \(keyCompromise\)/m);
  });

  it("says so on stderr when nothing matches", async () => {
    const r = await h.cli(["cert", "list", "--status", "revoked"]);
    expect(r).toEqual({ code: 0, stdout: "", stderr: "No certificates match.\n" });
  });
});

describe("cert show", () => {
  it("prints the certificate's fields", async () => {
    h.api.addCertificate({ entity: "user1", status: "revoked", revokedAt: "2026-12-01T00:00:00.000Z", revocationReason: 1 });
    const r = await h.cli(["cert", "show", "4f1a0001"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^serial +4f1a0001$/m);
    expect(r.stdout).toMatch(/^issuer +CN=Jellyfish Development CA$/m);
    expect(r.stdout).toMatch(/^revocation reason +keyCompromise \(1\)$/m);
    expect(r.stdout).not.toContain("BEGIN CERTIFICATE");
  });

  it("--pem prints only the PEM", async () => {
    h.api.addCertificate();
    const r = await h.cli(["cert", "show", "4f1a0001", "--pem"]);
    expect(r).toEqual({ code: 0, stdout: "-----BEGIN CERTIFICATE-----\nMIIB4f1a0001\n-----END CERTIFICATE-----\n", stderr: "" });
  });

  it("--json prints the API's answer, PEM included", async () => {
    h.api.addCertificate();
    const answer = JSON.parse((await h.cli(["cert", "show", "4f1a0001", "--json"])).stdout);
    expect(answer.certificate.serial).toBe("4f1a0001");
    expect(answer.pem).toContain("BEGIN CERTIFICATE");
  });

  it("an unknown serial: the server's 404 reason, exit 1", async () => {
    const r = await h.cli(["cert", "show", "abcdef"]);
    expect(r).toEqual({ code: 1, stdout: "", stderr: "error: no certificate with serial abcdef (HTTP 404)\n" });
  });
});

describe("cert revoke", () => {
  it("takes the reason by name and sends its number", async () => {
    h.api.addCertificate();
    const r = await h.cli(["cert", "revoke", "4f1a0001", "--reason", "keyCompromise"]);
    expect(r.code).toBe(0);
    const request = h.api.requests.at(-1)!;
    expect(request.path).toBe("/admin/certificates/4f1a0001/revoke");
    expect(JSON.parse(request.body)).toEqual({ reason: 1 });
    expect(r.stdout).toContain("Revoked certificate 4f1a0001, reason: keyCompromise (1).");
    expect(r.stdout).toMatch(/^status +revoked$/m);
    expect(r.stdout).toMatch(/^revoked by +admin$/m);
  });

  it("takes the reason by number; none means the API's default", async () => {
    h.api.addCertificate();
    h.api.addCertificate();
    await h.cli(["cert", "revoke", "4f1a0001", "--reason", "5"]);
    expect(JSON.parse(h.api.requests.at(-1)!.body)).toEqual({ reason: 5 });
    const r = await h.cli(["cert", "revoke", "4f1a0002", "--json"]);
    expect(JSON.parse(h.api.requests.at(-1)!.body)).toEqual({});
    expect(JSON.parse(r.stdout).certificate).toMatchObject({ serial: "4f1a0002", status: "revoked", revocationReason: 0 });
  });

  it("an already revoked certificate: the server's 409 reason, exit 1", async () => {
    h.api.addCertificate();
    await h.cli(["cert", "revoke", "4f1a0001"]);
    const r = await h.cli(["cert", "revoke", "4f1a0001", "--reason", "superseded"]);
    expect(r).toEqual({ code: 1, stdout: "", stderr: "error: certificate 4f1a0001 is already revoked (HTTP 409)\n" });
  });

  it("--reason certificateHold puts it on hold and says how to lift it", async () => {
    h.api.addCertificate();
    const r = await h.cli(["cert", "revoke", "4f1a0001", "--reason", "certificateHold"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(h.api.requests.at(-1)!.body)).toEqual({ reason: 6 });
    expect(r.stdout).toContain("Put certificate 4f1a0001 on hold; `jellyfish cert unhold 4f1a0001` lifts it.");
    expect(r.stdout).toMatch(/^status +revoked \(on hold\)$/m);
    expect(r.stdout).toMatch(/^revocation reason +certificateHold \(6\)$/m);
    expect(r.stdout).toMatch(/^status before hold +confirmed$/m);
  });

  it("revoking a held certificate with another reason makes it final", async () => {
    h.api.addCertificate({ status: "revoked", revokedAt: "2026-12-01T00:00:00.000Z", revocationReason: 6, statusBeforeHold: "confirmed" });
    const r = await h.cli(["cert", "revoke", "4f1a0001", "--reason", "keyCompromise"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Revoked certificate 4f1a0001, reason: keyCompromise (1).");
    expect(r.stdout).toMatch(/^status +revoked$/m);
    expect(r.stdout).toMatch(/^revoked +2026-12-01T00:00:00\.000Z$/m);
  });

  it("an unknown reason is a usage error and nothing is sent", async () => {
    h.api.addCertificate();
    for (const reason of ["7", "11", "certificateHold2", "-1", "hold"]) {
      const r = await h.cli(["cert", "revoke", "4f1a0001", `--reason=${reason}`]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("--reason");
    }
    expect(h.api.requests).toEqual([]);
  });
});

describe("cert unhold", () => {
  it("lifts a hold with removeFromCRL (8): the certificate is back in its status before the hold", async () => {
    h.api.addCertificate({ status: "revoked", revokedAt: "2026-12-01T00:00:00.000Z", revocationReason: 6, statusBeforeHold: "confirmed" });
    const r = await h.cli(["cert", "unhold", "4f1a0001"]);
    expect(r.code).toBe(0);
    const request = h.api.requests.at(-1)!;
    expect(request.path).toBe("/admin/certificates/4f1a0001/revoke");
    expect(JSON.parse(request.body)).toEqual({ reason: 8 });
    expect(r.stdout).toContain("Lifted the hold on certificate 4f1a0001; the next CRL no longer lists it.");
    expect(r.stdout).toMatch(/^status +confirmed$/m);
    expect(r.stdout).not.toContain("revocation reason");
  });

  it("--json prints the API's answer", async () => {
    h.api.addCertificate({ status: "revoked", revokedAt: "2026-12-01T00:00:00.000Z", revocationReason: 6, statusBeforeHold: "issued" });
    const r = await h.cli(["cert", "unhold", "4f1a0001", "--json"]);
    expect(JSON.parse(r.stdout).certificate).toMatchObject({ serial: "4f1a0001", status: "issued" });
  });

  it("a certificate not on hold: the server's 409 reason, exit 1", async () => {
    h.api.addCertificate({ status: "revoked", revokedAt: "2026-12-01T00:00:00.000Z", revocationReason: 1 });
    const r = await h.cli(["cert", "unhold", "4f1a0001"]);
    expect(r).toEqual({ code: 1, stdout: "", stderr: "error: not on hold (status revoked); only a certificateHold can be lifted (HTTP 409)\n" });
  });
});

describe("ca chain", () => {
  it("prints the PEM as the server sends it", async () => {
    const r = await h.cli(["ca", "chain"]);
    expect(r).toEqual({ code: 0, stdout: FAKE_CA_CHAIN, stderr: "" });
    expect(h.api.requests.at(-1)!.path).toBe("/admin/ca/chain");
  });

  it('--json wraps it as {"pem": …}', async () => {
    const r = await h.cli(["--json", "ca", "chain"]);
    expect(JSON.parse(r.stdout)).toEqual({ pem: FAKE_CA_CHAIN });
  });
});
