import { writeFile } from "node:fs/promises";
import { AsnConvert } from "@peculiar/asn1-schema";
import { CertificateList } from "@peculiar/asn1-x509";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodePem } from "../../src/asn1/pem.js";
import { createCrl, type RevokedEntry } from "../../src/ca/crl_builder.js";
import { readChildren, readElement } from "../../src/asn1/der.js";
import { makeTempDir, openssl, type TempDir } from "../support/openssl.js";
import { makeTestCa, type TestCa } from "../support/test_ca.js";

// The CRL as `openssl crl` reads and verifies it (RFC 5280 §5): v2, the
// CA's name, thisUpdate/nextUpdate, the entries with their reasons, and
// authorityKeyIdentifier and cRLNumber, signed by the CA's key.

let dir: TempDir;
const cas: Record<string, TestCa> = {};

beforeAll(async () => {
  dir = await makeTempDir();
  for (const kind of ["P-256", "RSA-2048", "Ed25519"] as const) cas[kind] = await makeTestCa(kind);
});
afterAll(() => dir.remove());

async function verify(kind: string, crl: Uint8Array): Promise<string> {
  const ca = cas[kind]!;
  await writeFile(dir.file(`${kind}-ca.pem`), ca.certificatePem);
  await writeFile(dir.file(`${kind}.crl`), encodePem("X509 CRL", crl));
  const result = await openssl(["crl", "-verify", "-in", dir.file(`${kind}.crl`), "-CAfile", dir.file(`${kind}-ca.pem`), "-noout", "-text"]);
  expect(result.stderr).toContain("verify OK");
  return result.stdout;
}

const now = new Date("2026-12-04T12:00:00Z");
const entries: RevokedEntry[] = [
  { serial: "01", revokedAt: new Date("2026-12-01T10:00:00Z"), reason: 0 },
  { serial: "ff00aa", revokedAt: new Date("2026-12-02T11:30:00Z"), reason: 1 },
  { serial: "7fffffffffffffffffffffffffffffff", revokedAt: new Date("2026-12-03T09:15:00Z"), reason: 4 },
];

describe("createCrl", () => {
  for (const kind of ["P-256", "RSA-2048", "Ed25519"]) {
    it(`is a v2 CRL openssl verifies with the ${kind} CA, listing each entry with its reason`, async () => {
      const crl = await createCrl({ ca: cas[kind]!.ca, number: 7n, thisUpdate: now, nextUpdate: new Date(now.getTime() + 86_400_000), entries });
      const text = await verify(kind, crl);
      expect(text).toContain("Version 2 (0x1)");
      expect(text).toMatch(/Last Update: Dec  4 12:00:00 2026 GMT/);
      expect(text).toMatch(/Next Update: Dec  5 12:00:00 2026 GMT/);
      expect(text).toMatch(/X509v3 CRL Number:\s+7/);
      expect(text).toContain("X509v3 Authority Key Identifier");
      expect(text).toMatch(/Serial Number: 01\s+Revocation Date: Dec  1 10:00:00 2026 GMT\n(?!\s+CRL entry extensions)/);
      expect(text).toMatch(/Serial Number: FF00AA\s+Revocation Date: Dec  2 11:30:00 2026 GMT\s+CRL entry extensions:\s+X509v3 CRL Reason Code:\s+Key Compromise/);
      expect(text).toMatch(/Serial Number: 7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF\s+Revocation Date: Dec  3 09:15:00 2026 GMT\s+CRL entry extensions:\s+X509v3 CRL Reason Code:\s+Superseded/);
    });
  }

  it("a CRL whose signature was altered does not verify (the check above means something)", async () => {
    const crl = await createCrl({ ca: cas["P-256"]!.ca, number: 1n, thisUpdate: now, nextUpdate: new Date(now.getTime() + 3_600_000), entries });
    const altered = crl.slice();
    altered[altered.length - 5] ^= 0x01;
    await writeFile(dir.file("altered.crl"), encodePem("X509 CRL", altered));
    await writeFile(dir.file("P-256-ca.pem"), cas["P-256"]!.certificatePem);
    const result = await openssl(["crl", "-verify", "-in", dir.file("altered.crl"), "-CAfile", dir.file("P-256-ca.pem"), "-noout"]);
    expect(result.stderr).not.toContain("verify OK");
  });

  it("an empty CRL leaves revokedCertificates out (RFC 5280 §5.1.2.6) and still verifies", async () => {
    const crl = await createCrl({ ca: cas["P-256"]!.ca, number: 0n, thisUpdate: now, nextUpdate: new Date(now.getTime() + 3_600_000), entries: [] });
    expect(AsnConvert.parse(crl, CertificateList).tbsCertList.revokedCertificates).toBeUndefined();
    expect(await verify("P-256", crl)).toContain("No Revoked Certificates.");
  });

  it("a serial with the top bit set gets its sign octet; 100 000 entries encode and verify", async () => {
    const many = Array.from({ length: 100_000 }, (_, i): RevokedEntry => ({
      serial: `${(0x80 + (i % 0x80)).toString(16)}${i.toString(16).padStart(8, "0")}`,
      revokedAt: now,
      reason: i % 11 === 7 ? 0 : i % 11,
    }));
    const crl = await createCrl({ ca: cas["P-256"]!.ca, number: 123_456_789_012n, thisUpdate: now, nextUpdate: new Date(now.getTime() + 86_400_000), entries: many });
    // Too many elements for the schema parser: the DER walker counts them.
    const tbsCertList = readChildren(crl, readElement(crl, 0))[0]!;
    const revoked = readChildren(crl, tbsCertList)[5]!;
    const list = readChildren(crl, revoked);
    expect(list).toHaveLength(100_000);
    const firstSerial = readChildren(crl, list[0]!)[0]!;
    expect([crl[firstSerial.contentStart], crl[firstSerial.contentStart + 1]]).toEqual([0x00, 0x80]);
    const result = await openssl(["crl", "-verify", "-inform", "DER", "-in", await written(crl), "-CAfile", dir.file("P-256-ca.pem"), "-noout", "-crlnumber"]);
    expect(result.stderr).toContain("verify OK");
    expect(result.stdout).toContain(`crlNumber=0x${(123_456_789_012).toString(16).toUpperCase()}`);
  });
});

async function written(crl: Uint8Array): Promise<string> {
  const path = dir.file("many.crl");
  await writeFile(path, crl);
  await writeFile(dir.file("P-256-ca.pem"), cas["P-256"]!.certificatePem);
  return path;
}
