import { randomBytes } from "node:crypto";
import { AsnConvert } from "@peculiar/asn1-schema";
import { AlgorithmIdentifier } from "@peculiar/asn1-x509";
import { RsaSaPssParams } from "@peculiar/asn1-rsa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CmpError, type FailInfoName } from "../../src/asn1/pki_failure_info.js";
import { OID } from "../../src/crypto/algorithms.js";
import { ecdsaRawToDer } from "../../src/crypto/ecdsa_signature.js";
import { verifySignature } from "../../src/crypto/signature.js";
import { readChildren, readElement } from "../../src/asn1/der.js";
import { bytesOf, contentOf } from "./der.js";
import { makeTempDirSync, mustOpensslSync } from "../support/openssl.js";

interface Vector {
  spki: Uint8Array;
  algorithm: AlgorithmIdentifier;
  data: Uint8Array;
  signature: Uint8Array;
}

/** Cut a PKCS #10 CertificationRequest into what a verifier needs (RFC 2986 §4). */
function csrVector(der: Uint8Array): Vector {
  const [info, sigAlg, sig] = readChildren(der, readElement(der, 0));
  const spki = readChildren(der, info!)[2]!;
  return {
    spki: bytesOf(der, spki),
    algorithm: AsnConvert.parse(bytesOf(der, sigAlg!), AlgorithmIdentifier),
    data: bytesOf(der, info!),
    signature: contentOf(der, sig!).slice(1), // drop the unused-bits octet
  };
}

function flipLastBit(bytes: Uint8Array): Uint8Array {
  const copy = bytes.slice();
  copy[copy.length - 1]! ^= 1;
  return copy;
}

async function failure(p: Promise<unknown>): Promise<{ failInfo: readonly FailInfoName[]; message: string }> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  if (e instanceof CmpError) return { failInfo: e.failInfo, message: e.message };
  throw new Error(`expected a CmpError, got ${String(e)}`);
}

const dir = makeTempDirSync("jellyfish-crypto-");
const keys = {
  rsa: ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
  rsapss: ["-algorithm", "RSA-PSS", "-pkeyopt", "rsa_keygen_bits:2048"],
  p256: ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
  p384: ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"],
  p521: ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-521"],
  k256: ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:secp256k1"],
  ed25519: ["-algorithm", "ED25519"],
} as const;
type KeyName = keyof typeof keys;

/** A CSR signed by `openssl req` with the given key and signing options. */
function opensslCsr(key: KeyName, options: string[]): Vector {
  const out = `csr-${key}-${options.join("_").replace(/[^a-z0-9]/gi, "")}.der`;
  mustOpensslSync(["req", "-new", "-key", `${key}.pem`, "-subj", "/CN=jellyfish test", "-outform", "DER", "-out", out, ...options], { cwd: dir.path });
  return csrVector(dir.read(out));
}

function spkiOf(key: KeyName): Uint8Array {
  const out = `${key}.spki.der`;
  mustOpensslSync(["pkey", "-in", `${key}.pem`, "-pubout", "-outform", "DER", "-out", out], { cwd: dir.path });
  return dir.read(out);
}

const pss = (hash: string, saltLength: number) =>
  new AlgorithmIdentifier({
    algorithm: OID.rsassaPss,
    parameters: AsnConvert.serialize(
      new RsaSaPssParams({
        hashAlgorithm: new AlgorithmIdentifier({ algorithm: hash }),
        maskGenAlgorithm: new AlgorithmIdentifier({ algorithm: OID.mgf1, parameters: AsnConvert.serialize(new AlgorithmIdentifier({ algorithm: hash })) }),
        saltLength,
      }),
    ),
  });

beforeAll(() => {
  for (const [name, args] of Object.entries(keys)) mustOpensslSync(["genpkey", ...args, "-out", `${name}.pem`], { cwd: dir.path });
});
afterAll(() => dir.remove());

describe("verifySignature with signatures made by openssl", () => {
  const cases: [string, KeyName, string[], string][] = [
    ["sha256WithRSAEncryption", "rsa", ["-sha256"], OID.sha256WithRSAEncryption],
    ["sha384WithRSAEncryption", "rsa", ["-sha384"], OID.sha384WithRSAEncryption],
    ["sha512WithRSAEncryption", "rsa", ["-sha512"], OID.sha512WithRSAEncryption],
    ["RSASSA-PSS SHA-256 salt 32, rsaEncryption key", "rsa", ["-sha256", "-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:32"], OID.rsassaPss],
    ["RSASSA-PSS SHA-384 salt 48, rsaEncryption key", "rsa", ["-sha384", "-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:digest"], OID.rsassaPss],
    ["RSASSA-PSS SHA-512 salt 20, rsaEncryption key", "rsa", ["-sha512", "-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:20"], OID.rsassaPss],
    ["RSASSA-PSS SHA-256 with an id-RSASSA-PSS key", "rsapss", ["-sha256"], OID.rsassaPss],
    ["ecdsa-with-SHA256 on P-256", "p256", ["-sha256"], OID.ecdsaWithSHA256],
    ["ecdsa-with-SHA384 on P-384", "p384", ["-sha384"], OID.ecdsaWithSHA384],
    ["ecdsa-with-SHA512 on P-521", "p521", ["-sha512"], OID.ecdsaWithSHA512],
    ["ecdsa-with-SHA512 on P-256", "p256", ["-sha512"], OID.ecdsaWithSHA512],
    ["Ed25519", "ed25519", [], OID.ed25519],
  ];
  for (const [name, key, options, oid] of cases) {
    it(`verifies a CSR signed with ${name}, and fails when signature or data change`, async () => {
      const v = opensslCsr(key, options);
      expect(v.algorithm.algorithm).toBe(oid);
      expect(await verifySignature(v.spki, v.algorithm, v.data, v.signature)).toBe(true);
      expect(await verifySignature(v.spki, v.algorithm, v.data, flipLastBit(v.signature))).toBe(false);
      expect(await verifySignature(v.spki, v.algorithm, flipLastBit(v.data), v.signature)).toBe(false);
      expect(await verifySignature(v.spki, v.algorithm, v.data, v.signature.subarray(0, v.signature.length - 1))).toBe(false);
    });
  }

  it("verifies `openssl dgst` and `openssl pkeyutl -rawin` signatures over larger data", async () => {
    const data = new Uint8Array(randomBytes(10_000));
    dir.write("data.bin", data);
    mustOpensslSync(["dgst", "-sha384", "-sign", "p384.pem", "-out", "p384.sig", "data.bin"], { cwd: dir.path });
    const ecdsa = new AlgorithmIdentifier({ algorithm: OID.ecdsaWithSHA384 });
    expect(await verifySignature(spkiOf("p384"), ecdsa, data, dir.read("p384.sig"))).toBe(true);

    mustOpensslSync(["dgst", "-sha512", "-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:64", "-sign", "rsa.pem", "-out", "rsa.sig", "data.bin"], { cwd: dir.path });
    expect(await verifySignature(spkiOf("rsa"), pss(OID.sha512, 64), data, dir.read("rsa.sig"))).toBe(true);
    // The salt length is part of the algorithm: a different one must not verify.
    expect(await verifySignature(spkiOf("rsa"), pss(OID.sha512, 32), data, dir.read("rsa.sig"))).toBe(false);

    mustOpensslSync(["pkeyutl", "-sign", "-rawin", "-inkey", "ed25519.pem", "-in", "data.bin", "-out", "ed.sig"], { cwd: dir.path });
    const ed = new AlgorithmIdentifier({ algorithm: OID.ed25519 });
    expect(await verifySignature(spkiOf("ed25519"), ed, data, dir.read("ed.sig"))).toBe(true);
    expect(await verifySignature(spkiOf("ed25519"), ed, flipLastBit(data), dir.read("ed.sig"))).toBe(false);
  });

  it("refuses SHA-1 signatures with badAlg", async () => {
    for (const [key, oid] of [["rsa", OID.sha1WithRSAEncryption], ["p256", OID.ecdsaWithSHA1]] as const) {
      const v = opensslCsr(key, ["-sha1"]);
      expect(v.algorithm.algorithm).toBe(oid);
      const f = await failure(verifySignature(v.spki, v.algorithm, v.data, v.signature));
      expect(f.failInfo).toEqual(["badAlg"]);
      expect(f.message).toMatch(/SHA-1/);
    }
  });

  it("answers a key that does not match the algorithm with badAlg", async () => {
    const rsa = opensslCsr("rsa", ["-sha256"]);
    const ec = opensslCsr("p256", ["-sha256"]);
    const ed = opensslCsr("ed25519", []);
    const psskey = opensslCsr("rsapss", ["-sha256"]);
    const mismatches: [Vector, AlgorithmIdentifier][] = [
      [rsa, ec.algorithm],
      [ec, rsa.algorithm],
      [ed, ec.algorithm],
      [ec, ed.algorithm],
      // RFC 4055 §1.2: an id-RSASSA-PSS key must not make PKCS #1 v1.5 signatures.
      [psskey, rsa.algorithm],
    ];
    for (const [v, algorithm] of mismatches) {
      const f = await failure(verifySignature(v.spki, algorithm, v.data, v.signature));
      expect(f.failInfo).toEqual(["badAlg"]);
      expect(f.message).toMatch(/does not match the public key/);
    }
  });

  it("refuses curves other than P-256, P-384 and P-521 with badAlg", async () => {
    const v = opensslCsr("k256", ["-sha256"]);
    const f = await failure(verifySignature(v.spki, v.algorithm, v.data, v.signature));
    expect(f.failInfo).toEqual(["badAlg"]);
    expect(f.message).toMatch(/curve 1\.3\.132\.0\.10 is not supported/);
  });

  it("answers a malformed ECDSA-Sig-Value with false and a broken SPKI with badDataFormat", async () => {
    const v = opensslCsr("p256", ["-sha256"]);
    const trailing = new Uint8Array([...v.signature, 0]);
    expect(await verifySignature(v.spki, v.algorithm, v.data, trailing)).toBe(false);
    expect(await verifySignature(v.spki, v.algorithm, v.data, new Uint8Array(64))).toBe(false);
    const f = await failure(verifySignature(v.spki.subarray(0, 20), v.algorithm, v.data, v.signature));
    expect(f.failInfo).toEqual(["badDataFormat"]);
  });
});

describe("verifySignature with signatures made by WebCrypto", () => {
  const subtle = crypto.subtle;
  const data = new Uint8Array(randomBytes(512));

  it("RSASSA-PKCS1-v1_5 with SHA-384", async () => {
    const pair = await subtle.generateKey(
      { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-384" },
      false,
      ["sign", "verify"],
    );
    const spki = new Uint8Array(await subtle.exportKey("spki", pair.publicKey));
    const sig = new Uint8Array(await subtle.sign("RSASSA-PKCS1-v1_5", pair.privateKey, data));
    const alg = new AlgorithmIdentifier({ algorithm: OID.sha384WithRSAEncryption, parameters: null });
    expect(await verifySignature(spki, alg, data, sig)).toBe(true);
    expect(await verifySignature(spki, alg, data, flipLastBit(sig))).toBe(false);
    // The same signature claimed as SHA-256 must not verify.
    expect(await verifySignature(spki, new AlgorithmIdentifier({ algorithm: OID.sha256WithRSAEncryption, parameters: null }), data, sig)).toBe(false);
  });

  it("RSA-PSS with SHA-256 and salt 32", async () => {
    const pair = await subtle.generateKey(
      { name: "RSA-PSS", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
      false,
      ["sign", "verify"],
    );
    const spki = new Uint8Array(await subtle.exportKey("spki", pair.publicKey));
    const sig = new Uint8Array(await subtle.sign({ name: "RSA-PSS", saltLength: 32 }, pair.privateKey, data));
    expect(await verifySignature(spki, pss(OID.sha256, 32), data, sig)).toBe(true);
    expect(await verifySignature(spki, pss(OID.sha256, 32), data, flipLastBit(sig))).toBe(false);
  });

  for (const [curve, hash, oid] of [
    ["P-256", "SHA-256", OID.ecdsaWithSHA256],
    ["P-384", "SHA-384", OID.ecdsaWithSHA384],
    ["P-521", "SHA-512", OID.ecdsaWithSHA512],
  ] as const) {
    it(`ECDSA ${curve} with ${hash}, raw signature converted to DER`, async () => {
      const pair = await subtle.generateKey({ name: "ECDSA", namedCurve: curve }, false, ["sign", "verify"]);
      const spki = new Uint8Array(await subtle.exportKey("spki", pair.publicKey));
      const alg = new AlgorithmIdentifier({ algorithm: oid });
      for (let i = 0; i < 4; i++) {
        const raw = new Uint8Array(await subtle.sign({ name: "ECDSA", hash }, pair.privateKey, data));
        const der = ecdsaRawToDer(raw);
        expect(await verifySignature(spki, alg, data, der)).toBe(true);
        expect(await verifySignature(spki, alg, flipLastBit(data), der)).toBe(false);
        // A kept key answers the same, every time.
        expect(await verifySignature(spki, alg, data, der, { reuseKey: true })).toBe(true);
        expect(await verifySignature(spki, alg, flipLastBit(data), der, { reuseKey: true })).toBe(false);
      }
    });
  }

  it("a key that does not import is refused every time, kept or not", async () => {
    const pair = await subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"]);
    const spki = new Uint8Array(await subtle.exportKey("spki", pair.publicKey));
    // Change the last byte of Y: the point is no longer on the curve.
    const offCurve = spki.slice();
    offCurve[offCurve.length - 1] ^= 1;
    const alg = new AlgorithmIdentifier({ algorithm: OID.ecdsaWithSHA256 });
    const sig = ecdsaRawToDer(new Uint8Array(await subtle.sign({ name: "ECDSA", hash: "SHA-256" }, pair.privateKey, data)));
    for (let i = 0; i < 2; i++) {
      await expect(verifySignature(offCurve, alg, data, sig, { reuseKey: true })).rejects.toMatchObject({ failInfo: ["badDataFormat"] });
    }
    expect(await verifySignature(spki, alg, data, sig, { reuseKey: true })).toBe(true);
  });

  it("Ed25519", async () => {
    const pair = (await subtle.generateKey({ name: "Ed25519" }, false, ["sign", "verify"])) as { publicKey: CryptoKeyLike; privateKey: CryptoKeyLike };
    const spki = new Uint8Array(await subtle.exportKey("spki", pair.publicKey));
    const sig = new Uint8Array(await subtle.sign({ name: "Ed25519" }, pair.privateKey, data));
    const alg = new AlgorithmIdentifier({ algorithm: OID.ed25519 });
    expect(await verifySignature(spki, alg, data, sig)).toBe(true);
    expect(await verifySignature(spki, alg, data, flipLastBit(sig))).toBe(false);
  });
});

type CryptoKeyLike = Awaited<ReturnType<typeof crypto.subtle.importKey>>;
