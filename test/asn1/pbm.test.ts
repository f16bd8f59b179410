import { AsnConvert } from "@peculiar/asn1-schema";
import { AlgorithmIdentifier } from "@peculiar/asn1-x509";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PBMParameter, id_PasswordBasedMac } from "../../src/asn1/pbm.js";
import { encodeTlv } from "../../src/asn1/der.js";
import { fromHex, hex } from "../crypto/der.js";
import { makeTempDirSync } from "../support/openssl.js";
import { opensslPbmExchange, splitPkiMessage } from "../crypto/openssl.js";
import { derInteger } from "../crypto/pbmac1_vectors.js";

const SHA256 = "2.16.840.1.101.3.4.2.1";
const SHA512 = "2.16.840.1.101.3.4.2.3";
const HMAC_SHA1 = "1.3.6.1.5.5.8.1.2";
const HMAC_SHA512 = "1.2.840.113549.2.11";

describe("PBMParameter against OpenSSL's encoding", () => {
  const dir = makeTempDirSync("jellyfish-crypto-");
  const messages: Uint8Array[] = [];
  beforeAll(() => {
    const a = opensslPbmExchange(dir.path, "default", { digest: "sha256", mac: "hmac-sha1", secret: "s" });
    const b = opensslPbmExchange(dir.path, "sha512", { digest: "sha512", mac: "hmacWithSHA512", secret: "s" });
    messages.push(a.ir, a.ip, b.ir, b.ip);
  });
  afterAll(() => dir.remove());

  it("decodes the protectionAlg of openssl cmp messages and re-encodes the same bytes", () => {
    const expected = [
      [SHA256, HMAC_SHA1],
      [SHA256, HMAC_SHA1], // the mock server's defaults
      [SHA512, HMAC_SHA512],
      [SHA256, HMAC_SHA1],
    ];
    messages.forEach((message, i) => {
      const algDer = splitPkiMessage(message).protectionAlg;
      const alg = AsnConvert.parse(algDer, AlgorithmIdentifier);
      expect(alg.algorithm).toBe(id_PasswordBasedMac);
      const params = AsnConvert.parse(alg.parameters!, PBMParameter);
      expect(params.salt.byteLength).toBe(16);
      expect(params.iterationCount).toBe(500n);
      expect(params.owf.algorithm).toBe(expected[i]![0]);
      expect(params.mac.algorithm).toBe(expected[i]![1]);
      // OpenSSL omits the hash and HMAC parameters; they must stay absent.
      expect(params.owf.parameters).toBeUndefined();
      expect(params.mac.parameters).toBeUndefined();
      expect(hex(new Uint8Array(AsnConvert.serialize(params)))).toBe(hex(new Uint8Array(alg.parameters!)));
      expect(hex(new Uint8Array(AsnConvert.serialize(alg)))).toBe(hex(algDer));
    });
  });
});

describe("PBMParameter encoding", () => {
  const oid = (dotted: string) => new Uint8Array(AsnConvert.serialize(new AlgorithmIdentifier({ algorithm: dotted }))).slice(2);

  it("keeps NULL parameters NULL and absent ones absent", () => {
    const der = encodeTlv(
      0x30,
      [
        encodeTlv(0x04, [fromHex("0102030405060708")]),
        encodeTlv(0x30, [oid(SHA256), fromHex("0500")]),
        derInteger(1000),
        encodeTlv(0x30, [oid(HMAC_SHA1)]),
      ],
    );
    const params = AsnConvert.parse(der, PBMParameter);
    expect(params.owf.parameters).toBeNull();
    expect(params.mac.parameters).toBeUndefined();
    expect(params.iterationCount).toBe(1000n);
    expect(hex(new Uint8Array(AsnConvert.serialize(params)))).toBe(hex(der));
  });

  it("decodes iteration counts beyond 2^53 and negative ones exactly", () => {
    for (const [content, value] of [
      ["0100000000000000000001", 2n ** 80n + 1n],
      ["ff", -1n],
      ["00ffffffff", 0xffffffffn],
    ] as const) {
      const der = encodeTlv(
        0x30,
        [encodeTlv(0x04, [new Uint8Array(0)]), encodeTlv(0x30, [oid(SHA256)]), encodeTlv(0x02, [fromHex(content)]), encodeTlv(0x30, [oid(HMAC_SHA1)])],
      );
      const params = AsnConvert.parse(der, PBMParameter);
      expect(params.iterationCount).toBe(value);
      expect(hex(new Uint8Array(AsnConvert.serialize(params)))).toBe(hex(der));
    }
  });

  it("encodes a constructed PBMParameter as RFC 4211 §4.4 lays it out", () => {
    const params = new PBMParameter({
      salt: fromHex("aabb").buffer as ArrayBuffer,
      owf: new AlgorithmIdentifier({ algorithm: SHA256 }),
      iterationCount: 500n,
      mac: new AlgorithmIdentifier({ algorithm: HMAC_SHA1 }),
    });
    const expected = encodeTlv(0x30, [encodeTlv(0x04, [fromHex("aabb")]), encodeTlv(0x30, [oid(SHA256)]), fromHex("020201f4"), encodeTlv(0x30, [oid(HMAC_SHA1)])]);
    expect(hex(new Uint8Array(AsnConvert.serialize(params)))).toBe(hex(expected));
  });

  it("rejects a structure with a field missing", () => {
    const der = encodeTlv(0x30, [encodeTlv(0x04, [fromHex("aabb")]), encodeTlv(0x30, [oid(SHA256)]), fromHex("020201f4")]);
    expect(() => AsnConvert.parse(der, PBMParameter)).toThrow();
  });
});
