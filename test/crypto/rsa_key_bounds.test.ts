import { AlgorithmIdentifier, SubjectPublicKeyInfo } from "@peculiar/asn1-x509";
import { AsnConvert } from "@peculiar/asn1-schema";
import { RsaSaPssParams } from "@peculiar/asn1-rsa";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { CmpError, type FailInfoName } from "../../src/asn1/pki_failure_info.js";
import { OID } from "../../src/crypto/algorithms.js";
import { rsaKeyFacts } from "../../src/crypto/rsa_key.js";
import { DEFAULT_RSA_MAX_MODULUS_BITS, verifySignature } from "../../src/crypto/signature.js";
import { oddOfBits, rsaSpki } from "./rsa_keys.js";

// rsaKeyFacts as it is, but counted: a reused key is decoded once.
vi.mock("../../src/crypto/rsa_key.js", async (importOriginal) => {
  const actual = await importOriginal<typeof import("../../src/crypto/rsa_key.js")>();
  return { ...actual, rsaKeyFacts: vi.fn(actual.rsaKeyFacts) };
});
const factsCalls = vi.mocked(rsaKeyFacts);

const data = new TextEncoder().encode("signed bytes");
const pkcs1 = new AlgorithmIdentifier({ algorithm: OID.sha256WithRSAEncryption, parameters: null });
const pss = new AlgorithmIdentifier({
  algorithm: OID.rsassaPss,
  parameters: AsnConvert.serialize(
    new RsaSaPssParams({
      hashAlgorithm: new AlgorithmIdentifier({ algorithm: OID.sha256 }),
      maskGenAlgorithm: new AlgorithmIdentifier({ algorithm: OID.mgf1, parameters: AsnConvert.serialize(new AlgorithmIdentifier({ algorithm: OID.sha256 })) }),
      saltLength: 32,
    }),
  ),
});
const E65537 = 65537n;

async function failure(p: Promise<unknown>): Promise<{ failInfo: readonly FailInfoName[]; message: string }> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  if (e instanceof CmpError) return { failInfo: e.failInfo, message: e.message };
  throw new Error(`expected a CmpError, got ${String(e)}`);
}

let importKey: ReturnType<typeof vi.spyOn>;
let verify: ReturnType<typeof vi.spyOn>;
beforeAll(() => {
  importKey = vi.spyOn(crypto.subtle, "importKey");
  verify = vi.spyOn(crypto.subtle, "verify");
});
afterEach(() => {
  importKey.mockClear();
  verify.mockClear();
  factsCalls.mockClear();
});
afterAll(() => {
  importKey.mockRestore();
  verify.mockRestore();
});

/** A refusal made before WebCrypto saw the key: badAlg, the message matching, no importKey or verify. */
async function refusedEarly(spki: Uint8Array, algorithm: AlgorithmIdentifier, message: RegExp, options: Parameters<typeof verifySignature>[4] = {}) {
  const f = await failure(verifySignature(spki, algorithm, data, new Uint8Array(256), options));
  expect(f.failInfo).toEqual(["badAlg"]);
  expect(f.message).toMatch(message);
  expect(importKey).not.toHaveBeenCalled();
  expect(verify).not.toHaveBeenCalled();
}

describe("verifySignature: RSA modulus size", () => {
  it("defaults to 8192 bits", () => {
    expect(DEFAULT_RSA_MAX_MODULUS_BITS).toBe(8192);
  });

  it("refuses a modulus above the maximum with badAlg before any WebCrypto call, for every RSA scheme and key form", async () => {
    const big = oddOfBits(8193);
    for (const [spki, algorithm] of [
      [rsaSpki(big, E65537), pkcs1],
      [rsaSpki(big, E65537), pss],
      [rsaSpki(big, E65537, { pss: true }), pss],
    ] as const) {
      for (const reuseKey of [false, true, true]) {
        await refusedEarly(spki, algorithm, /8193-bit modulus .* maximum is 8192 bits/, { reuseKey });
      }
    }
  });

  it("lets a modulus of exactly the maximum through to WebCrypto", async () => {
    const spki = rsaSpki(oddOfBits(8192), E65537);
    const outcome = await verifySignature(spki, pkcs1, data, new Uint8Array(1024)).catch((e: unknown) => e);
    // Not a real key, so WebCrypto answers false or refuses it as malformed; either way it saw it.
    expect(outcome === false || (outcome instanceof CmpError && outcome.failInfo[0] === "badDataFormat")).toBe(true);
    expect(importKey).toHaveBeenCalled();
  });

  it("takes the limit from rsaMaxModulusBits, compared on every call for a reused key", async () => {
    const pair = await crypto.subtle.generateKey(
      { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
      false,
      ["sign", "verify"],
    );
    const spki = new Uint8Array(await crypto.subtle.exportKey("spki", pair.publicKey));
    const sig = new Uint8Array(await crypto.subtle.sign("RSASSA-PKCS1-v1_5", pair.privateKey, data));
    importKey.mockClear();
    verify.mockClear();
    for (const reuseKey of [false, true]) {
      expect(await verifySignature(spki, pkcs1, data, sig, { reuseKey, rsaMaxModulusBits: 2048 })).toBe(true);
      importKey.mockClear();
      verify.mockClear();
      await refusedEarly(spki, pkcs1, /2048-bit modulus .* maximum is 2047 bits/, { reuseKey, rsaMaxModulusBits: 2047 });
      expect(await verifySignature(spki, pkcs1, data, sig, { reuseKey, rsaMaxModulusBits: 4096 })).toBe(true);
    }
  });

  it("refuses a limit that is not a positive integer as a programming error", async () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      await expect(verifySignature(rsaSpki(oddOfBits(2048), E65537), pkcs1, data, new Uint8Array(256), { rsaMaxModulusBits: bad })).rejects.toThrow(
        /rsaMaxModulusBits/,
      );
    }
  });
});

describe("verifySignature: RSA public exponent (FIPS 186-5 §5.4)", () => {
  const n = oddOfBits(3072);

  it("refuses even exponents, 1, and exponents of 2^256 or more with badAlg before any WebCrypto call", async () => {
    await refusedEarly(rsaSpki(n, 65536n), pkcs1, /even/);
    await refusedEarly(rsaSpki(n, 2n), pss, /even/);
    await refusedEarly(rsaSpki(n, 1n), pkcs1, /exponent 1 .* at least 3/);
    await refusedEarly(rsaSpki(n, (1n << 256n) + 1n), pkcs1, /257 bits .* below 2\^256/);
    // The case: a 3 070-bit exponent makes one verification hundreds of times dearer.
    await refusedEarly(rsaSpki(n, oddOfBits(3070)), pkcs1, /3070 bits .* below 2\^256/);
    await refusedEarly(rsaSpki(n, oddOfBits(3070), { pss: true }), pss, /3070 bits/, { reuseKey: true });
  });

  it("lets 3, 65537 and the largest odd exponent below 2^256 through to WebCrypto", async () => {
    for (const e of [3n, E65537, (1n << 256n) - 1n]) {
      importKey.mockClear();
      await verifySignature(rsaSpki(n, e), pkcs1, data, new Uint8Array(384)).catch((err: unknown) => {
        if (!(err instanceof CmpError) || err.failInfo[0] !== "badDataFormat") throw err;
      });
      expect(importKey).toHaveBeenCalledTimes(1);
    }
  });
});

describe("verifySignature: RSA key decoding", () => {
  it("decodes a reused key's RSAPublicKey once", async () => {
    const spki = rsaSpki(oddOfBits(3072) + 4242n, oddOfBits(3070));
    for (let i = 0; i < 3; i++) await refusedEarly(spki, pkcs1, /3070 bits/, { reuseKey: true });
    expect(factsCalls).toHaveBeenCalledTimes(1);
    for (let i = 0; i < 2; i++) await refusedEarly(spki, pkcs1, /3070 bits/);
    expect(factsCalls).toHaveBeenCalledTimes(3);
  });

  it("answers an RSA key that is not an RSAPublicKey, or has a negative modulus, with badDataFormat before WebCrypto", async () => {
    const notRsa = new Uint8Array(
      AsnConvert.serialize(
        new SubjectPublicKeyInfo({
          algorithm: new AlgorithmIdentifier({ algorithm: OID.rsaEncryption, parameters: null }),
          subjectPublicKey: new Uint8Array([0x04, 0x02, 0x01, 0x02]).buffer,
        }),
      ),
    );
    // Modulus contents 0x80: a negative INTEGER (X.690 §8.3).
    const spkiKey = new SubjectPublicKeyInfo({
      algorithm: new AlgorithmIdentifier({ algorithm: OID.rsaEncryption, parameters: null }),
      subjectPublicKey: new Uint8Array([0x30, 0x08, 0x02, 0x01, 0x80, 0x02, 0x03, 0x01, 0x00, 0x01]).buffer,
    });
    const negativeModulus = new Uint8Array(AsnConvert.serialize(spkiKey));
    for (const [spki, message] of [[notRsa, /not a DER RSAPublicKey/], [negativeModulus, /modulus is not a positive integer/]] as const) {
      const f = await failure(verifySignature(spki, pkcs1, data, new Uint8Array(256)));
      expect(f.failInfo).toEqual(["badDataFormat"]);
      expect(f.message).toMatch(message);
    }
    expect(importKey).not.toHaveBeenCalled();
  });
});
