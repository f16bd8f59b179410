import { describe, expect, it } from "vitest";
import { decodeCertificatesPem, decodePem, decodeSinglePem, encodeCertificatesPem, encodePem } from "../../src/asn1/pem.js";
import { makeTempDirSync, mustOpensslSync } from "../support/openssl.js";

describe("PEM", () => {
  it("encodes what openssl reads, with 64-character lines", () => {
    const dir = makeTempDirSync("jellyfish-pem-");
    try {
      mustOpensslSync(["genpkey", "-algorithm", "ED25519", "-outform", "DER", "-out", dir.file("key.der")]);
      const pem = encodePem("PRIVATE KEY", new Uint8Array(dir.read("key.der")));
      expect(mustOpensslSync(["pkey", "-noout", "-text"], { input: pem })).toMatch(/ED25519 Private-Key/);
    } finally {
      dir.remove();
    }
    const lines = encodePem("CERTIFICATE", new Uint8Array(200).fill(7)).split("\n");
    expect(lines[0]).toBe("-----BEGIN CERTIFICATE-----");
    expect(lines.at(-2)).toBe("-----END CERTIFICATE-----");
    expect(lines.at(-1)).toBe("");
    // 200 octets are 268 base64 characters.
    expect(lines.slice(1, -2).map((line) => line.length)).toEqual([64, 64, 64, 64, 12]);
  });

  it("decodes what openssl writes, several certificates, with text around them", () => {
    const certificate = mustOpensslSync(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "/dev/null", "-subj", "/CN=pem", "-days", "1"]);
    const text = `subject=CN=pem\n${certificate}\nsome note\n${certificate.replace(/\n/g, "\r\n")}`;
    const certificates = decodeCertificatesPem(text);
    expect(certificates).toHaveLength(2);
    expect(Buffer.from(certificates[0]!).equals(Buffer.from(certificates[1]!))).toBe(true);
    expect(mustOpensslSync(["x509", "-inform", "DER", "-noout", "-subject"], { input: certificates[0]! })).toBe("subject=CN = pem\n");
    expect(encodeCertificatesPem(certificates)).toBe(certificate.repeat(2));
  });

  it("round-trips arbitrary bytes of every length mod 3", () => {
    for (const length of [0, 1, 2, 3, 47, 48, 49, 100_000]) {
      const bytes = globalThis.crypto.getRandomValues(new Uint8Array(Math.min(length, 65536)));
      const full = length > 65536 ? new Uint8Array(length).map((_, index) => bytes[index % bytes.length]!) : bytes;
      const [block] = decodePem(encodePem("DATA", full));
      expect(block!.label).toBe("DATA");
      expect(Buffer.from(block!.der).equals(Buffer.from(full))).toBe(true);
    }
  });

  it("refuses mismatched labels, bad base64, encrypted headers, and a missing or doubled block", () => {
    expect(() => decodePem("-----BEGIN A-----\nAAAA\n-----END B-----\n")).toThrow(/ends with "B"/);
    expect(() => decodePem("-----BEGIN A-----\nA$A=\n-----END A-----\n")).toThrow(/invalid base64/);
    expect(() => decodePem("-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n\nAAAA\n-----END RSA PRIVATE KEY-----\n")).toThrow(/headers/);
    expect(() => decodeCertificatesPem("nothing")).toThrow(/no "CERTIFICATE"/);
    const one = encodePem("PRIVATE KEY", Uint8Array.of(1));
    expect(Array.from(decodeSinglePem(one, "PRIVATE KEY"))).toEqual([1]);
    expect(() => decodeSinglePem(one + one, "PRIVATE KEY")).toThrow(/found 2/);
  });
});
