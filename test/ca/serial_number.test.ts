import { describe, expect, it } from "vitest";
import { newSerialNumber, serialNumberFromUnsigned, serialNumberHex } from "../../src/ca/serial_number.js";

const fixed = (...octets: number[]) => () => Uint8Array.from(octets);
const sixteen = (first: number, fill = 0x11) => [first, ...new Array(15).fill(fill)];

describe("newSerialNumber", () => {
  it("is positive, DER-minimal, at most 20 octets, and unique over many draws", () => {
    const seen = new Set<string>();
    for (let index = 0; index < 20_000; index++) {
      const { bytes, hex } = newSerialNumber();
      expect(bytes.length).toBeLessThanOrEqual(20);
      expect(bytes[0]! & 0x80).toBe(0);
      if (bytes.length > 1 && bytes[0] === 0) expect(bytes[1]! & 0x80).not.toBe(0);
      expect(hex).toMatch(/^([0-9a-f]{2})+$/);
      seen.add(hex);
    }
    expect(seen.size).toBe(20_000);
  });

  it("adds a sign octet when the top bit is set, and none otherwise", () => {
    const high = newSerialNumber(fixed(...sixteen(0x80)));
    expect(high.bytes.length).toBe(17);
    expect(high.bytes[0]).toBe(0);
    expect(high.hex).toBe(`80${"11".repeat(15)}`);
    const low = newSerialNumber(fixed(...sixteen(0x7f)));
    expect(low.bytes.length).toBe(16);
    expect(low.hex).toBe(`7f${"11".repeat(15)}`);
  });

  it("drops redundant leading zero octets", () => {
    const serial = newSerialNumber(fixed(0, 0, 0x05, ...new Array(13).fill(0xff)));
    expect(Array.from(serial.bytes.subarray(0, 2))).toEqual([0x05, 0xff]);
    expect(serial.bytes.length).toBe(14);
    const signed = newSerialNumber(fixed(0, 0, 0x85, ...new Array(13).fill(0xff)));
    expect(Array.from(signed.bytes.subarray(0, 2))).toEqual([0x00, 0x85]);
    expect(signed.hex.startsWith("85ff")).toBe(true);
  });

  it("draws again when the random source gives zero, and gives up if it keeps doing so", () => {
    let calls = 0;
    const serial = newSerialNumber(() => (++calls === 1 ? new Uint8Array(16) : Uint8Array.from(sixteen(0x01))));
    expect(calls).toBe(2);
    expect(serial.hex).toBe(`01${"11".repeat(15)}`);
    expect(() => newSerialNumber(() => new Uint8Array(16))).toThrow(/zero/);
    expect(() => newSerialNumber(() => new Uint8Array(8))).toThrow(/8 octets/);
  });
});

describe("serialNumberHex", () => {
  it("agrees with the issued hex whether or not the sign octet is there", () => {
    const issued = serialNumberFromUnsigned(Uint8Array.of(0xa0, 0x01))!;
    expect(serialNumberHex(issued.bytes)).toBe(issued.hex);
    expect(serialNumberHex(issued.bytes.buffer as ArrayBuffer)).toBe("a001");
    expect(serialNumberHex(Uint8Array.of(0x01))).toBe("01");
  });

  it("rejects zero and negative numbers", () => {
    expect(() => serialNumberHex(Uint8Array.of(0))).toThrow(/zero/);
    expect(() => serialNumberHex(Uint8Array.of(0xff))).toThrow(/positive/);
    expect(() => serialNumberHex(new Uint8Array(0))).toThrow(/positive/);
  });
});
