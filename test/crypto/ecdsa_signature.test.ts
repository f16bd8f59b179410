import { generateKeyPairSync, randomBytes, sign, verify } from "node:crypto";
import { describe, expect, it } from "vitest";
import { CmpError } from "../../src/asn1/pki_failure_info.js";
import { ecdsaDerToRaw, ecdsaRawToDer } from "../../src/crypto/ecdsa_signature.js";
import { concatBytes, encodeTlv } from "../../src/asn1/der.js";
import { fromHex, hex } from "./der.js";

const CURVES = [
  { curve: "prime256v1", width: 32 },
  { curve: "secp384r1", width: 48 },
  { curve: "secp521r1", width: 66 },
] as const;

/** Expected DER built independently: INTEGER content is the value with leading zeros stripped, plus 00 if the top bit is set. */
function expectedDer(r: Uint8Array, s: Uint8Array): Uint8Array {
  const int = (v: Uint8Array) => {
    let i = 0;
    while (i < v.length - 1 && v[i] === 0) i++;
    const m = v.slice(i);
    return encodeTlv(0x02, [m[0]! >= 0x80 ? concatBytes([Uint8Array.of(0), m]) : m]);
  };
  return encodeTlv(0x30, [int(r), int(s)]);
}

function expectMalformed(der: Uint8Array, width = 32): void {
  try {
    ecdsaDerToRaw(der, width);
  } catch (e) {
    expect(e).toBeInstanceOf(CmpError);
    expect((e as CmpError).failInfo).toEqual(["badDataFormat"]);
    return;
  }
  throw new Error(`accepted malformed signature ${hex(der)}`);
}

describe("ecdsaRawToDer / ecdsaDerToRaw", () => {
  for (const { curve, width } of CURVES) {
    it(`agrees with node:crypto in both directions on ${curve}`, () => {
      const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: curve });
      for (let i = 0; i < 8; i++) {
        const data = randomBytes(50);
        const raw = sign("sha256", data, { key: privateKey, dsaEncoding: "ieee-p1363" });
        expect(raw.length).toBe(2 * width);
        const der = ecdsaRawToDer(new Uint8Array(raw));
        expect(verify("sha256", data, { key: publicKey, dsaEncoding: "der" }, der)).toBe(true);
        expect(hex(der)).toBe(hex(expectedDer(raw.subarray(0, width), raw.subarray(width))));

        const der2 = sign("sha256", data, { key: privateKey, dsaEncoding: "der" });
        const raw2 = ecdsaDerToRaw(new Uint8Array(der2), width);
        expect(raw2.length).toBe(2 * width);
        expect(verify("sha256", data, { key: publicKey, dsaEncoding: "ieee-p1363" }, raw2)).toBe(true);
      }
    });
  }

  it("adds a zero byte when the high bit is set and strips it again", () => {
    const r = new Uint8Array(32).fill(0x80);
    const s = new Uint8Array(32).fill(0xff);
    const der = ecdsaRawToDer(concatBytes([r, s]));
    expect(hex(der)).toBe(hex(expectedDer(r, s)));
    expect(der[3]).toBe(33); // r INTEGER length: 00 + 32 bytes
    expect(der[4]).toBe(0);
    expect(hex(ecdsaDerToRaw(der, 32))).toBe(hex(concatBytes([r, s])));
  });

  it("encodes short r and s minimally and pads them back to the field width", () => {
    const r = new Uint8Array(32);
    r[31] = 0x01;
    const s = new Uint8Array(32);
    s.set([0x00, 0x00, 0x7f, 0x01], 0);
    s[31] = 9;
    const der = ecdsaRawToDer(concatBytes([r, s]));
    expect(hex(der.subarray(0, 7))).toBe(hex(fromHex("3023 020101 021e")));
    expect(hex(ecdsaDerToRaw(der, 32))).toBe(hex(concatBytes([r, s])));
  });

  it("uses a long-form length for P-521 signatures over 127 bytes", () => {
    const r = new Uint8Array(66);
    r[0] = 0x01; // P-521 values have at most 521 bits: the first byte is 0 or 1
    r.fill(0xa5, 1);
    const s = new Uint8Array(66).fill(0x01);
    const der = ecdsaRawToDer(concatBytes([r, s]));
    expect(der[0]).toBe(0x30);
    expect(der[1]).toBe(0x81);
    expect(der[2]).toBe(der.length - 3);
    expect(hex(der)).toBe(hex(expectedDer(r, s)));
    expect(hex(ecdsaDerToRaw(der, 66))).toBe(hex(concatBytes([r, s])));
  });

  it("verifies a P-521 DER signature from node:crypto after conversion with WebCrypto", async () => {
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "secp521r1" });
    const data = randomBytes(100);
    const der = sign("sha512", data, { key: privateKey, dsaEncoding: "der" });
    const spki = publicKey.export({ type: "spki", format: "der" });
    const key = await crypto.subtle.importKey("spki", spki, { name: "ECDSA", namedCurve: "P-521" }, false, ["verify"]);
    const raw = ecdsaDerToRaw(new Uint8Array(der), 66);
    expect(await crypto.subtle.verify({ name: "ECDSA", hash: "SHA-512" }, key, raw, data)).toBe(true);
  });

  it("rejects an odd or empty raw signature", () => {
    expect(() => ecdsaRawToDer(new Uint8Array(63))).toThrow();
    expect(() => ecdsaRawToDer(new Uint8Array(0))).toThrow();
  });

  it("rejects malformed DER with badDataFormat", () => {
    const good = fromHex("3006 020101 020102");
    expect(hex(ecdsaDerToRaw(good, 32).subarray(30, 34))).toBe("00010000");
    expectMalformed(fromHex("3106 020101 020102")); // SET, not SEQUENCE
    expectMalformed(fromHex("3006 020101 020102 00")); // trailing byte
    expectMalformed(fromHex("3007 020101 020102")); // length past the end
    expectMalformed(fromHex("3009 020101 020102 020103")); // three integers
    expectMalformed(fromHex("3003 020101")); // one integer
    expectMalformed(fromHex("3006 020181 020102")); // negative r
    expectMalformed(fromHex("3007 02020001 020102")); // non-minimal r
    expectMalformed(fromHex("3006 020100 020102")); // r = 0
    expectMalformed(fromHex("308106 020101 020102")); // long form for a short length
    expectMalformed(fromHex("3006 040101 020102")); // OCTET STRING instead of INTEGER
    expectMalformed(fromHex("3005 0200 020102")); // empty INTEGER
    expectMalformed(new Uint8Array(0));
    expectMalformed(fromHex("30"));
    // 33-byte r that is not just a sign byte: too big for P-256.
    expectMalformed(expectedDer(concatBytes([Uint8Array.of(1), new Uint8Array(32).fill(1)]), Uint8Array.of(1)));
  });
});
