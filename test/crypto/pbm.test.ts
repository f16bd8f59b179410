import { createHash, createHmac, randomBytes } from "node:crypto";
import { AlgorithmIdentifier } from "@peculiar/asn1-x509";
import { describe, expect, it } from "vitest";
import { PBMParameter } from "../../src/asn1/pbm.js";
import { CmpError, type FailInfoName } from "../../src/asn1/pki_failure_info.js";
import { OID, hashByOid } from "../../src/crypto/algorithms.js";
import { computeMac, verifyMac } from "../../src/crypto/hmac.js";
import { decodePbmParameter, derivePbmKey, pbmBaseKey } from "../../src/crypto/pbm.js";
import { fromHex, hex } from "./der.js";

const MAX = 100_000;
const NODE_HASH: Record<string, string> = { [OID.sha1]: "sha1", [OID.sha256]: "sha256", [OID.sha384]: "sha384", [OID.sha512]: "sha512" };
const NODE_HMAC: Record<string, string> = {
  [OID.hmacSha1]: "sha1",
  [OID.hmacWithSHA1]: "sha1",
  [OID.hmacWithSHA256]: "sha256",
  [OID.hmacWithSHA384]: "sha384",
  [OID.hmacWithSHA512]: "sha512",
};

/** RFC 9810 §5.1.3.1 with node:crypto: owf applied iterationCount times to secret || salt, then HMAC keyed with the result. */
function referenceBaseKey(secret: Uint8Array, salt: Uint8Array, owf: string, iterations: number): Buffer {
  let k = createHash(owf).update(secret).update(salt).digest();
  for (let i = 1; i < iterations; i++) k = createHash(owf).update(k).digest();
  return k;
}

function params(owf: string, mac: string, iterationCount: bigint, salt = new Uint8Array(randomBytes(16))): PBMParameter {
  return new PBMParameter({
    salt: salt.buffer.slice(salt.byteOffset, salt.byteOffset + salt.length) as ArrayBuffer,
    owf: new AlgorithmIdentifier({ algorithm: owf }),
    iterationCount,
    mac: new AlgorithmIdentifier({ algorithm: mac }),
  });
}

async function failure(p: Promise<unknown>): Promise<{ failInfo: readonly FailInfoName[]; message: string }> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  if (e instanceof CmpError) return { failInfo: e.failInfo, message: e.message };
  throw new Error(`expected a CmpError, got ${String(e)}`);
}

describe("PasswordBasedMac key derivation", () => {
  for (const owf of [OID.sha1, OID.sha256, OID.sha384, OID.sha512]) {
    for (const iterations of [1, 2, 100, 500]) {
      it(`BASEKEY matches node:crypto for ${NODE_HASH[owf]} x ${iterations}`, async () => {
        const secret = new Uint8Array(randomBytes(12));
        const salt = new Uint8Array(randomBytes(16));
        const ours = await pbmBaseKey(secret, salt, hashByOid(owf), iterations);
        expect(hex(ours)).toBe(referenceBaseKey(secret, salt, NODE_HASH[owf]!, iterations).toString("hex"));
      });
    }
  }
});

describe("PasswordBasedMac", () => {
  const combos: [string, string, bigint][] = [
    [OID.sha256, OID.hmacSha1, 500n], // the OpenSSL client's default
    [OID.sha1, OID.hmacSha1, 100n], // RFC 4211 §4.4 mandatory-to-implement
    [OID.sha256, OID.hmacWithSHA256, 1000n],
    [OID.sha384, OID.hmacWithSHA384, 250n],
    [OID.sha512, OID.hmacWithSHA512, 777n],
    [OID.sha512, OID.hmacWithSHA1, 100n],
    [OID.sha1, OID.hmacWithSHA512, 101n],
  ];
  for (const [owf, mac, iterations] of combos) {
    it(`MAC matches node:crypto for owf ${NODE_HASH[owf]}, mac ${mac}, ${iterations} iterations`, async () => {
      const secret = new Uint8Array(randomBytes(20));
      const p = params(owf, mac, iterations);
      const data = new Uint8Array(randomBytes(300));
      const key = await derivePbmKey(secret, p, MAX);
      const mac1 = await computeMac(key, data);
      const baseKey = referenceBaseKey(secret, new Uint8Array(p.salt), NODE_HASH[owf]!, Number(iterations));
      const expected = createHmac(NODE_HMAC[mac]!, baseKey).update(data).digest();
      expect(hex(mac1)).toBe(expected.toString("hex"));
      // The same derived key verifies and signs: no second derivation needed.
      expect(await verifyMac(key, data, mac1)).toBe(true);
      expect(hex(await computeMac(key, data))).toBe(hex(mac1));
    });
  }

  it("rejects a wrong MAC, a wrong secret, changed data and a truncated MAC", async () => {
    const secret = new TextEncoder().encode("correct horse");
    const p = params(OID.sha256, OID.hmacWithSHA256, 100n);
    const data = new Uint8Array(randomBytes(64));
    const key = await derivePbmKey(secret, p, MAX);
    const mac = await computeMac(key, data);
    const flipped = mac.slice();
    flipped[mac.length - 1]! ^= 1;
    expect(await verifyMac(key, data, flipped)).toBe(false);
    expect(await verifyMac(key, data, mac.subarray(0, 20))).toBe(false);
    const changed = data.slice();
    changed[0]! ^= 0x80;
    expect(await verifyMac(key, changed, mac)).toBe(false);
    const otherKey = await derivePbmKey(new TextEncoder().encode("correct horsf"), p, MAX);
    expect(await verifyMac(otherKey, data, mac)).toBe(false);
  });

  it("handles an empty salt and an empty secret like the reference", async () => {
    const p = params(OID.sha256, OID.hmacSha1, 100n, new Uint8Array(0));
    const key = await derivePbmKey(new Uint8Array(0), p, MAX);
    const data = fromHex("00");
    const expected = createHmac("sha1", referenceBaseKey(new Uint8Array(0), new Uint8Array(0), "sha256", 100)).update(data).digest("hex");
    expect(hex(await computeMac(key, data))).toBe(expected);
  });
});

describe("PasswordBasedMac iteration bounds", () => {
  const secret = new TextEncoder().encode("s");
  it("accepts 100 and the maximum", async () => {
    await expect(derivePbmKey(secret, params(OID.sha256, OID.hmacSha1, 100n), 150)).resolves.toBeDefined();
    await expect(derivePbmKey(secret, params(OID.sha256, OID.hmacSha1, 150n), 150)).resolves.toBeDefined();
  });

  for (const count of [99n, 0n, -1n, 151n, 2n ** 70n]) {
    it(`rejects iterationCount ${count} with badAlg`, async () => {
      const f = await failure(derivePbmKey(secret, params(OID.sha256, OID.hmacSha1, count), 150));
      expect(f.failInfo).toEqual(["badAlg"]);
      expect(f.message).toMatch(count < 100n ? /below the minimum of 100/ : /above this server's maximum of 150/);
    });
  }
});

describe("PasswordBasedMac algorithm checks", () => {
  const secret = new TextEncoder().encode("s");
  it("rejects SHA-224, MD5 and unknown one-way functions with badAlg", async () => {
    expect((await failure(derivePbmKey(secret, params(OID.sha224, OID.hmacSha1, 100n), MAX))).message).toMatch(/SHA-224/);
    expect((await failure(derivePbmKey(secret, params(OID.md5, OID.hmacSha1, 100n), MAX))).failInfo).toEqual(["badAlg"]);
    expect((await failure(derivePbmKey(secret, params("1.2.3", OID.hmacSha1, 100n), MAX))).message).toMatch(/unknown hash/);
  });

  it("rejects HMAC-SHA224 and unknown MACs with badAlg", async () => {
    expect((await failure(derivePbmKey(secret, params(OID.sha256, OID.hmacWithSHA224, 100n), MAX))).message).toMatch(/HMAC-SHA224/);
    // DES-MAC (RFC 4211 §4.4 "SHOULD") is not offered: no DES in WebCrypto.
    expect((await failure(derivePbmKey(secret, params(OID.sha256, "1.3.14.3.2.10", 100n), MAX))).failInfo).toEqual(["badAlg"]);
  });

  it("answers missing or undecodable parameters with badDataFormat", () => {
    for (const p of [undefined, null, fromHex("0500").buffer, fromHex("3003020101").buffer, fromHex("30").buffer]) {
      try {
        decodePbmParameter(p as ArrayBuffer | null | undefined);
        throw new Error("accepted");
      } catch (e) {
        expect(e).toBeInstanceOf(CmpError);
        expect((e as CmpError).failInfo).toEqual(["badDataFormat"]);
      }
    }
  });
});
