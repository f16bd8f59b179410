import { describe, expect, it } from "vitest";
import { useHarness } from "./harness.js";

// `jellyfish crl …`, the built CLI against the fake admin API.

const h = useHarness((api) => {
  api.certificates.length = 0;
  api.crl = undefined;
  api.crlBaseUrl = undefined;
  api.signerDown = false;
});

describe("crl show", () => {
  it("prints the current CRL's fields", async () => {
    h.api.crlBaseUrl = "https://pki.example.com";
    h.api.addCertificate({ status: "revoked", revokedAt: "2026-12-01T00:00:00.000Z", revocationReason: 1 });
    await h.cli(["crl", "regenerate"]);
    h.api.requests.length = 0;
    const r = await h.cli(["crl", "show"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    expect(h.api.requests.map((q) => `${q.method} ${q.path}`)).toEqual(["GET /admin/crl"]);
    expect(r.stdout).toMatch(/^number +1$/m);
    expect(r.stdout).toMatch(/^this update +2026-11-22T10:00:00\.000Z$/m);
    expect(r.stdout).toMatch(/^next update +2026-11-23T10:00:00\.000Z$/m);
    expect(r.stdout).toMatch(/^entries +1$/m);
    expect(r.stdout).toMatch(/^size +340 bytes$/m);
    expect(r.stdout).toMatch(/^url +https:\/\/pki\.example\.com\/crl\/5c1e[0-9a-f]+\.crl$/m);
    expect(r.stdout).toMatch(/^stale +no$/m);
  });

  it("says when it is stale, and when the server has no public URL for it", async () => {
    h.api.addCertificate();
    await h.cli(["crl", "regenerate"]);
    await h.cli(["cert", "revoke", "4f1a0001"]);
    const r = await h.cli(["crl", "show"]);
    expect(r.stdout).toMatch(/^stale +yes: a revocation since is not on it; the next fetch or `jellyfish crl regenerate` builds one$/m);
    expect(r.stdout).toMatch(/^url +none \(the server has no public base URL: publication\.baseUrl\)$/m);
  });

  it("--json prints the API's answer", async () => {
    await h.cli(["crl", "regenerate"]);
    const r = await h.cli(["crl", "show", "--json"]);
    expect(JSON.parse(r.stdout)).toEqual({ crl: h.api.crl });
  });

  it("before any CRL: the server's 404 reason, exit 1", async () => {
    const r = await h.cli(["crl", "show"]);
    expect(r).toEqual({ code: 1, stdout: "", stderr: "error: no CRL yet: the first fetch of it builds one, or POST /admin/crl (HTTP 404)\n" });
  });

  it("takes no arguments or options of its own", async () => {
    expect((await h.cli(["crl", "show", "now"])).code).toBe(2);
    expect((await h.cli(["crl", "show", "--force"])).code).toBe(2);
    expect((await h.cli(["crl"])).stderr).toContain('"crl" needs a subcommand');
    expect(h.api.requests).toEqual([]);
  });
});

describe("crl regenerate", () => {
  it("signs a new CRL with the next number and prints it", async () => {
    const first = await h.cli(["crl", "regenerate"]);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^Signed CRL number 1, listing 0 certificates\.\n\nnumber +1\n/);
    h.api.addCertificate({ status: "revoked", revokedAt: "2026-12-01T00:00:00.000Z", revocationReason: 6 });
    const second = await h.cli(["crl", "regenerate"]);
    expect(second.stdout).toMatch(/^Signed CRL number 2, listing 1 certificate\.\n/);
    const posts = h.api.requests.filter((q) => q.method === "POST");
    expect(posts.map((q) => [q.path, q.body])).toEqual([
      ["/admin/crl", "{}"],
      ["/admin/crl", "{}"],
    ]);
  });

  it("--json prints the API's answer", async () => {
    const r = await h.cli(["--json", "crl", "regenerate"]);
    expect(JSON.parse(r.stdout).crl).toMatchObject({ number: "1", entries: 0, stale: false });
  });

  it("a signer outage: the server's 503 reason, exit 1", async () => {
    h.api.signerDown = true;
    const r = await h.cli(["crl", "regenerate"]);
    expect(r).toEqual({ code: 1, stdout: "", stderr: "error: the CA's signer is unavailable right now; try again shortly (HTTP 503)\n" });
  });
});
