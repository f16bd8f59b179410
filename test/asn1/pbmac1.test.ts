import { AsnConvert } from "@peculiar/asn1-schema";
import { AlgorithmIdentifier } from "@peculiar/asn1-x509";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PBKDF2Params, PBKDF2Salt, PBMAC1Params, algid_hmacWithSHA1, id_PBKDF2, id_PBMAC1, id_hmacWithSHA1 } from "../../src/asn1/pbmac1.js";
import { readChildren, readElement } from "../../src/asn1/der.js";
import { bytesOf, hex } from "../crypto/der.js";
import { makeTempDirSync, mustOpensslSync } from "../support/openssl.js";
import { pbkdf2ParamsDer, pbmac1AlgorithmIdentifierDer, pbmac1ParamsDer, type Pbmac1Vector } from "../crypto/pbmac1_vectors.js";

const HMAC_SHA256 = "1.2.840.113549.2.9";
const HMAC_SHA512 = "1.2.840.113549.2.11";
const reencode = (value: object) => hex(new Uint8Array(AsnConvert.serialize(value)));

describe("PBMAC1-params and PBKDF2-params (RFC 8018 A.2, A.5)", () => {
  const salt = Uint8Array.from({ length: 16 }, (_, i) => i * 17);
  const vectors: [string, Pbmac1Vector][] = [
    ["prf and mac with NULL parameters", { salt, iterationCount: 10_000, prf: "hmacWithSHA256", mac: "hmacWithSHA256" }],
    ["prf and mac with absent parameters", { salt, iterationCount: 10_000, prf: "hmacWithSHA512", mac: "hmacWithSHA512", nullParams: false }],
    ["keyLength present", { salt, iterationCount: 128, keyLength: 64, prf: "hmacWithSHA384", mac: "hmacWithSHA512" }],
    ["prf omitted (DEFAULT hmacWithSHA1)", { salt, iterationCount: 1000, mac: "hmacWithSHA256" }],
    ["a salt from otherSource", { salt, iterationCount: 1000, prf: "hmacWithSHA256", mac: "hmacWithSHA256", otherSourceSalt: true }],
  ];
  for (const [name, v] of vectors) {
    it(`round-trips ${name} byte for byte`, () => {
      const algDer = pbmac1AlgorithmIdentifierDer(v);
      const alg = AsnConvert.parse(algDer, AlgorithmIdentifier);
      expect(alg.algorithm).toBe(id_PBMAC1);
      const pbmac1 = AsnConvert.parse(alg.parameters!, PBMAC1Params);
      expect(pbmac1.keyDerivationFunc.algorithm).toBe(id_PBKDF2);
      const pbkdf2 = AsnConvert.parse(pbmac1.keyDerivationFunc.parameters!, PBKDF2Params);
      expect(pbkdf2.iterationCount).toBe(BigInt(v.iterationCount));
      expect(pbkdf2.keyLength).toBe(v.keyLength === undefined ? undefined : BigInt(v.keyLength));
      if (v.otherSourceSalt) {
        expect(pbkdf2.salt.specified).toBeUndefined();
        expect(pbkdf2.salt.otherSource).toBeInstanceOf(AlgorithmIdentifier);
      } else {
        expect(hex(new Uint8Array(pbkdf2.salt.specified!))).toBe(hex(salt));
      }
      if (v.prf === undefined) {
        expect(pbkdf2.prf.algorithm).toBe(id_hmacWithSHA1);
      } else {
        expect(pbkdf2.prf.parameters).toBe(v.nullParams === false ? undefined : null);
      }
      expect(reencode(pbkdf2)).toBe(hex(pbkdf2ParamsDer(v)));
      expect(reencode(pbmac1)).toBe(hex(pbmac1ParamsDer(v)));
      expect(reencode(alg)).toBe(hex(algDer));
    });
  }

  it("omits prf when it equals the DEFAULT, as DER requires (X.690 §11.5)", () => {
    const params = new PBKDF2Params({
      salt: new PBKDF2Salt({ specified: new Uint8Array([1, 2]).buffer }),
      iterationCount: 2048n,
      prf: new AlgorithmIdentifier({ algorithm: id_hmacWithSHA1, parameters: null }),
    });
    expect(reencode(params)).toBe("3008040201020202" + "0800");
    params.prf = new AlgorithmIdentifier({ algorithm: HMAC_SHA256, parameters: null });
    expect(reencode(params)).toBe("3016040201020202" + "0800" + "300c06082a864886f70d02090500");
    expect(algid_hmacWithSHA1.parameters).toBeNull();
  });
});

describe("PBKDF2-params and PBMAC1-params made by OpenSSL", () => {
  const dir = makeTempDirSync("jellyfish-crypto-");
  beforeAll(() => {
    mustOpensslSync(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "k.pem"], { cwd: dir.path });
  });
  afterAll(() => dir.remove());

  /** PBKDF2 AlgorithmIdentifier from a PBES2-encrypted PKCS #8 key (RFC 8018 A.4). */
  function pbkdf2FromPkcs8(prf: string): Uint8Array {
    const out = `k-${prf}.der`;
    mustOpensslSync(["pkcs8", "-topk8", "-in", "k.pem", "-v2", "aes-256-cbc", "-v2prf", prf, "-iter", "2048", "-passout", "pass:x", "-outform", "DER", "-out", out], { cwd: dir.path });
    const der = dir.read(out);
    const [encAlg] = readChildren(der, readElement(der, 0));
    const [, pbes2Params] = readChildren(der, encAlg!);
    const [kdf] = readChildren(der, pbes2Params!);
    return bytesOf(der, kdf!);
  }

  for (const [prf, oid] of [["hmacWithSHA1", id_hmacWithSHA1], ["hmacWithSHA256", HMAC_SHA256], ["hmacWithSHA512", HMAC_SHA512]] as const) {
    it(`round-trips OpenSSL's PBKDF2-params with prf ${prf}`, () => {
      const kdfDer = pbkdf2FromPkcs8(prf);
      const kdf = AsnConvert.parse(kdfDer, AlgorithmIdentifier);
      expect(kdf.algorithm).toBe(id_PBKDF2);
      const params = AsnConvert.parse(kdf.parameters!, PBKDF2Params);
      expect(params.iterationCount).toBe(2048n);
      expect(params.salt.specified!.byteLength).toBeGreaterThanOrEqual(8);
      expect(params.prf.algorithm).toBe(oid);
      expect(reencode(params)).toBe(hex(new Uint8Array(kdf.parameters!)));
      expect(reencode(kdf)).toBe(hex(kdfDer));
    });
  }

  it("round-trips PBMAC1-params generated by openssl asn1parse -genconf", () => {
    dir.write(
      "pbmac1.cnf",
      [
        "asn1=SEQUENCE:pbmac1",
        "[pbmac1]", "kdf=SEQUENCE:kdf", "mac=SEQUENCE:mac",
        "[kdf]", "oid=OID:1.2.840.113549.1.5.12", "params=SEQUENCE:pbkdf2",
        "[pbkdf2]", "salt=FORMAT:HEX,OCTETSTRING:00112233445566778899aabbccddeeff", "iter=INTEGER:4096", "keylen=INTEGER:32", "prf=SEQUENCE:prf",
        "[prf]", "oid=OID:hmacWithSHA256", "null=NULL",
        "[mac]", "oid=OID:hmacWithSHA256", "null=NULL",
        "",
      ].join("\n"),
    );
    mustOpensslSync(["asn1parse", "-genconf", "pbmac1.cnf", "-out", "pbmac1.der", "-noout"], { cwd: dir.path });
    const der = dir.read("pbmac1.der");
    const pbmac1 = AsnConvert.parse(der, PBMAC1Params);
    const pbkdf2 = AsnConvert.parse(pbmac1.keyDerivationFunc.parameters!, PBKDF2Params);
    expect(pbkdf2.iterationCount).toBe(4096n);
    expect(pbkdf2.keyLength).toBe(32n);
    expect(pbkdf2.prf.algorithm).toBe(HMAC_SHA256);
    expect(pbmac1.messageAuthScheme.algorithm).toBe(HMAC_SHA256);
    expect(reencode(pbmac1)).toBe(hex(der));
    // And our independent byte builder agrees with OpenSSL's.
    const salt = Uint8Array.from([0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff]);
    expect(hex(pbmac1ParamsDer({ salt, iterationCount: 4096, keyLength: 32, prf: "hmacWithSHA256", mac: "hmacWithSHA256" }))).toBe(hex(der));
  });
});
