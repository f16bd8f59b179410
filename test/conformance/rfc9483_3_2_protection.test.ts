import { createHmac, randomBytes } from "node:crypto";
import { AsnConvert } from "@peculiar/asn1-schema";
import { AlgorithmIdentifier } from "@peculiar/asn1-x509";
import { describe, expect, it } from "vitest";
import { encodeTlv } from "../../src/asn1/der.js";
import { OID } from "../../src/crypto/algorithms.js";
import { prepareMac, type MacKey } from "../../src/crypto/mac_protection.js";
import { decodePbmac1Params } from "../../src/crypto/pbmac1.js";
import { decodePbmParameter } from "../../src/crypto/pbm.js";
import type { OutgoingProtection } from "../../src/client/outgoing_protection.js";
import { bytesEqual } from "../../src/asn1/bytes.js";
import { REFERENCE, SECRET } from "../../fuzz/target.js";
import { splitPkiMessage } from "../crypto/openssl.js";
import { fromHex, hex } from "../crypto/der.js";
import { OID_DER, pbkdf2ParamsDer, pbmac1AlgorithmIdentifierDer, type Pbmac1Vector } from "../crypto/pbmac1_vectors.js";
import { PKIStatus, certRequestBody, confirm, conformance, type Answer, type Conformance, expectRefusal } from "./harness.js";

// RFC 9483 §3.2 (message protection: protectionAlg is a signature, MSG_SIG_ALG,
// or a MAC, MSG_MAC_ALG, from RFC 9481) with RFC 9481 §6 (the MACs) and
// RFC 9810 §5.2.3 (badAlg: unrecognized or unsupported algorithm identifier;
// badDataFormat: malformed data). A protectionAlg the server cannot verify is
// a failure of the message as a whole: an `error` body, nothing stored.

const secret = new TextEncoder().encode(SECRET);
const reference = new TextEncoder().encode(REFERENCE).buffer as ArrayBuffer;

/**
 * MAC-style protection with any protectionAlg: the test decides the
 * algorithm identifier and how the bits are computed, so that only the
 * algorithm is wrong.
 */
function macProtection(protectionAlg: () => AlgorithmIdentifier, protect: (data: Uint8Array) => Uint8Array): OutgoingProtection {
  return {
    kind: "mac",
    senderKID: reference,
    extraCerts: [],
    secret,
    async next() {
      return { protectionAlg: protectionAlg(), protect: async (data) => protect(data) };
    },
  };
}

/** Protection with a PBMAC1 protectionAlg built byte by byte, a fresh salt each message; remembers each key to check answers with. */
function pbmac1Protection(vector: Omit<Pbmac1Vector, "salt">): OutgoingProtection & { keys: Map<string, MacKey> } {
  const keys = new Map<string, MacKey>();
  return {
    kind: "mac",
    senderKID: reference,
    extraCerts: [],
    secret,
    keys,
    async next() {
      const der = pbmac1AlgorithmIdentifierDer({ ...vector, salt: new Uint8Array(randomBytes(16)) });
      const mac = await prepareMac(AsnConvert.parse(der, AlgorithmIdentifier), secret, 100_000);
      keys.set(hex(der), mac);
      return { protectionAlg: mac.protectionAlg, protect: (data) => mac.sign(data) };
    },
  };
}

function expectMessageRefusal(answer: Answer, failInfo: string, statusString: RegExp): void {
  expectRefusal(answer, "error", failInfo, statusString);
}

async function sendIr(c: Conformance, protection: OutgoingProtection | "signature"): Promise<Answer> {
  return c.send(await c.request(await certRequestBody("ir"), { protection }));
}

const hmacSha256 = (data: Uint8Array) => new Uint8Array(createHmac("sha256", secret).update(data).digest());

describe("RFC 9483 §3.2, RFC 9481 §6: protectionAlg the server does not verify", () => {
  // RFC 9481 §6.2 MACs keyed directly with the shared secret: Jellyfish runs
  // its secrets only through PBM or PBMAC1 (RFC 9481 §6.1).
  const bareMacs: [string, string, (data: Uint8Array) => Uint8Array][] = [
    ["hmacWithSHA256", OID.hmacWithSHA256, hmacSha256],
    ["hmacWithSHA1", OID.hmacWithSHA1, (data) => new Uint8Array(createHmac("sha1", secret).update(data).digest())],
    ["hmacWithSHA512", OID.hmacWithSHA512, (data) => new Uint8Array(createHmac("sha512", secret).update(data).digest())],
    ["id-hmacWithSHA3-256", OID.hmacWithSHA3_256, (data) => new Uint8Array(createHmac("sha3-256", secret).update(data).digest())],
    ["id-KMACWithSHAKE128", OID.kmacWithShake128, () => new Uint8Array(32)],
    ["id-KMACWithSHAKE256", OID.kmacWithShake256, () => new Uint8Array(64)],
    ["id-aes128-GMAC", OID.aes128Gmac, () => new Uint8Array(16)],
    ["id-aes256-GMAC", OID.aes256Gmac, () => new Uint8Array(16)],
  ];
  for (const [name, oid, protect] of bareMacs) {
    it(`refuses a bare ${name} as protectionAlg with badAlg: use PBM or PBMAC1`, async () => {
      const c = await conformance();
      const answer = await sendIr(c, macProtection(() => new AlgorithmIdentifier({ algorithm: oid, parameters: null }), protect));
      expectMessageRefusal(answer, "badAlg", new RegExp(`${oid.replaceAll(".", "\\.")} \\(${name}\\) is a MAC without a key derivation.*PasswordBasedMac or PBMAC1 \\(RFC 9481 §6\\.1\\)`));
    });
  }

  it("refuses an unknown protectionAlg with badAlg naming it, before looking at the (missing) protection certificate", async () => {
    const c = await conformance();
    // No extraCerts: a signature would be signerNotTrusted; the unknown algorithm comes first.
    const answer = await sendIr(c, macProtection(() => new AlgorithmIdentifier({ algorithm: "1.3.6.1.4.1.55555.1" }), hmacSha256));
    expectMessageRefusal(answer, "badAlg", /protectionAlg 1\.3\.6\.1\.4\.1\.55555\.1 is neither a supported MAC nor a supported signature algorithm/);
  });

  it("refuses DHBasedMac (RFC 9810 §5.1.3.2) with badAlg", async () => {
    const c = await conformance();
    const answer = await sendIr(c, macProtection(() => new AlgorithmIdentifier({ algorithm: OID.dhBasedMac }), hmacSha256));
    expectMessageRefusal(answer, "badAlg", /1\.2\.840\.113533\.7\.66\.30 \(DHBasedMac\) is not supported/);
  });

  it("refuses a known but refused signature algorithm (SHA-1) with badAlg before path validation", async () => {
    const c = await conformance();
    const sha1: OutgoingProtection = {
      ...c.signature,
      // A certificate that is no certificate: path work would answer badDataFormat.
      extraCerts: [fromHex("3000")],
      async next() {
        return { protectionAlg: new AlgorithmIdentifier({ algorithm: OID.sha1WithRSAEncryption, parameters: null }), protect: async () => new Uint8Array(256) };
      },
    };
    const answer = await sendIr(c, sha1);
    expectMessageRefusal(answer, "badAlg", /protectionAlg 1\.2\.840\.113549\.1\.1\.5: SHA-1 signatures are refused/);
  });

  it("answers RSASSA-PSS parameters that are not DER with badDataFormat", async () => {
    const c = await conformance();
    const pss: OutgoingProtection = {
      ...c.signature,
      async next() {
        return { protectionAlg: new AlgorithmIdentifier({ algorithm: OID.rsassaPss, parameters: fromHex("3003020101").slice().buffer as ArrayBuffer }), protect: async () => new Uint8Array(64) };
      },
    };
    expectMessageRefusal(await sendIr(c, pss), "badDataFormat", /RSASSA-PSS parameters/);
  });
});

describe("RFC 9481 §6.1: parameters of PBM and PBMAC1", () => {
  const base = { iterationCount: 1024, prf: "hmacWithSHA256", mac: "hmacWithSHA256" } as const;

  /** A PBMAC1 protectionAlg from raw PBMAC1-params DER; the protection bits are a plain HMAC, never checked. */
  const rawPbmac1 = (params: Uint8Array) => macProtection(() => AsnConvert.parse(encodeTlv(0x30, [OID_DER.pbmac1, params]), AlgorithmIdentifier), hmacSha256);

  it("answers PBMAC1 parameters that are not PBMAC1-params with badDataFormat", async () => {
    const c = await conformance();
    expectMessageRefusal(await sendIr(c, rawPbmac1(fromHex("020101"))), "badDataFormat", /not a valid PBMAC1-params/);
  });

  it("answers PBKDF2 parameters that are not PBKDF2-params with badDataFormat", async () => {
    const c = await conformance();
    const params = encodeTlv(0x30, [encodeTlv(0x30, [OID_DER.pbkdf2, fromHex("3003020101")]), encodeTlv(0x30, [OID_DER.hmacWithSHA256, fromHex("0500")])]);
    expectMessageRefusal(await sendIr(c, rawPbmac1(params)), "badDataFormat", /not a valid PBKDF2-params/);
  });

  it("answers PasswordBasedMac without PBMParameter with badDataFormat", async () => {
    const c = await conformance();
    const answer = await sendIr(c, macProtection(() => new AlgorithmIdentifier({ algorithm: OID.passwordBasedMac }), hmacSha256));
    expectMessageRefusal(answer, "badDataFormat", /PBMParameter/);
  });

  it("refuses well-formed PBMAC1 with an unsupported MAC (HMAC-SHA224) with badAlg", async () => {
    const c = await conformance();
    const params = encodeTlv(0x30, [
      encodeTlv(0x30, [OID_DER.pbkdf2, pbkdf2ParamsDer({ ...base, salt: new Uint8Array(16) })]),
      encodeTlv(0x30, [OID_DER.hmacWithSHA224, fromHex("0500")]),
    ]);
    expectMessageRefusal(await sendIr(c, rawPbmac1(params)), "badAlg", /HMAC-SHA224 is not available/);
  });

  for (const keyLength of [8, 15]) {
    it(`refuses PBMAC1 with a ${keyLength}-octet key (under 128 bits) with badAlg`, async () => {
      const c = await conformance();
      const params = encodeTlv(0x30, [
        encodeTlv(0x30, [OID_DER.pbkdf2, pbkdf2ParamsDer({ ...base, keyLength, salt: new Uint8Array(16) })]),
        encodeTlv(0x30, [OID_DER.hmacWithSHA256, fromHex("0500")]),
      ]);
      expectMessageRefusal(await sendIr(c, rawPbmac1(params)), "badAlg", new RegExp(`keyLength ${keyLength} is too short.*16\\.\\.64 octets`));
    });
  }

  it("refuses PBMAC1 with a key longer than HMAC-SHA256's block size with badAlg", async () => {
    const c = await conformance();
    const params = encodeTlv(0x30, [
      encodeTlv(0x30, [OID_DER.pbkdf2, pbkdf2ParamsDer({ ...base, keyLength: 65, salt: new Uint8Array(16) })]),
      encodeTlv(0x30, [OID_DER.hmacWithSHA256, fromHex("0500")]),
    ]);
    expectMessageRefusal(await sendIr(c, rawPbmac1(params)), "badAlg", /keyLength 65 is longer than hmacWithSHA256's block size/);
  });

  it("refuses PBES2-params (an encryption scheme) under id-PBES2 with badAlg", async () => {
    const c = await conformance();
    const aes128Cbc = fromHex("0609608648016503040102");
    const pbes2Params = encodeTlv(0x30, [
      encodeTlv(0x30, [OID_DER.pbkdf2, pbkdf2ParamsDer({ ...base, salt: new Uint8Array(16) })]),
      encodeTlv(0x30, [aes128Cbc, encodeTlv(0x04, [new Uint8Array(16)])]),
    ]);
    const params = encodeTlv(0x30, [encodeTlv(0x30, [OID_DER.pbes2, pbes2Params]), encodeTlv(0x30, [OID_DER.hmacWithSHA256, fromHex("0500")])]);
    expectMessageRefusal(await sendIr(c, rawPbmac1(params)), "badAlg", /id-PBES2 with PBES2-params is an encryption scheme/);
  });

  it("answers id-PBES2 with parameters that are neither PBKDF2-params nor PBES2-params with badDataFormat", async () => {
    const c = await conformance();
    const params = encodeTlv(0x30, [encodeTlv(0x30, [OID_DER.pbes2, fromHex("3003020101")]), encodeTlv(0x30, [OID_DER.hmacWithSHA256, fromHex("0500")])]);
    expectMessageRefusal(await sendIr(c, rawPbmac1(params)), "badDataFormat", /neither PBKDF2-params nor PBES2-params/);
  });
});

describe("RFC 9481 §6.1.2: PBMAC1 enrollments the server answers in kind, under a fresh salt", () => {
  /**
   * The answer is MAC-protected with the client's secret under the request's
   * algorithms, iteration count and keyLength, with a salt of its own
   * (mac_protection.ts: strict clients check that the salt differs).
   */
  async function expectAnsweredInKind(answer: Answer, request: Uint8Array): Promise<void> {
    const parts = splitPkiMessage(answer.answer.body);
    const answered = AsnConvert.parse(parts.protectionAlg, AlgorithmIdentifier);
    const key = await prepareMac(answered, secret, 100_000);
    expect(await key.verify(encodeTlv(0x30, [parts.header, parts.body]), parts.protection)).toBe(true);
    const asked = decodePbmac1Params(AsnConvert.parse(splitPkiMessage(request).protectionAlg, AlgorithmIdentifier).parameters);
    const given = decodePbmac1Params(answered.parameters);
    const h = (bytes: ArrayBuffer) => Buffer.from(bytes).toString("hex");
    expect(given.pbmac1.keyDerivationFunc.algorithm).toBe(asked.pbmac1.keyDerivationFunc.algorithm);
    expect(h(AsnConvert.serialize(given.pbmac1.messageAuthScheme))).toBe(h(AsnConvert.serialize(asked.pbmac1.messageAuthScheme)));
    expect([given.pbkdf2.iterationCount, given.pbkdf2.keyLength]).toEqual([asked.pbkdf2.iterationCount, asked.pbkdf2.keyLength]);
    expect(h(AsnConvert.serialize(given.pbkdf2.prf))).toBe(h(AsnConvert.serialize(asked.pbkdf2.prf)));
    expect(h(given.pbkdf2.salt.specified!)).toHaveLength(32);
    expect(h(given.pbkdf2.salt.specified!)).not.toBe(h(asked.pbkdf2.salt.specified!));
  }

  const cases: [string, Omit<Pbmac1Vector, "salt">][] = [
    ["keyLength 16 (the minimum)", { iterationCount: 1024, keyLength: 16, prf: "hmacWithSHA256", mac: "hmacWithSHA256" }],
    ["keyLength 20", { iterationCount: 1024, keyLength: 20, prf: "hmacWithSHA256", mac: "hmacWithSHA256" }],
    // Bouncy Castle's JcePBMac1CalculatorBuilder: keyDerivationFunc { id-PBES2, PBKDF2-params } (docs/compatibility.md).
    ["Bouncy Castle's id-PBES2 wrapper, keyLength 32", { iterationCount: 1024, keyLength: 32, prf: "hmacWithSHA256", mac: "hmacWithSHA256", kdf: "pbes2" }],
    ["Bouncy Castle's id-PBES2 wrapper, keyLength 64, HMAC-SHA512", { iterationCount: 1024, keyLength: 64, prf: "hmacWithSHA512", mac: "hmacWithSHA512", kdf: "pbes2" }],
  ];
  for (const [name, vector] of cases) {
    it(`${name}: ir → ip accepted → certConf → pkiConf, every answer MAC-protected with the request's algorithms and a salt of its own`, async () => {
      const c = await conformance();
      const protection = pbmac1Protection(vector);
      const ir = await c.request(await certRequestBody("ir"), { protection });
      const ip = await c.send(ir);
      expect(ip.type).toBe("ip");
      expect(ip.status).toBe(PKIStatus.accepted);
      expect(ip.changed).not.toEqual([]);
      await expectAnsweredInKind(ip, ir);

      const certConf = await confirm(c, ir, ip, { protection });
      const pkiConf = await c.send(certConf);
      expect(pkiConf.type).toBe("pkiconf");
      await expectAnsweredInKind(pkiConf, certConf);
    });
  }
});

describe("RFC 9483 §3.2: a PBM-protected request is answered with PBM under a fresh salt", () => {
  it("same owf, MAC and iteration count as the ir, another salt, and the answer verifies with the shared secret", async () => {
    const c = await conformance();
    const ir = await c.request(await certRequestBody("ir"));
    const ip = await c.send(ir);
    expect([ip.type, ip.status]).toEqual(["ip", PKIStatus.accepted]);
    const parts = splitPkiMessage(ip.answer.body);
    const answered = AsnConvert.parse(parts.protectionAlg, AlgorithmIdentifier);
    expect(await (await prepareMac(answered, secret, 100_000)).verify(encodeTlv(0x30, [parts.header, parts.body]), parts.protection)).toBe(true);
    const asked = decodePbmParameter(AsnConvert.parse(splitPkiMessage(ir).protectionAlg, AlgorithmIdentifier).parameters);
    const given = decodePbmParameter(answered.parameters);
    const h = (bytes: ArrayBuffer) => Buffer.from(bytes).toString("hex");
    expect([given.owf.algorithm, given.mac.algorithm, given.iterationCount]).toEqual([asked.owf.algorithm, asked.mac.algorithm, asked.iterationCount]);
    expect([given.owf.parameters, given.mac.parameters]).toEqual([asked.owf.parameters, asked.mac.parameters]);
    expect(h(given.salt)).not.toBe(h(asked.salt));
  });
});
