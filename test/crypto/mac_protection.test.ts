import { createHmac, pbkdf2Sync } from "node:crypto";
import { AsnConvert } from "@peculiar/asn1-schema";
import { AlgorithmIdentifier } from "@peculiar/asn1-x509";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CmpError, type FailInfoName } from "../../src/asn1/pki_failure_info.js";
import { OID } from "../../src/crypto/algorithms.js";
import { PBMParameter } from "../../src/asn1/pbm.js";
import { isMacProtection, prepareMac } from "../../src/crypto/mac_protection.js";
import { encodeTlv } from "../../src/asn1/der.js";
import { fromHex, hex } from "./der.js";
import { makeTempDirSync } from "../support/openssl.js";
import { opensslPbmExchange, splitPkiMessage } from "./openssl.js";
import { pbmac1AlgorithmIdentifierDer } from "./pbmac1_vectors.js";

const MAX = 100_000;
const SECRET = "insta-secret";
const secret = new TextEncoder().encode(SECRET);

/** ProtectedPart ::= SEQUENCE { header PKIHeader, body PKIBody } over the bytes as received (RFC 9810 §5.1.3). */
function protectedPart(message: Uint8Array): { alg: AlgorithmIdentifier; data: Uint8Array; protection: Uint8Array; body: Uint8Array; header: Uint8Array } {
  const parts = splitPkiMessage(message);
  return {
    alg: AsnConvert.parse(parts.protectionAlg, AlgorithmIdentifier),
    data: encodeTlv(0x30, [parts.header, parts.body]),
    protection: parts.protection,
    header: parts.header,
    body: parts.body,
  };
}

async function failure(p: Promise<unknown>): Promise<{ failInfo: readonly FailInfoName[]; message: string }> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  if (e instanceof CmpError) return { failInfo: e.failInfo, message: e.message };
  throw new Error(`expected a CmpError, got ${String(e)}`);
}

describe("prepareMac with PBM messages made by openssl cmp", () => {
  const dir = makeTempDirSync("jellyfish-crypto-");
  // [openssl -digest, openssl -mac, expected owf OID, expected mac OID]
  const combos = [
    ["sha256", "hmac-sha1", OID.sha256, OID.hmacSha1], // the client's defaults
    ["sha512", "hmacWithSHA512", OID.sha512, OID.hmacWithSHA512],
    ["sha1", "hmacWithSHA256", OID.sha1, OID.hmacWithSHA256],
    ["sha384", "hmacWithSHA384", OID.sha384, OID.hmacWithSHA384],
  ] as const;
  const exchanges = new Map<string, { ir: Uint8Array; ip: Uint8Array }>();

  beforeAll(() => {
    for (const [digest, mac] of combos) {
      exchanges.set(digest, opensslPbmExchange(dir.path, digest, { digest, mac, secret: SECRET }));
    }
  });
  afterAll(() => dir.remove());

  for (const [digest, mac, owfOid, macOid] of combos) {
    it(`verifies and reproduces the MAC of an ir with -digest ${digest} -mac ${mac}`, async () => {
      const ir = protectedPart(exchanges.get(digest)!.ir);
      expect(ir.alg.algorithm).toBe(OID.passwordBasedMac);
      // The vector really uses the algorithms we asked for (a hex search for the DER OIDs).
      const params = hex(new Uint8Array(ir.alg.parameters!));
      expect(params).toContain(hex(oidDer(owfOid)));
      expect(params).toContain(hex(oidDer(macOid)));

      const key = await prepareMac(ir.alg, secret, MAX);
      expect(await key.verify(ir.data, ir.protection)).toBe(true);
      // HMAC is deterministic: signing the same bytes gives OpenSSL's MAC.
      expect(hex(await key.sign(ir.data))).toBe(hex(ir.protection));
      expect(key.protectionAlg).toBe(ir.alg);
    });

    it(`rejects the -digest ${digest} ir under a wrong secret or with a changed body`, async () => {
      const ir = protectedPart(exchanges.get(digest)!.ir);
      const wrong = await prepareMac(ir.alg, new TextEncoder().encode(SECRET + "x"), MAX);
      expect(await wrong.verify(ir.data, ir.protection)).toBe(false);
      const key = await prepareMac(ir.alg, secret, MAX);
      const body = ir.body.slice();
      body[body.length - 1]! ^= 1;
      expect(await key.verify(encodeTlv(0x30, [ir.header, body]), ir.protection)).toBe(false);
    });

    it(`verifies the mock server's PBM-protected ip for -digest ${digest}`, async () => {
      const ip = protectedPart(exchanges.get(digest)!.ip);
      const key = await prepareMac(ip.alg, secret, MAX);
      expect(await key.verify(ip.data, ip.protection)).toBe(true);
    });
  }

  it("refuses an openssl ir whose PBM one-way function is SHA-224 with badAlg", async () => {
    const ir = protectedPart(opensslPbmExchange(dir.path, "sha224", { digest: "sha224", mac: "hmac-sha1", secret: SECRET }).ir);
    const f = await failure(prepareMac(ir.alg, secret, MAX));
    expect(f.failInfo).toEqual(["badAlg"]);
    expect(f.message).toMatch(/SHA-224 is not available in WebCrypto/);
  });

  it("refuses the 500 iterations of OpenSSL when the server maximum is lower", async () => {
    const ir = protectedPart(exchanges.get("sha256")!.ir);
    const f = await failure(prepareMac(ir.alg, secret, 499));
    expect(f.failInfo).toEqual(["badAlg"]);
    expect(f.message).toMatch(/iterationCount 500 is above/);
  });
});

describe("prepareMac with PBMAC1", () => {
  it("verifies and signs like PBKDF2 + HMAC from node:crypto", async () => {
    const salt = fromHex("0f1e2d3c4b5a69788796a5b4c3d2e1f0");
    const alg = AsnConvert.parse(
      pbmac1AlgorithmIdentifierDer({ salt, iterationCount: 2000, prf: "hmacWithSHA256", mac: "hmacWithSHA256" }),
      AlgorithmIdentifier,
    );
    expect(isMacProtection(alg)).toBe(true);
    const data = new TextEncoder().encode("ProtectedPart stand-in");
    const expected = createHmac("sha256", pbkdf2Sync(secret, salt, 2000, 32, "sha256")).update(data).digest();
    const key = await prepareMac(alg, secret, MAX);
    expect(hex(await key.sign(data))).toBe(expected.toString("hex"));
    expect(await key.verify(data, new Uint8Array(expected))).toBe(true);
    expected[0]! ^= 1;
    expect(await key.verify(data, new Uint8Array(expected))).toBe(false);
  });
});

describe("prepareMac with PBMAC1 as Bouncy Castle writes it", () => {
  // JcePBMac1CalculatorBuilder: keyDerivationFunc { id-PBES2, PBKDF2-params }, keyLength always present.
  for (const keyLength of [16, 20, 32]) {
    it(`derives PBKDF2 + HMAC-SHA256 with keyLength ${keyLength} and keeps the algorithm as sent`, async () => {
      const salt = fromHex("a0a1a2a3a4a5a6a7a8a9aaabacadaeaf");
      const der = pbmac1AlgorithmIdentifierDer({ salt, iterationCount: 1024, keyLength, prf: "hmacWithSHA256", mac: "hmacWithSHA256", kdf: "pbes2" });
      const alg = AsnConvert.parse(der, AlgorithmIdentifier);
      expect(isMacProtection(alg)).toBe(true);
      const data = new TextEncoder().encode("ProtectedPart stand-in");
      const expected = createHmac("sha256", pbkdf2Sync(secret, salt, 1024, keyLength, "sha256")).update(data).digest();
      const key = await prepareMac(alg, secret, MAX);
      expect(hex(await key.sign(data))).toBe(expected.toString("hex"));
      expect(hex(new Uint8Array(AsnConvert.serialize(key.protectionAlg)))).toBe(hex(der));
    });
  }
});

describe("prepareMac errors", () => {
  it("refuses protection OIDs that are not PBM or PBMAC1 with badAlg", async () => {
    for (const oid of [OID.ecdsaWithSHA256, "1.2.840.113533.7.66.30" /* DHBasedMac */, "1.2.3.4"]) {
      const alg = new AlgorithmIdentifier({ algorithm: oid });
      expect(isMacProtection(alg)).toBe(false);
      const f = await failure(prepareMac(alg, secret, MAX));
      expect(f.failInfo).toEqual(["badAlg"]);
      expect(f.message).toContain(oid);
    }
  });

  it("answers missing or malformed parameters with badDataFormat", async () => {
    for (const [oid, parameters] of [
      [OID.passwordBasedMac, undefined],
      [OID.passwordBasedMac, fromHex("3000").buffer],
      [OID.pbmac1, null],
      [OID.pbmac1, fromHex("020101").buffer],
    ] as const) {
      const f = await failure(prepareMac(new AlgorithmIdentifier({ algorithm: oid, parameters: parameters as ArrayBuffer | null | undefined }), secret, MAX));
      expect(f.failInfo).toEqual(["badDataFormat"]);
    }
  });
});

/** DER of an OBJECT IDENTIFIER, for looking a vector's algorithms up by bytes. */
function oidDer(oid: string): Uint8Array {
  return new Uint8Array(AsnConvert.serialize(new AlgorithmIdentifier({ algorithm: oid }))).slice(2);
}

describe("answer keys (the MAC of our answers)", () => {
  const secret = new TextEncoder().encode("answer-secret");
  const random = (length: number) => new Uint8Array(length).map(() => Math.floor(Math.random() * 256));
  const pbm = (salt: string) =>
    new AlgorithmIdentifier({
      algorithm: OID.passwordBasedMac,
      parameters: AsnConvert.serialize(
        new PBMParameter({
          salt: fromHex(salt).slice().buffer as ArrayBuffer,
          owf: new AlgorithmIdentifier({ algorithm: "2.16.840.1.101.3.4.2.1" }),
          iterationCount: 500n,
          mac: new AlgorithmIdentifier({ algorithm: OID.hmacWithSHA256, parameters: null }),
        }),
      ),
    });
  const saltOf = (alg: AlgorithmIdentifier) => hex(new Uint8Array(AsnConvert.parse(alg.parameters!, PBMParameter).salt));

  it("keeps the request's algorithms, takes a salt of its own, and serves the answers to the same secret and parameters for a while", async () => {
    const request = await prepareMac(pbm("0102030405060708"), secret, 10_000);
    const first = await request.answerKey(random, 1_000);
    expect(saltOf(first.protectionAlg)).not.toBe("0102030405060708");
    const asked = AsnConvert.parse(pbm("0102030405060708").parameters!, PBMParameter);
    const given = AsnConvert.parse(first.protectionAlg.parameters!, PBMParameter);
    expect([given.owf.algorithm, given.iterationCount, given.mac.algorithm]).toEqual([asked.owf.algorithm, asked.iterationCount, asked.mac.algorithm]);
    const other = await prepareMac(pbm("1112131415161718"), secret, 10_000);
    expect(await other.answerKey(random, 2_000)).toBe(first);
    // The same key verifies what it signs, with the shared secret derived afresh.
    const data = Uint8Array.of(1, 2, 3);
    expect(await (await prepareMac(first.protectionAlg, secret, 10_000)).verify(data, await first.sign(data))).toBe(true);
    // After a while, or for another secret, another key.
    expect(await other.answerKey(random, 1_000 + 6 * 60_000)).not.toBe(first);
    const otherSecret = await prepareMac(pbm("0102030405060708"), new TextEncoder().encode("another"), 10_000);
    expect(await otherSecret.answerKey(random, 2_000)).not.toBe(first);
  });

  it("a request that copies our answer's salt gets an answer under a new one", async () => {
    const request = await prepareMac(pbm("2122232425262728"), secret, 10_000);
    const answer = await request.answerKey(random, 10_000);
    const copying = await prepareMac(pbm(saltOf(answer.protectionAlg)), secret, 10_000);
    const next = await copying.answerKey(random, 10_001);
    expect(saltOf(next.protectionAlg)).not.toBe(saltOf(answer.protectionAlg));
  });
});
