import { createHmac, pbkdf2Sync, randomBytes } from "node:crypto";
import { AsnConvert } from "@peculiar/asn1-schema";
import { AlgorithmIdentifier } from "@peculiar/asn1-x509";
import { describe, expect, it } from "vitest";
import { CmpError, type FailInfoName } from "../../src/asn1/pki_failure_info.js";
import { computeMac, verifyMac } from "../../src/crypto/hmac.js";
import { decodePbmac1Params, derivePbmac1Key, planPbmac1 } from "../../src/crypto/pbmac1.js";
import { encodeTlv } from "../../src/asn1/der.js";
import { fromHex, hex } from "./der.js";
import { NODE_HASH_OF, OID_DER, pbmac1AlgorithmIdentifierDer, type Pbmac1Vector } from "./pbmac1_vectors.js";

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

describe("PBMAC1 against node:crypto pbkdf2 + HMAC", () => {
  const salt = () => new Uint8Array(randomBytes(16));
  const cases: [string, Pbmac1Vector, number][] = [
    ["PBKDF2-SHA256, HMAC-SHA256, keyLength absent", { salt: salt(), iterationCount: 1000, prf: "hmacWithSHA256", mac: "hmacWithSHA256" }, 32],
    ["PBKDF2-SHA512, HMAC-SHA256", { salt: salt(), iterationCount: 100, prf: "hmacWithSHA512", mac: "hmacWithSHA256" }, 32],
    ["PBKDF2-SHA256, HMAC-SHA512: two PBKDF2 blocks", { salt: salt(), iterationCount: 500, prf: "hmacWithSHA256", mac: "hmacWithSHA512" }, 64],
    ["PBKDF2-SHA384, HMAC-SHA384, keyLength 48", { salt: salt(), iterationCount: 300, keyLength: 48, prf: "hmacWithSHA384", mac: "hmacWithSHA384" }, 48],
    ["HMAC-SHA256 with keyLength 64 (its block size)", { salt: salt(), iterationCount: 100, keyLength: 64, prf: "hmacWithSHA256", mac: "hmacWithSHA256" }, 64],
    ["parameters absent instead of NULL", { salt: salt(), iterationCount: 200, prf: "hmacWithSHA512", mac: "hmacWithSHA512", nullParams: false }, 64],
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

  it("refuses a keyLength that does not fit the MAC", async () => {
    for (const keyLength of [0, 16, 31, 65, 1 << 20]) {
      const f = await failure(derive({ ...base, keyLength }, secret));
      expect(f.failInfo).toEqual(["badAlg"]);
      expect(f.message).toMatch(/keyLength .* must be 32\.\.64 octets/);
    }
    // For HMAC-SHA512 the window is 64..128.
    expect((await failure(derive({ ...base, mac: "hmacWithSHA512", keyLength: 32 }, secret))).message).toMatch(/64\.\.128/);
  });

  it("refuses a salt from otherSource", async () => {
    expect((await failure(derive({ ...base, otherSourceSalt: true }, secret))).message).toMatch(/otherSource/);
  });

  it("refuses a key derivation function other than PBKDF2 with badAlg", () => {
    const notPbkdf2 = encodeTlv(0x30, [encodeTlv(0x30, [OID_DER.sha256]), encodeTlv(0x30, [OID_DER.hmacWithSHA256])]);
    expect(() => decodePbmac1Params(notPbkdf2.slice().buffer)).toThrow(/only PBKDF2/);
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
