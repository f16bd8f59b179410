import * as real from "@peculiar/utils";
import { equal as realEqual } from "@peculiar/utils/bytes";
import { hex as realHex } from "@peculiar/utils/encoding";
import { OctetString } from "@peculiar/asn1-schema";
import { describe, expect, it } from "vitest";
import { equal } from "../../src/runtime/peculiar_utils/bytes.js";
import { hex } from "../../src/runtime/peculiar_utils/encoding.js";
import { isBufferSource, toArrayBuffer } from "../../src/runtime/peculiar_utils/index.js";

// The Worker's stand-in for @peculiar/utils (wrangler.toml [alias]) gives
// what the real package gives for every kind of value the @peculiar ASN.1
// packages hand it.

const backing = new Uint8Array([0, 1, 2, 3, 4, 5, 6, 7]);
const values: Array<[string, unknown]> = [
  ["an ArrayBuffer", backing.slice().buffer],
  ["an empty ArrayBuffer", new ArrayBuffer(0)],
  ["a Uint8Array", new Uint8Array([9, 8, 7])],
  ["a Uint8Array over part of its buffer", backing.subarray(2, 5)],
  ["a DataView over part of a buffer", new DataView(backing.buffer, 1, 3)],
  ["a Uint16Array", new Uint16Array([0x0102, 0x0304])],
  ["a Node Buffer", Buffer.from([1, 2, 3])],
  ["a SharedArrayBuffer", new SharedArrayBuffer(4)],
  ["asn1-schema's OctetString (shaped like a view)", new OctetString([5, 6, 7])],
  ["a plain object", { byteLength: 3 }],
  ["a string", "abc"],
  ["null", null],
  ["an array", [1, 2, 3]],
];

const outcome = (run: () => unknown) => {
  try {
    const value = run();
    return value instanceof ArrayBuffer ? { buffer: [...new Uint8Array(value)] } : { value };
  } catch (error) {
    return { error: (error as Error).message };
  }
};

describe("src/runtime/peculiar_utils against @peculiar/utils", () => {
  for (const [what, value] of values) {
    it(`isBufferSource, toArrayBuffer and hex.encode of ${what}`, () => {
      expect(isBufferSource(value)).toBe(real.isBufferSource(value));
      expect(outcome(() => toArrayBuffer(value))).toEqual(outcome(() => real.toArrayBuffer(value as ArrayBuffer)));
      expect(outcome(() => hex.encode(value))).toEqual(outcome(() => realHex.encode(value as ArrayBuffer)));
    });
  }

  it("toArrayBuffer gives an ArrayBuffer itself back, not a copy, as the real one does", () => {
    const buffer = new ArrayBuffer(2);
    expect(toArrayBuffer(buffer)).toBe(buffer);
    expect(real.toArrayBuffer(buffer)).toBe(buffer);
  });

  it("equal compares bytes, of any two buffer sources", () => {
    const pairs: Array<[unknown, unknown]> = [
      [new Uint8Array([1, 2]), new Uint8Array([1, 2]).buffer],
      [new Uint8Array([1, 2]), new Uint8Array([1, 3])],
      [new Uint8Array([1, 2]), new Uint8Array([1, 2, 0])],
      [backing.subarray(1, 3), new Uint8Array([1, 2])],
    ];
    for (const [a, b] of pairs) {
      expect(equal(a, b)).toBe(realEqual(a as Uint8Array, b as Uint8Array));
      expect(equal(a, b, { constantTime: true })).toBe(realEqual(a as Uint8Array, b as Uint8Array, { constantTime: true }));
    }
  });
});
