import { AsnConvert } from "@peculiar/asn1-schema";
import { AlgorithmIdentifier, SubjectPublicKeyInfo } from "@peculiar/asn1-x509";
import { RsaSaPssParams } from "@peculiar/asn1-rsa";
import { describe, expect, it } from "vitest";
import { OID } from "../../src/crypto/algorithms.js";
import { digest } from "../../src/crypto/digest.js";
import { ecdsaRawToDer } from "../../src/crypto/ecdsa_signature.js";
import { prepareMac } from "../../src/crypto/mac_protection.js";
import { verifySignature } from "../../src/crypto/signature.js";
import { hex } from "./der.js";
import { KAT_DATA, KAT_SECRET, PBMAC1_KATS, PBM_KATS, pbmProtectionAlg, pbmac1ProtectionAlg } from "./mac_kat.js";

// The same crypto inside workerd, whose WebCrypto is not Node's: algorithm
// names, key formats and limits (PBKDF2 <= 100 000 iterations) differ.
const subtle = crypto.subtle;
const data = new TextEncoder().encode("signed in workerd");

function flipLastBit(bytes: Uint8Array): Uint8Array {
  const copy = bytes.slice();
  copy[copy.length - 1]! ^= 1;
  return copy;
}

describe("MAC protection in workerd", () => {
  for (const kat of PBM_KATS) {
    it(`PBM ${kat.owf} x ${kat.iterations}, HMAC-${kat.mac} gives the known answer`, async () => {
      const key = await prepareMac(pbmProtectionAlg(kat), KAT_SECRET, 100_000);
      const mac = await key.sign(KAT_DATA);
      expect(hex(mac)).toBe(kat.expected);
      expect(await key.verify(KAT_DATA, mac)).toBe(true);
      expect(await key.verify(KAT_DATA, flipLastBit(mac))).toBe(false);
    });
  }
  for (const kat of PBMAC1_KATS) {
    it(`PBMAC1 ${kat.prf} x ${kat.iterations}, ${kat.mac}, keyLength ${kat.keyLength}${kat.kdf ? " (id-PBES2)" : ""} gives the known answer`, async () => {
      const key = await prepareMac(pbmac1ProtectionAlg(kat), KAT_SECRET, 100_000);
      expect(hex(await key.sign(KAT_DATA))).toBe(kat.expected);
    });
  }
});

describe("signature verification in workerd", () => {
  it("RSASSA-PKCS1-v1_5 SHA-256", async () => {
    const pair = await subtle.generateKey(
      { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
      true,
      ["sign", "verify"],
    );
    const spki = new Uint8Array((await subtle.exportKey("spki", pair.publicKey)) as ArrayBuffer);
    const sig = new Uint8Array(await subtle.sign("RSASSA-PKCS1-v1_5", pair.privateKey, data));
    const alg = new AlgorithmIdentifier({ algorithm: OID.sha256WithRSAEncryption, parameters: null });
    expect(await verifySignature(spki, alg, data, sig)).toBe(true);
    expect(await verifySignature(spki, alg, data, flipLastBit(sig))).toBe(false);
  });

  it("RSASSA-PSS SHA-384, also with the key labelled id-RSASSA-PSS", async () => {
    const pair = await subtle.generateKey(
      { name: "RSA-PSS", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-384" },
      true,
      ["sign", "verify"],
    );
    const spki = new Uint8Array((await subtle.exportKey("spki", pair.publicKey)) as ArrayBuffer);
    const sig = new Uint8Array(await subtle.sign({ name: "RSA-PSS", saltLength: 48 }, pair.privateKey, data));
    const hashAlg = new AlgorithmIdentifier({ algorithm: OID.sha384 });
    const alg = new AlgorithmIdentifier({
      algorithm: OID.rsassaPss,
      parameters: AsnConvert.serialize(
        new RsaSaPssParams({
          hashAlgorithm: hashAlg,
          maskGenAlgorithm: new AlgorithmIdentifier({ algorithm: OID.mgf1, parameters: AsnConvert.serialize(hashAlg) }),
          saltLength: 48,
        }),
      ),
    });
    expect(await verifySignature(spki, alg, data, sig)).toBe(true);
    const parsed = AsnConvert.parse(spki, SubjectPublicKeyInfo);
    parsed.algorithm = new AlgorithmIdentifier({ algorithm: OID.rsassaPss });
    const pssSpki = new Uint8Array(AsnConvert.serialize(parsed));
    expect(await verifySignature(pssSpki, alg, data, sig)).toBe(true);
    expect(await verifySignature(pssSpki, alg, data, flipLastBit(sig))).toBe(false);
  });

  for (const [curve, hash, oid] of [
    ["P-256", "SHA-256", OID.ecdsaWithSHA256],
    ["P-384", "SHA-384", OID.ecdsaWithSHA384],
    ["P-521", "SHA-512", OID.ecdsaWithSHA512],
  ] as const) {
    it(`ECDSA ${curve} ${hash}`, async () => {
      const pair = await subtle.generateKey({ name: "ECDSA", namedCurve: curve }, true, ["sign", "verify"]);
      const spki = new Uint8Array((await subtle.exportKey("spki", pair.publicKey)) as ArrayBuffer);
      const der = ecdsaRawToDer(new Uint8Array(await subtle.sign({ name: "ECDSA", hash }, pair.privateKey, data)));
      const alg = new AlgorithmIdentifier({ algorithm: oid });
      expect(await verifySignature(spki, alg, data, der)).toBe(true);
      expect(await verifySignature(spki, alg, flipLastBit(data), der)).toBe(false);
    });
  }

  it("Ed25519", async () => {
    const pair = (await subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"])) as {
      publicKey: Awaited<ReturnType<typeof subtle.importKey>>;
      privateKey: Awaited<ReturnType<typeof subtle.importKey>>;
    };
    const spki = new Uint8Array((await subtle.exportKey("spki", pair.publicKey)) as ArrayBuffer);
    const sig = new Uint8Array(await subtle.sign({ name: "Ed25519" }, pair.privateKey, data));
    const alg = new AlgorithmIdentifier({ algorithm: OID.ed25519 });
    expect(await verifySignature(spki, alg, data, sig)).toBe(true);
    expect(await verifySignature(spki, alg, data, flipLastBit(sig))).toBe(false);
  });

  it("digest gives the SHA-256 of the empty string", async () => {
    // FIPS 180-4 example value, not computed by the code under test.
    expect(hex(await digest("SHA-256", new Uint8Array(0)))).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  });
});
