import { AsnConvert } from "@peculiar/asn1-schema";
import { AlgorithmIdentifier } from "@peculiar/asn1-x509";
import { describe, expect, it } from "vitest";
import { CmpError } from "../../src/asn1/pki_failure_info.js";
import { OID } from "../../src/crypto/algorithms.js";
import { protectionKind } from "../../src/cmp/protection_algorithm.js";
import { pbmac1AlgorithmIdentifierDer } from "../crypto/pbmac1_vectors.js";

function refusal(alg: AlgorithmIdentifier): CmpError {
  try {
    protectionKind(alg);
  } catch (error) {
    if (error instanceof CmpError) return error;
    throw error;
  }
  throw new Error(`${alg.algorithm} was accepted`);
}

describe("protectionKind (RFC 9810 §5.1.3, RFC 9481 §6)", () => {
  it("sends PBM and PBMAC1 to the MAC path and signatures we verify to the signature path", () => {
    const pbmac1 = AsnConvert.parse(
      pbmac1AlgorithmIdentifierDer({ salt: new Uint8Array(16), iterationCount: 1000, prf: "hmacWithSHA256", mac: "hmacWithSHA256" }),
      AlgorithmIdentifier,
    );
    expect(protectionKind(pbmac1)).toBe("mac");
    // PBM's parameters are checked when the key is derived, not here.
    expect(protectionKind(new AlgorithmIdentifier({ algorithm: OID.passwordBasedMac }))).toBe("mac");
    for (const oid of [OID.ecdsaWithSHA256, OID.sha256WithRSAEncryption, OID.ed25519]) {
      expect(protectionKind(new AlgorithmIdentifier({ algorithm: oid }))).toBe("signature");
    }
  });

  const bareMacs = [
    OID.hmacWithSHA1, OID.hmacWithSHA224, OID.hmacWithSHA256, OID.hmacWithSHA384, OID.hmacWithSHA512, OID.hmacSha1,
    OID.hmacWithSHA3_224, OID.hmacWithSHA3_256, OID.hmacWithSHA3_384, OID.hmacWithSHA3_512,
    OID.kmacWithShake128, OID.kmacWithShake256, OID.aes128Gmac, OID.aes192Gmac, OID.aes256Gmac,
  ];
  it("refuses a bare HMAC, KMAC or GMAC with badAlg naming the OID and PBM/PBMAC1", () => {
    for (const oid of bareMacs) {
      const error = refusal(new AlgorithmIdentifier({ algorithm: oid, parameters: null }));
      expect(error.failInfo).toEqual(["badAlg"]);
      expect(error.message).toContain(oid);
      expect(error.message).toMatch(/MAC without a key derivation.*PasswordBasedMac or PBMAC1 \(RFC 9481 §6\.1\)/);
    }
  });

  it("refuses unknown OIDs and DHBasedMac with badAlg naming the OID", () => {
    for (const oid of ["1.2.3.4", OID.dhBasedMac, OID.rsaEncryption, OID.sha256]) {
      const error = refusal(new AlgorithmIdentifier({ algorithm: oid }));
      expect(error.failInfo).toEqual(["badAlg"]);
      expect(error.message).toContain(oid);
    }
  });

  it("keeps the registry's reason for signatures it knows and refuses", () => {
    const sha1 = refusal(new AlgorithmIdentifier({ algorithm: OID.sha1WithRSAEncryption, parameters: null }));
    expect(sha1.failInfo).toEqual(["badAlg"]);
    expect(sha1.message).toMatch(/^protectionAlg 1\.2\.840\.113549\.1\.1\.5: SHA-1 signatures are refused/);
    expect(refusal(new AlgorithmIdentifier({ algorithm: OID.md5WithRSAEncryption })).message).toMatch(/MD5/);
  });

  it("answers RSASSA-PSS parameters that are not DER with badDataFormat", () => {
    const error = refusal(new AlgorithmIdentifier({ algorithm: OID.rsassaPss, parameters: new Uint8Array([0x30, 0x03, 0x02, 0x01]).buffer }));
    expect(error.failInfo).toEqual(["badDataFormat"]);
  });
});
