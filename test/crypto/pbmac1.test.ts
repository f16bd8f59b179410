import { createHmac, pbkdf2Sync, randomBytes } from "node:crypto";
import { AsnConvert } from "@peculiar/asn1-schema";
import { AlgorithmIdentifier } from "@peculiar/asn1-x509";
import { describe, expect, it } from "vitest";
import { CmpError, type FailInfoName } from "../../src/asn1/pki_failure_info.js";
import { computeMac, verifyMac } from "../../src/crypto/hmac.js";
import { decodePbmac1Params, derivePbmac1Key, planPbmac1 } from "../../src/crypto/pbmac1.js";
import { encodeTlv } from "../../src/asn1/der.js";
import { fromHex, hex } from "./der.js";
import { NODE_HASH_OF, OID_DER, pbkdf2ParamsDer, pbmac1AlgorithmIdentifierDer, type Pbmac1Vector } from "./pbmac1_vectors.js";

const MAX = 100_000;

function protectionAlg(v: Pbmac1Vector): AlgorithmIdentifier {
  return AsnConvert.parse(pbmac1AlgorithmIdentifierDer(v), AlgorithmIdentifier);
}

async function derive(v: Pbmac1Vector, secret: Uint8Array, max = MAX) {
  const { pbmac1, pbkdf2 } = decodePbmac1Params(protectionAlg(v).parameters);
  const plan = planPbmac1(pbmac1, pbkdf2, max);
  return { plan, key: await derivePbmac1Key(secret, plan) };
}

/** RFC 8018 §7.1 with node:crypto: DK = PBKDF2(P, S, c, dkLen) with the PRF's hash, then HMAC with DK. */
function reference(v: Pbmac1Vector, secret: Uint8Array, dkLen: number, data: Uint8Array): string {
  const dk = pbkdf2Sync(secret, v.salt, v.iterationCount, dkLen, NODE_HASH_OF[v.prf ?? "hmacWithSHA1"]);
  return createHmac(NODE_HASH_OF[v.mac], dk).update(data).digest("hex");
}

async function failure(p: Promise<unknown>): Promise<{ failInfo: readonly FailInfoName[]; message: string }> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  if (e instanceof CmpError) return { failInfo: e.failInfo, message: e.message };
  throw new Error(`expected a CmpError, got ${String(e)}`);
}

function cmpErrorOf(run: () => unknown): { failInfo: readonly FailInfoName[]; message: string } {
  try {
    run();
  } catch (e) {
    if (e instanceof CmpError) return { failInfo: e.failInfo, message: e.message };
    throw e;
  }
  throw new Error("accepted");
}

describe("PBMAC1 against node:crypto pbkdf2 + HMAC", () => {
  const salt = () => new Uint8Array(randomBytes(16));
  const cases: [string, Pbmac1Vector, number][] = [
    ["PBKDF2-SHA256, HMAC-SHA256, keyLength absent", { salt: salt(), iterationCount: 1000, prf: "hmacWithSHA256", mac: "hmacWithSHA256" }, 32],
    ["PBKDF2-SHA512, HMAC-SHA256", { salt: salt(), iterationCount: 100, prf: "hmacWithSHA512", mac: "hmacWithSHA256" }, 32],
    ["PBKDF2-SHA256, HMAC-SHA512: two PBKDF2 blocks", { salt: salt(), iterationCount: 500, prf: "hmacWithSHA256", mac: "hmacWithSHA512" }, 64],
    ["PBKDF2-SHA384, HMAC-SHA384, keyLength 48", { salt: salt(), iterationCount: 300, keyLength: 48, prf: "hmacWithSHA384", mac: "hmacWithSHA384" }, 48],
    ["HMAC-SHA256 with keyLength 64 (its block size)", { salt: salt(), iterationCount: 100, keyLength: 64, prf: "hmacWithSHA256", mac: "hmacWithSHA256" }, 64],
    ["parameters absent instead of NULL", { salt: salt(), iterationCount: 200, prf: "hmacWithSHA512", mac: "hmacWithSHA512", nullParams: false }, 64],
    // RFC 2104 §3: HMAC takes a key of any length; RFC 9481 §6.1.2 lets keyLength choose it.
    ["HMAC-SHA256 with keyLength 16, the minimum", { salt: salt(), iterationCount: 100, keyLength: 16, prf: "hmacWithSHA256", mac: "hmacWithSHA256" }, 16],
    ["HMAC-SHA256 with keyLength 20", { salt: salt(), iterationCount: 100, keyLength: 20, prf: "hmacWithSHA256", mac: "hmacWithSHA256" }, 20],
    ["HMAC-SHA512 with keyLength 32 (half its output)", { salt: salt(), iterationCount: 100, keyLength: 32, prf: "hmacWithSHA512", mac: "hmacWithSHA512" }, 32],
    ["HMAC-SHA512 with keyLength 128 (its block size)", { salt: salt(), iterationCount: 100, keyLength: 128, prf: "hmacWithSHA256", mac: "hmacWithSHA512" }, 128],
    // Bouncy Castle's JcePBMac1CalculatorBuilder: { id-PBES2, PBKDF2-params } as keyDerivationFunc.
    ["Bouncy Castle's id-PBES2 around PBKDF2-params", { salt: salt(), iterationCount: 1024, keyLength: 32, prf: "hmacWithSHA256", mac: "hmacWithSHA256", kdf: "pbes2" }, 32],
    ["Bouncy Castle's form with keyLength 64 and HMAC-SHA512", { salt: salt(), iterationCount: 1024, keyLength: 64, prf: "hmacWithSHA512", mac: "hmacWithSHA512", kdf: "pbes2" }, 64],
  ];
  for (const [name, v, dkLen] of cases) {
    it(name, async () => {
      const secret = new Uint8Array(randomBytes(24));
      const data = new Uint8Array(randomBytes(200));
      const { plan, key } = await derive(v, secret);
      expect(plan.keyLength).toBe(dkLen);
      const mac = await computeMac(key, data);
      expect(hex(mac)).toBe(reference(v, secret, dkLen, data));
      expect(await verifyMac(key, data, mac)).toBe(true);
      const otherSecret = secret.slice();
      otherSecret[0]! ^= 1;
      const wrong = await derive(v, otherSecret);
      expect(await verifyMac(wrong.key, data, mac)).toBe(false);
    });
  }
});

describe("PBMAC1 refusals", () => {
  const base: Pbmac1Vector = { salt: fromHex("00112233445566778899aabbccddeeff"), iterationCount: 1000, prf: "hmacWithSHA256", mac: "hmacWithSHA256" };
  const secret = new TextEncoder().encode("secret");

  it("refuses the SHA-1 PRF, whether DEFAULT (prf absent) or explicit", async () => {
    const f1 = await failure(derive({ ...base, prf: undefined }, secret));
    expect(f1.failInfo).toEqual(["badAlg"]);
    expect(f1.message).toMatch(/HMAC-SHA1 PRF/);
    expect((await failure(derive({ ...base, prf: "hmacWithSHA1" }, secret))).failInfo).toEqual(["badAlg"]);
  });

  it("refuses HMAC-SHA1 as MAC and HMAC-SHA224 anywhere", async () => {
    expect((await failure(derive({ ...base, mac: "hmacWithSHA1" }, secret))).message).toMatch(/HMAC-SHA1 as MAC/);
    expect((await failure(derive({ ...base, mac: "hmacWithSHA224" }, secret))).message).toMatch(/HMAC-SHA224/);
    expect((await failure(derive({ ...base, prf: "hmacWithSHA224" }, secret))).message).toMatch(/HMAC-SHA224/);
  });

  it("bounds the iteration count to 100..max", async () => {
    await expect(derive({ ...base, iterationCount: 100 }, secret, 1000)).resolves.toBeDefined();
    expect((await failure(derive({ ...base, iterationCount: 99 }, secret))).message).toMatch(/below the minimum of 100/);
    expect((await failure(derive({ ...base, iterationCount: 1001 }, secret, 1000))).message).toMatch(/above this server's maximum of 1000/);
    expect((await failure(derive({ ...base, iterationCount: 2 ** 40 }, secret))).failInfo).toEqual(["badAlg"]);
  });

  it("bounds the PBKDF2 rounds a long key costs: iterationCount × ceil(keyLength / hLen)", async () => {
    // HMAC-SHA512 as MAC takes a 64-octet key; with a SHA-256 PRF that is two PBKDF2 blocks.
    const long = { ...base, mac: "hmacWithSHA512", keyLength: 64 } as const;
    await expect(derive({ ...long, iterationCount: 500 }, secret, 1000)).resolves.toBeDefined();
    const f = await failure(derive({ ...long, iterationCount: 501 }, secret, 1000));
    expect(f.failInfo).toEqual(["badAlg"]);
    expect(f.message).toBe("PBKDF2-params iterationCount 501 for a 64-octet key is 2 × 501 rounds, above this server's maximum of 1000 with SHA-256");
  });

  it("refuses a keyLength below 16 octets (128 bits) or above the MAC's block size", async () => {
    for (const keyLength of [0, 1, 15]) {
      const f = await failure(derive({ ...base, keyLength }, secret));
      expect(f.failInfo).toEqual(["badAlg"]);
      expect(f.message).toMatch(new RegExp(`keyLength ${keyLength} is too short .* must be 16\\.\\.64 octets for hmacWithSHA256`));
    }
    for (const keyLength of [65, 1 << 20]) {
      const f = await failure(derive({ ...base, keyLength }, secret));
      expect(f.failInfo).toEqual(["badAlg"]);
      expect(f.message).toMatch(new RegExp(`keyLength ${keyLength} is longer than hmacWithSHA256's block size.* 16\\.\\.64 octets`));
    }
    const huge = await failure(derive({ ...base, keyLength: 2 ** 40 }, secret));
    expect(huge.failInfo).toEqual(["badAlg"]);
    // For HMAC-SHA512 the window is 16..128.
    await expect(derive({ ...base, mac: "hmacWithSHA512", keyLength: 16 }, secret)).resolves.toBeDefined();
    expect((await failure(derive({ ...base, mac: "hmacWithSHA512", keyLength: 129 }, secret))).message).toMatch(/16\.\.128/);
    // The same bounds in Bouncy Castle's form.
    expect((await failure(derive({ ...base, kdf: "pbes2", keyLength: 8 }, secret))).failInfo).toEqual(["badAlg"]);
  });

  it("plans the HMAC output length when keyLength is absent", async () => {
    expect((await derive({ ...base, mac: "hmacWithSHA384" }, secret)).plan.keyLength).toBe(48);
  });

  it("refuses a salt from otherSource", async () => {
    expect((await failure(derive({ ...base, otherSourceSalt: true }, secret))).message).toMatch(/otherSource/);
  });

  it("refuses a key derivation function other than PBKDF2 with badAlg", () => {
    const notPbkdf2 = encodeTlv(0x30, [encodeTlv(0x30, [OID_DER.sha256]), encodeTlv(0x30, [OID_DER.hmacWithSHA256])]);
    expect(() => decodePbmac1Params(notPbkdf2.slice().buffer)).toThrow(/only PBKDF2/);
  });

  it("decodes Bouncy Castle's { id-PBES2, PBKDF2-params } as the PBKDF2-params inside", () => {
    const v: Pbmac1Vector = { ...base, keyLength: 20, kdf: "pbes2" };
    const { pbmac1, pbkdf2 } = decodePbmac1Params(protectionAlg(v).parameters);
    expect(pbmac1.keyDerivationFunc.algorithm).toBe("1.2.840.113549.1.5.13");
    expect(pbkdf2.iterationCount).toBe(1000n);
    expect(pbkdf2.keyLength).toBe(20n);
    expect(hex(new Uint8Array(pbkdf2.salt.specified!))).toBe(hex(base.salt));
    expect(pbkdf2.prf.algorithm).toBe("1.2.840.113549.2.9");
  });

  it("refuses real PBES2-params (an encryption scheme) under id-PBES2 with badAlg", () => {
    // PBES2-params { keyDerivationFunc { id-PBKDF2, PBKDF2-params }, encryptionScheme { aes128-CBC, iv } } (RFC 8018 A.4).
    const aes128Cbc = fromHex("0609608648016503040102");
    const pbes2Params = encodeTlv(0x30, [
      encodeTlv(0x30, [OID_DER.pbkdf2, pbkdf2ParamsDer(base)]),
      encodeTlv(0x30, [aes128Cbc, encodeTlv(0x04, [new Uint8Array(16)])]),
    ]);
    const params = encodeTlv(0x30, [encodeTlv(0x30, [OID_DER.pbes2, pbes2Params]), encodeTlv(0x30, [OID_DER.hmacWithSHA256, fromHex("0500")])]);
    const f = cmpErrorOf(() => decodePbmac1Params(params.slice().buffer));
    expect(f.failInfo).toEqual(["badAlg"]);
    expect(f.message).toMatch(/id-PBES2 with PBES2-params is an encryption scheme/);
  });

  it("answers id-PBES2 without parameters or with garbage with badDataFormat", () => {
    const withoutParams = encodeTlv(0x30, [encodeTlv(0x30, [OID_DER.pbes2]), encodeTlv(0x30, [OID_DER.hmacWithSHA256])]);
    const withGarbage = encodeTlv(0x30, [encodeTlv(0x30, [OID_DER.pbes2, fromHex("3003020101")]), encodeTlv(0x30, [OID_DER.hmacWithSHA256])]);
    const withNull = encodeTlv(0x30, [encodeTlv(0x30, [OID_DER.pbes2, fromHex("0500")]), encodeTlv(0x30, [OID_DER.hmacWithSHA256])]);
    for (const p of [withoutParams, withGarbage, withNull]) {
      expect(cmpErrorOf(() => decodePbmac1Params(p.slice().buffer)).failInfo).toEqual(["badDataFormat"]);
    }
  });

  it("answers missing or undecodable parameters with badDataFormat", () => {
    const kdfWithoutParams = encodeTlv(0x30, [encodeTlv(0x30, [OID_DER.pbkdf2]), encodeTlv(0x30, [OID_DER.hmacWithSHA256])]);
    const kdfWithGarbage = encodeTlv(0x30, [encodeTlv(0x30, [OID_DER.pbkdf2, fromHex("020101")]), encodeTlv(0x30, [OID_DER.hmacWithSHA256])]);
    for (const p of [undefined, null, fromHex("0500").buffer, fromHex("3000").buffer, kdfWithoutParams.buffer, kdfWithGarbage.buffer]) {
      try {
        decodePbmac1Params(p as ArrayBuffer | null | undefined);
        throw new Error("accepted");
      } catch (e) {
        expect(e).toBeInstanceOf(CmpError);
        expect((e as CmpError).failInfo).toEqual(["badDataFormat"]);
      }
    }
  });
});
