import { AsnConvert } from "@peculiar/asn1-schema";
import { AlgorithmIdentifier } from "@peculiar/asn1-x509";
import { RsaSaPssParams } from "@peculiar/asn1-rsa";
import { describe, expect, it } from "vitest";
import { CmpError, type FailInfoName } from "../../src/asn1/pki_failure_info.js";
import {
  OID,
  certHashAlgorithm,
  hashByName,
  hashByOid,
  hashFromAlgorithmIdentifier,
  hmacByOid,
  hmacFromAlgorithmIdentifier,
  signatureAlgorithm,
} from "../../src/crypto/algorithms.js";
import { fromHex } from "./der.js";

function failure(fn: () => unknown): { failInfo: readonly FailInfoName[]; message: string } {
  try {
    fn();
  } catch (e) {
    if (e instanceof CmpError) return { failInfo: e.failInfo, message: e.message };
    throw e;
  }
  throw new Error("expected a CmpError");
}

const alg = (algorithm: string, parameters?: ArrayBuffer | null) => new AlgorithmIdentifier({ algorithm, parameters });
const hashAlg = (oid: string) => alg(oid);
const mgf1 = (hashOid: string) => alg(OID.mgf1, AsnConvert.serialize(hashAlg(hashOid)));
const pss = (params: Partial<RsaSaPssParams>) => alg(OID.rsassaPss, AsnConvert.serialize(new RsaSaPssParams(params)));

describe("hash registry", () => {
  it("maps the SHA-1 and SHA-2 OIDs of RFC 9481 §2.1 to WebCrypto names and sizes", () => {
    expect(hashByOid("1.3.14.3.2.26")).toMatchObject({ name: "SHA-1", outputBytes: 20 });
    expect(hashByOid("2.16.840.1.101.3.4.2.1")).toMatchObject({ name: "SHA-256", outputBytes: 32, blockBytes: 64 });
    expect(hashByOid("2.16.840.1.101.3.4.2.2")).toMatchObject({ name: "SHA-384", outputBytes: 48, blockBytes: 128 });
    expect(hashByOid("2.16.840.1.101.3.4.2.3")).toMatchObject({ name: "SHA-512", outputBytes: 64, blockBytes: 128 });
    expect(hashByName("sha384").oid).toBe(OID.sha384);
    expect(hashByName("SHA-512").oid).toBe(OID.sha512);
    expect(hashByName(OID.sha256).name).toBe("SHA-256");
  });

  it("refuses SHA-224 with badAlg and says why", () => {
    for (const fn of [() => hashByOid(OID.sha224), () => hashByName("SHA-224"), () => hashByName("sha224")]) {
      const f = failure(fn);
      expect(f.failInfo).toEqual(["badAlg"]);
      expect(f.message).toMatch(/SHA-224 is not available in WebCrypto/);
    }
  });

  it("refuses MD5, SHAKE and unknown hashes with badAlg", () => {
    expect(failure(() => hashByOid(OID.md5)).message).toMatch(/MD5/);
    expect(failure(() => hashByOid(OID.shake256)).message).toMatch(/SHAKE/);
    expect(failure(() => hashByOid("1.2.3")).message).toMatch(/unknown hash algorithm 1\.2\.3/);
  });

  it("accepts hash parameters absent or NULL (RFC 5754 §2) and refuses anything else", () => {
    expect(hashFromAlgorithmIdentifier(alg(OID.sha256)).name).toBe("SHA-256");
    expect(hashFromAlgorithmIdentifier(alg(OID.sha256, null)).name).toBe("SHA-256");
    expect(hashFromAlgorithmIdentifier(alg(OID.sha256, fromHex("0500").buffer as ArrayBuffer)).name).toBe("SHA-256");
    expect(failure(() => hashFromAlgorithmIdentifier(alg(OID.sha256, fromHex("020101").buffer as ArrayBuffer))).failInfo).toEqual(["badAlg"]);
  });
});

describe("HMAC registry", () => {
  it("knows HMAC-SHA1 under both OIDs and the hmacWithSHA2 OIDs of RFC 9481 §6.2.1", () => {
    expect(hmacByOid("1.3.6.1.5.5.8.1.2").hash.name).toBe("SHA-1");
    expect(hmacByOid("1.2.840.113549.2.7").hash.name).toBe("SHA-1");
    expect(hmacByOid("1.2.840.113549.2.9").hash.name).toBe("SHA-256");
    expect(hmacByOid("1.2.840.113549.2.10").hash.name).toBe("SHA-384");
    expect(hmacByOid("1.2.840.113549.2.11").hash.name).toBe("SHA-512");
    expect(hmacFromAlgorithmIdentifier(alg(OID.hmacWithSHA256, null)).hash.name).toBe("SHA-256");
  });

  it("refuses HMAC-SHA224, KMAC, HMAC-MD5 and unknown MACs with badAlg", () => {
    const f = failure(() => hmacByOid("1.2.840.113549.2.8"));
    expect(f.failInfo).toEqual(["badAlg"]);
    expect(f.message).toMatch(/HMAC-SHA224 is not available in WebCrypto/);
    expect(failure(() => hmacByOid(OID.kmacWithShake128)).message).toMatch(/KMAC/);
    expect(failure(() => hmacByOid(OID.hmacMd5)).failInfo).toEqual(["badAlg"]);
    expect(failure(() => hmacByOid("1.2.3.4")).message).toMatch(/unknown MAC algorithm/);
  });
});

describe("signature registry", () => {
  it("resolves PKCS #1 v1.5, ECDSA and Ed25519 signatures to scheme and hash", () => {
    expect(signatureAlgorithm(alg("1.2.840.113549.1.1.11", null))).toMatchObject({ scheme: "RSASSA-PKCS1-v1_5", hash: { name: "SHA-256" } });
    expect(signatureAlgorithm(alg("1.2.840.113549.1.1.12", null))).toMatchObject({ scheme: "RSASSA-PKCS1-v1_5", hash: { name: "SHA-384" } });
    expect(signatureAlgorithm(alg("1.2.840.113549.1.1.13"))).toMatchObject({ scheme: "RSASSA-PKCS1-v1_5", hash: { name: "SHA-512" } });
    expect(signatureAlgorithm(alg("1.2.840.10045.4.3.2"))).toMatchObject({ scheme: "ECDSA", hash: { name: "SHA-256" } });
    expect(signatureAlgorithm(alg("1.2.840.10045.4.3.3"))).toMatchObject({ scheme: "ECDSA", hash: { name: "SHA-384" } });
    expect(signatureAlgorithm(alg("1.2.840.10045.4.3.4"))).toMatchObject({ scheme: "ECDSA", hash: { name: "SHA-512" } });
    expect(signatureAlgorithm(alg("1.3.101.112"))).toMatchObject({ scheme: "Ed25519", hash: { name: "SHA-512" } });
  });

  it("refuses SHA-1, MD5, SHA-224, SHAKE and Ed448 signatures with badAlg", () => {
    expect(failure(() => signatureAlgorithm(alg(OID.sha1WithRSAEncryption, null))).message).toMatch(/SHA-1 signatures are refused/);
    expect(failure(() => signatureAlgorithm(alg(OID.ecdsaWithSHA1))).message).toMatch(/SHA-1 signatures are refused/);
    expect(failure(() => signatureAlgorithm(alg(OID.md5WithRSAEncryption, null))).message).toMatch(/MD5/);
    expect(failure(() => signatureAlgorithm(alg(OID.sha224WithRSAEncryption, null))).message).toMatch(/SHA-224/);
    expect(failure(() => signatureAlgorithm(alg(OID.ecdsaWithSHA224))).message).toMatch(/SHA-224/);
    expect(failure(() => signatureAlgorithm(alg(OID.ecdsaWithShake256))).message).toMatch(/SHAKE/);
    expect(failure(() => signatureAlgorithm(alg(OID.ed448))).message).toMatch(/Ed448/);
    expect(failure(() => signatureAlgorithm(alg("1.2.3.4"))).message).toMatch(/unknown signature algorithm/);
  });

  it("refuses parameters where the algorithm takes none", () => {
    expect(failure(() => signatureAlgorithm(alg(OID.ecdsaWithSHA256, fromHex("0403010203").buffer as ArrayBuffer))).failInfo).toEqual(["badAlg"]);
  });

  it("reads RSASSA-PSS parameters: hash, MGF1 hash and salt length", () => {
    for (const [oid, salt] of [[OID.sha256, 32], [OID.sha384, 48], [OID.sha512, 20]] as const) {
      const s = signatureAlgorithm(pss({ hashAlgorithm: hashAlg(oid), maskGenAlgorithm: mgf1(oid), saltLength: salt }));
      expect(s).toMatchObject({ scheme: "RSA-PSS", hash: { oid }, saltLength: salt });
    }
  });

  it("refuses RSASSA-PSS that WebCrypto cannot run or that means SHA-1", () => {
    // All DEFAULTs (or absent parameters) mean SHA-1 (RFC 4055 §3.1).
    expect(failure(() => signatureAlgorithm(pss({}))).message).toMatch(/SHA-1/);
    expect(failure(() => signatureAlgorithm(alg(OID.rsassaPss))).message).toMatch(/SHA-1/);
    const mismatched = pss({ hashAlgorithm: hashAlg(OID.sha256), maskGenAlgorithm: mgf1(OID.sha512), saltLength: 32 });
    expect(failure(() => signatureAlgorithm(mismatched)).message).toMatch(/MGF1 hash/);
    const trailer = pss({ hashAlgorithm: hashAlg(OID.sha256), maskGenAlgorithm: mgf1(OID.sha256), saltLength: 32, trailerField: 2 });
    expect(failure(() => signatureAlgorithm(trailer)).message).toMatch(/trailerField/);
    const sha224 = pss({ hashAlgorithm: hashAlg(OID.sha224), maskGenAlgorithm: mgf1(OID.sha224) });
    expect(failure(() => signatureAlgorithm(sha224)).message).toMatch(/SHA-224/);
  });

  it("answers undecodable RSASSA-PSS parameters with badDataFormat", () => {
    expect(failure(() => signatureAlgorithm(alg(OID.rsassaPss, fromHex("3003020101").buffer as ArrayBuffer))).failInfo).toEqual(["badDataFormat"]);
  });
});

describe("certHashAlgorithm (RFC 9810 §5.3.18, RFC 9481 §3.3)", () => {
  it("is the signature's hash, SHA-512 for Ed25519, the PSS parameter hash for RSASSA-PSS", () => {
    expect(certHashAlgorithm(alg(OID.sha256WithRSAEncryption, null)).name).toBe("SHA-256");
    expect(certHashAlgorithm(alg(OID.ecdsaWithSHA384)).name).toBe("SHA-384");
    expect(certHashAlgorithm(alg(OID.ed25519)).name).toBe("SHA-512");
    expect(certHashAlgorithm(pss({ hashAlgorithm: hashAlg(OID.sha384), maskGenAlgorithm: mgf1(OID.sha384), saltLength: 48 })).name).toBe("SHA-384");
  });

  it("refuses certificates signed with refused algorithms", () => {
    expect(failure(() => certHashAlgorithm(alg(OID.sha1WithRSAEncryption, null))).failInfo).toEqual(["badAlg"]);
  });
});
