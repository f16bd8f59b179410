import { afterAll, describe, expect, it } from "vitest";
import { keyIdentifier, subjectPublicKeyOf } from "../../src/ca/key_identifier.js";
import { makeTempDirSync, mustOpensslSync } from "../support/openssl.js";
import { x509Extension } from "./openssl_cli.js";

const dir = makeTempDirSync("jellyfish-key-identifier-");
afterAll(() => dir.remove());

describe("keyIdentifier", () => {
  it.each([
    ["P-256", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]],
    ["RSA", ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"]],
    ["Ed25519", ["-algorithm", "ED25519"]],
  ])("matches the SKI openssl computes for a %s key (RFC 5280 §4.2.1.2 method 1)", async (_name, genpkey) => {
    const keyFile = dir.file(`${_name}.pem`);
    mustOpensslSync(["genpkey", ...genpkey, "-out", keyFile]);
    mustOpensslSync(["pkey", "-in", keyFile, "-pubout", "-outform", "DER", "-out", dir.file(`${_name}.spki`)]);
    const certificate = mustOpensslSync(["req", "-x509", "-new", "-key", keyFile, "-subj", "/CN=ski", "-days", "1"]);
    const expected = x509Extension(mustOpensslSync(["x509", "-noout", "-text"], { input: certificate }), "Subject Key Identifier")!.value;
    const id = await keyIdentifier(new Uint8Array(dir.read(`${_name}.spki`)));
    expect(Buffer.from(id).toString("hex").toUpperCase().replace(/(..)(?!$)/g, "$1:")).toBe(expected);
  });
});

describe("subjectPublicKeyOf", () => {
  it("refuses what is not a SubjectPublicKeyInfo", () => {
    const good = Uint8Array.of(0x30, 0x09, 0x30, 0x03, 0x06, 0x01, 0x00, 0x03, 0x02, 0x00, 0xab);
    expect(Array.from(subjectPublicKeyOf(good))).toEqual([0xab]);
    expect(() => subjectPublicKeyOf(Uint8Array.of(1, 2, 3))).toThrow();
    expect(() => subjectPublicKeyOf(Uint8Array.of(...good, 0))).toThrow(/one DER SEQUENCE/);
    expect(() => subjectPublicKeyOf(Uint8Array.of(0x30, 0x05, 0x30, 0x03, 0x06, 0x01, 0x00))).toThrow(/BIT STRING/);
    const unaligned = good.slice();
    unaligned[9] = 4;
    expect(() => subjectPublicKeyOf(unaligned)).toThrow(/octet-aligned/);
  });
});
