import { describe, expect, it } from "vitest";
import { buildWorkerBundle, startWorker } from "../support/worker.js";

// The Worker bundle wrangler builds (the one the interop tests run) has no
// asn1js: wrangler.toml aliases it to src/runtime/asn1js_absent.ts, whose
// error text is in the bundle, and none of asn1js's own error texts are.
// That every interop test passes on this bundle shows nothing calls it.

describe("the Worker bundle", () => {
  it("holds the asn1js stand-in and no asn1js", async () => {
    const { contents } = await buildWorkerBundle();
    expect(contents).toContain("asn1js is not in the Worker bundle");
    for (const text of ["End of input reached before message was fully decoded", "Wrong input string for conversion", "Maximum ASN.1"]) {
      expect(contents, text).not.toContain(text);
    }
  }, 120_000);

  it("starts: no module it imports calls asn1js as it is evaluated (as @peculiar/asn1-rsa does)", async () => {
    // Without a CA key the Worker answers that it is misconfigured: our code ran, so every module was evaluated.
    const worker = await startWorker();
    try {
      const response = await fetch(`${worker.url}/.well-known/cmp`);
      expect([response.status, await response.text()]).toEqual([503, expect.stringContaining("CA_KEY")]);
    } finally {
      await worker.stop();
    }
  }, 120_000);

  it("is built with keep_names = false and keeps the ASN.1 type names the codec's messages use (src/asn1/type_names.ts)", async () => {
    const { contents } = await buildWorkerBundle();
    // keep_names would wrap classes in __name(..., "PKIMessage"); the names list keeps them as object keys.
    expect(contents).not.toMatch(/"PKIMessage"\)/);
    for (const name of ["PKIMessage", "CertReqMessages", "CertTemplate", "Certificate", "Name"]) expect(contents).toMatch(new RegExp(`[{,]${name}:`));
  }, 120_000);
});
