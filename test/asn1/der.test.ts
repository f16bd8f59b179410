import { describe, expect, it } from "vitest";
import { encodeLength, encodeSequence, encodeTlv, readChildren, readElement } from "../../src/asn1/der.js";
import { mustOpensslSync } from "../support/openssl.js";

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

describe("encodeLength", () => {
  it("uses the short form below 128 and the minimal long form above (X.690 §8.1.3)", () => {
    expect(hex(encodeLength(0))).toBe("00");
    expect(hex(encodeLength(127))).toBe("7f");
    expect(hex(encodeLength(128))).toBe("8180");
    expect(hex(encodeLength(255))).toBe("81ff");
    expect(hex(encodeLength(256))).toBe("820100");
    expect(hex(encodeLength(65536))).toBe("83010000");
    expect(hex(encodeLength(65535))).toBe("82ffff");
    expect(hex(encodeLength(16777215))).toBe("83ffffff");
    expect(hex(encodeLength(16777216))).toBe("8401000000");
  });

  it("is what encodeTlv writes between the tag and the contents, in one buffer", () => {
    for (const length of [0, 1, 127, 128, 255, 256, 65535, 65536]) {
      const tlv = encodeTlv(0x04, [new Uint8Array(length).fill(0xcc)]);
      const header = encodeLength(length);
      expect(tlv.length).toBe(1 + header.length + length);
      expect(hex(tlv.subarray(1, 1 + header.length))).toBe(hex(header));
      expect(tlv.subarray(1 + header.length).every((octet) => octet === 0xcc)).toBe(true);
    }
    expect(hex(encodeTlv(0x30, [Uint8Array.of(1, 2), new Uint8Array(0), Uint8Array.of(3)]))).toBe("3003010203");
  });
});

describe("encodeSequence and readElement", () => {
  it("round-trip nested elements of every length form, and openssl agrees", () => {
    const small = encodeTlv(0x04, [new Uint8Array(3).fill(0xaa)]);
    const large = encodeTlv(0x04, [new Uint8Array(300).fill(0xbb)]);
    const sequence = encodeSequence([small, large]);
    expect(mustOpensslSync(["asn1parse", "-inform", "DER"], { input: sequence })).toMatch(/l= *309 cons: SEQUENCE[\s\S]*l= *3 prim: OCTET STRING[\s\S]*l= *300 prim: OCTET STRING/);
    const root = readElement(sequence, 0);
    expect(root).toEqual({ tag: 0x30, start: 0, contentStart: 4, end: sequence.length });
    const children = readChildren(sequence, root);
    expect(children.map((child) => [child.tag, child.end - child.contentStart])).toEqual([
      [0x04, 3],
      [0x04, 300],
    ]);
  });

  it("rejects truncated input", () => {
    expect(() => readElement(Uint8Array.of(0x30, 0x05, 0x01), 0)).toThrow(/past the end/);
    expect(() => readElement(Uint8Array.of(0x30), 0)).toThrow(/truncated/);
    expect(() => readElement(Uint8Array.of(0x30, 0x82, 0x01), 0)).toThrow(/truncated/);
  });
});
