import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { constantTimeEqual } from "../../src/crypto/constant_time.js";

describe("constantTimeEqual", () => {
  it("is true for equal bytes, including distinct buffers and empty input", () => {
    const a = new Uint8Array(randomBytes(32));
    expect(constantTimeEqual(a, a.slice())).toBe(true);
    expect(constantTimeEqual(new Uint8Array(0), new Uint8Array(0))).toBe(true);
  });

  it("is false when any single byte or bit differs, wherever it is", () => {
    const a = new Uint8Array(randomBytes(20));
    for (let i = 0; i < a.length; i++) {
      for (const bit of [0x01, 0x80]) {
        const b = a.slice();
        b[i]! ^= bit;
        expect(constantTimeEqual(a, b)).toBe(false);
      }
    }
  });

  it("is false for different lengths, also when one is a prefix of the other", () => {
    const a = new Uint8Array(randomBytes(20));
    expect(constantTimeEqual(a, a.subarray(0, 19))).toBe(false);
    expect(constantTimeEqual(a.subarray(0, 19), a)).toBe(false);
    expect(constantTimeEqual(a, new Uint8Array(0))).toBe(false);
  });

  it("looks at every byte: the running time does not depend on where the first difference is", () => {
    // A coarse check that there is no early exit: comparing 1 MiB that
    // differs in the first byte must not be much faster than one differing
    // in the last. An early-exit loop would be thousands of times faster.
    const a = new Uint8Array(1 << 20);
    const first = a.slice();
    first[0] = 1;
    const last = a.slice();
    last[last.length - 1] = 1;
    const time = (b: Uint8Array) => {
      let best = Infinity;
      for (let i = 0; i < 7; i++) {
        const t = performance.now();
        constantTimeEqual(a, b);
        best = Math.min(best, performance.now() - t);
      }
      return best;
    };
    time(first);
    time(last);
    expect(time(first)).toBeGreaterThan(time(last) / 20);
  });
});
