import { afterAll, describe, expect, it } from "vitest";
import { createSelfSignedCa } from "../../src/ca/self_signed.js";
import { parseDistinguishedName } from "../../src/ca/distinguished_name.js";
import { encodePem } from "../../src/asn1/pem.js";
import { generateLocalKey, LocalSigner, type LocalKeyKind } from "../../src/kms/local.js";
import { makeTempDirSync, mustOpensslSync, opensslSync } from "../support/openssl.js";
import { x509Extension } from "./openssl_cli.js";

const dir = makeTempDirSync("jellyfish-ca-self-signed-");
afterAll(() => dir.remove());

const NOW = new Date("2026-05-01T12:00:00Z");

const extension = x509Extension;

describe.each(["P-256", "P-384", "RSA-2048", "Ed25519"] as const)("createSelfSignedCa with a %s key", (kind: LocalKeyKind) => {
  it("makes a root CA that openssl accepts as one", async () => {
    const { pkcs8, spki } = await generateLocalKey(kind);
    const signer = await LocalSigner.fromPkcs8(pkcs8);
    const der = await createSelfSignedCa({ signer, subject: "CN=Jellyfish Development CA,O=Jellyfish", validitySeconds: 3650 * 86400, now: NOW });
    const file = dir.write(`ca-${kind}.pem`, encodePem("CERTIFICATE", der));

    // Self-signed and usable as a trust anchor for itself; -x509_strict checks RFC 5280 rules too.
    const verify = opensslSync(["verify", "-x509_strict", "-attime", String(NOW.getTime() / 1000), "-CAfile", file, file]);
    expect(verify.stdout.trim()).toBe(`${file}: OK`);

    const text = mustOpensslSync(["x509", "-in", file, "-noout", "-text"]);
    expect(extension(text, "Basic Constraints")).toEqual({ critical: true, value: "CA:TRUE" });
    expect(extension(text, "Key Usage")).toEqual({ critical: true, value: "Digital Signature, Certificate Sign, CRL Sign" });
    const ski = extension(text, "Subject Key Identifier");
    expect(ski?.critical).toBe(false);
    expect(ski?.value).toMatch(/^([0-9A-F]{2}:){19}[0-9A-F]{2}$/);
    expect(extension(text, "Authority Key Identifier")?.value).toBe(ski?.value);

    // RFC 4514 order: "CN=...,O=..." is O first in the encoding; openssl's RFC2253 output is the same string.
    expect(mustOpensslSync(["x509", "-in", file, "-noout", "-subject", "-nameopt", "RFC2253"]).trim()).toBe("subject=CN=Jellyfish Development CA,O=Jellyfish");
    expect(mustOpensslSync(["x509", "-in", file, "-noout", "-issuer", "-nameopt", "RFC2253"]).trim()).toBe("issuer=CN=Jellyfish Development CA,O=Jellyfish");
    expect(mustOpensslSync(["x509", "-in", file, "-noout", "-pubkey"])).toBe(encodePem("PUBLIC KEY", spki));
    const dates = mustOpensslSync(["x509", "-in", file, "-noout", "-startdate", "-enddate"]);
    expect(dates).toContain("notBefore=May  1 11:55:00 2026 GMT"); // the default 300 s back-dating
    expect(dates).toContain("notAfter=Apr 28 12:00:00 2036 GMT");
  });
});

describe("createSelfSignedCa", () => {
  it("takes a Name object, OpenSSL's DN form, and a back-date of its own", async () => {
    const signer = await LocalSigner.fromPkcs8((await generateLocalKey("P-256")).pkcs8);
    for (const subject of [parseDistinguishedName("/C=DE/O=Acme/CN=Root"), "/C=DE/O=Acme/CN=Root"]) {
      const der = await createSelfSignedCa({ signer, subject, validitySeconds: 86400, now: NOW, backdateSeconds: 0 });
      const out = mustOpensslSync(["x509", "-inform", "DER", "-noout", "-subject", "-startdate", "-nameopt", "RFC2253"], { input: der });
      expect(out).toContain("subject=CN=Root,O=Acme,C=DE");
      expect(out).toContain("notBefore=May  1 12:00:00 2026 GMT");
    }
  });

  it("refuses an empty subject and a non-positive lifetime", async () => {
    const signer = await LocalSigner.fromPkcs8((await generateLocalKey("P-256")).pkcs8);
    await expect(createSelfSignedCa({ signer, subject: "", validitySeconds: 86400, now: NOW })).rejects.toThrow(/must not be empty/);
    await expect(createSelfSignedCa({ signer, subject: "CN=x", validitySeconds: 0, now: NOW })).rejects.toThrow(/positive/);
  });

  it("gives each CA its own serial number", async () => {
    const signer = await LocalSigner.fromPkcs8((await generateLocalKey("Ed25519")).pkcs8);
    const serials = new Set<string>();
    for (let index = 0; index < 20; index++) {
      const der = await createSelfSignedCa({ signer, subject: "CN=x", validitySeconds: 86400, now: NOW });
      serials.add(mustOpensslSync(["x509", "-inform", "DER", "-noout", "-serial"], { input: der }));
    }
    expect(serials.size).toBe(20);
  });
});
