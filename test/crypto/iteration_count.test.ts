import { describe, expect, it } from "vitest";
import { CmpError } from "../../src/asn1/pki_failure_info.js";
import { MIN_ITERATIONS, checkIterationCount } from "../../src/crypto/iteration_count.js";

describe("checkIterationCount", () => {
  it("accepts 100 (RFC 4211 §4.4) up to and including the maximum, as a number", () => {
    expect(MIN_ITERATIONS).toBe(100);
    expect(checkIterationCount(100n, 100_000, "x")).toBe(100);
    expect(checkIterationCount(100_000n, 100_000, "x")).toBe(100_000);
  });

  it("rejects counts outside 100..max with badAlg naming the structure and the bound", () => {
    for (const [count, pattern] of [
      [99n, /PBMParameter iterationCount 99 is below the minimum of 100/],
      [-5n, /below the minimum/],
      [100_001n, /PBMParameter iterationCount 100001 is above this server's maximum of 100000/],
      [2n ** 64n, /above this server's maximum/],
    ] as const) {
      try {
        checkIterationCount(count, 100_000, "PBMParameter");
        throw new Error(`accepted ${count}`);
      } catch (e) {
        expect(e).toBeInstanceOf(CmpError);
        expect((e as CmpError).failInfo).toEqual(["badAlg"]);
        expect((e as CmpError).message).toMatch(pattern);
      }
    }
  });
});
