import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { encodeSequence, encodeTlv } from "../../src/asn1/der.js";
import { DecodeError } from "../../src/asn1/decode_error.js";
import { checkDer, DEFAULT_DER_LIMITS, type DerLimits } from "../../src/asn1/der_scan.js";

const FIXTURES = join(import.meta.dirname, "../fixtures/openssl");
const bytes = (...values: number[]) => Uint8Array.from(values);

function refusal(der: Uint8Array, limits?: DerLimits): DecodeError {
  try {
    checkDer(der, limits);
  } catch (error) {
    expect(error).toBeInstanceOf(DecodeError);
    return error as DecodeError;
  }
  throw new Error("accepted");
}

describe("checkDer (X.690 §10 structure, bounded)", () => {
  it("accepts every message openssl cmp sent or received in the fixtures", () => {
    for (const file of readdirSync(FIXTURES).filter((name) => name.endsWith(".der"))) {
      expect(() => checkDer(new Uint8Array(readFileSync(join(FIXTURES, file)))), file).not.toThrow();
    }
  });

  it.each([
    ["an indefinite length", bytes(0x30, 0x80, 0x05, 0x00, 0x00, 0x00), /indefinite length/],
    ["a long-form length below 128", bytes(0x04, 0x81, 0x01, 0xaa), /long form/],
    ["a length with a leading zero octet", bytes(0x04, 0x82, 0x00, 0x81, ...new Uint8Array(0x81)), /leading zero/],
    ["a length of five octets", bytes(0x04, 0x85, 1, 0, 0, 0, 0), /too large/],
    ["a multi-octet tag", bytes(0x1f, 0x81, 0x00, 0x00), /multi-octet tag/],
    ["end-of-contents", bytes(0x30, 0x02, 0x00, 0x00), /end-of-contents/],
    ["universal tag 0 in the constructed form", bytes(0x30, 0x02, 0x20, 0x00), /end-of-contents/],
    ["a constructed OCTET STRING", bytes(0x24, 0x03, 0x04, 0x01, 0x00), /constructed form/],
    ["a primitive SEQUENCE", bytes(0x10, 0x00), /SEQUENCE in the primitive form/],
    ["a BOOLEAN of two octets", bytes(0x01, 0x02, 0xff, 0xff), /BOOLEAN/],
    ["NULL with contents", bytes(0x05, 0x01, 0x00), /NULL/],
    ["a BIT STRING with 8 unused bits", bytes(0x03, 0x02, 0x08, 0x00), /unused-bits/],
    ["an empty BIT STRING", bytes(0x03, 0x00), /unused-bits/],
    ["an empty BIT STRING claiming unused bits", bytes(0x03, 0x01, 0x03), /unused-bits/],
    ["an INTEGER without contents", bytes(0x02, 0x00), /INTEGER/],
    ["an empty OBJECT IDENTIFIER", bytes(0x06, 0x00), /without contents/],
    ["an OBJECT IDENTIFIER ending inside an arc", bytes(0x06, 0x02, 0x2a, 0x86), /ends inside an arc/],
    ["an OBJECT IDENTIFIER arc with a leading 0x80", bytes(0x06, 0x03, 0x2a, 0x80, 0x01), /not minimal/],
    ["trailing bytes", bytes(0x05, 0x00, 0x00), /after the DER element/],
    ["a second element after the first", bytes(0x05, 0x00, 0x05, 0x00), /2 byte\(s\) after the DER element/],
    ["nothing", bytes(), /no DER element/],
    ["an element past its container", bytes(0x30, 0x03, 0x04, 0x05, 0x00), /past the end/],
    ["a container not made of whole elements", bytes(0x30, 0x01, 0x05), /cut short/],
  ])("refuses %s as a format error", (_, der, message) => {
    const error = refusal(der);
    expect(error.kind).toBe("format");
    expect(error.message).toMatch(message);
  });

  const limits: DerLimits = { maxDepth: 4, maxElements: 10, oidMaxArcs: 5, oidMaxBytes: 6 };
  const nest = (depth: number): Uint8Array => (depth === 0 ? bytes(0x05, 0x00) : encodeSequence([nest(depth - 1)]));

  it("holds nesting to maxDepth", () => {
    expect(() => checkDer(nest(4), limits)).not.toThrow();
    const error = refusal(nest(5), limits);
    expect([error.kind, error.message]).toEqual(["limit", "elements are nested deeper than 4 levels"]);
  });

  it("holds the element count to maxElements, across the parts that share a budget", () => {
    const nulls = (count: number) => encodeSequence(Array.from({ length: count }, () => bytes(0x05, 0x00)));
    expect(() => checkDer(nulls(9), limits)).not.toThrow();
    expect(refusal(nulls(10), limits).message).toBe("more than 10 DER elements");
    const budget = { elements: 0 };
    checkDer(nulls(4), limits, budget);
    expect(() => checkDer(nulls(5), limits, budget)).toThrow(/more than 10 DER elements/);
  });

  it("holds OBJECT IDENTIFIERs to oidMaxArcs and oidMaxBytes, counting the first subidentifier as two arcs", () => {
    expect(() => checkDer(encodeTlv(0x06, [bytes(0x2a, 1, 2, 3)]), limits)).not.toThrow(); // 1.2.1.2.3
    expect(refusal(encodeTlv(0x06, [bytes(0x2a, 1, 2, 3, 4)]), limits).message).toBe("OBJECT IDENTIFIER of 6 arcs (at most 5)");
    expect(refusal(encodeTlv(0x06, [bytes(0x2a, 0x81, 0x81, 0x81, 0x81, 0x81, 0x01)]), limits).message).toBe("OBJECT IDENTIFIER of 7 bytes (at most 6)");
  });

  it("by default allows what PKIX needs and refuses the OID of 30 000 arcs before anything parses it", () => {
    expect(DEFAULT_DER_LIMITS).toEqual({ maxDepth: 32, maxElements: 4096, oidMaxArcs: 32, oidMaxBytes: 64 });
    const uuidOid = bytes(0x69, ...new Uint8Array(18).fill(0xff), 0x7f); // 2.25.<a 128-bit arc>
    expect(() => checkDer(encodeTlv(0x06, [uuidOid]))).not.toThrow();
    expect(refusal(encodeTlv(0x06, [bytes(0x2a, ...new Uint8Array(29_999).fill(1))])).kind).toBe("limit");
  });
});
