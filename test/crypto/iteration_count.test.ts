import { describe, expect, it } from "vitest";
import { CmpError } from "../../src/asn1/pki_failure_info.js";
import { hashByName } from "../../src/crypto/algorithms.js";
import { MIN_ITERATIONS, checkIterationCount, maxIterationsFor } from "../../src/crypto/iteration_count.js";

const SHA256 = hashByName("SHA-256");
const SHA512 = hashByName("SHA-512");

describe("checkIterationCount", () => {
  it("accepts 100 (RFC 4211 §4.4) up to and including the maximum, as a number", () => {
    expect(MIN_ITERATIONS).toBe(100);
    expect(checkIterationCount(100n, 100_000, "x", SHA256)).toBe(100);
    expect(checkIterationCount(100_000n, 100_000, "x", SHA256)).toBe(100_000);
  });

  it("counts the maximum in SHA-256 iterations: SHA-384/512 and SHA-1 get fewer, never below the floor", () => {
    expect(maxIterationsFor(SHA256, 10_000)).toBe(10_000);
    expect(maxIterationsFor(SHA512, 10_000)).toBe(3333);
    expect(maxIterationsFor(hashByName("SHA-384"), 10_000)).toBe(3333);
    expect(maxIterationsFor(hashByName("SHA-1"), 10_000)).toBe(5000);
    expect(maxIterationsFor(SHA512, 100)).toBe(100);
    expect(checkIterationCount(3333n, 10_000, "x", SHA512)).toBe(3333);
    expect(() => checkIterationCount(3334n, 10_000, "PBMParameter", SHA512)).toThrow(/maximum of 3333 with SHA-512/);
  });

  it("rejects counts outside 100..max with badAlg naming the structure and the bound", () => {
    for (const [count, pattern] of [
      [99n, /PBMParameter iterationCount 99 is below the minimum of 100/],
      [-5n, /below the minimum/],
      [100_001n, /PBMParameter iterationCount 100001 is above this server's maximum of 100000 with SHA-256/],
      [2n ** 64n, /above this server's maximum/],
    ] as const) {
      try {
        checkIterationCount(count, 100_000, "PBMParameter", SHA256);
        throw new Error(`accepted ${count}`);
      } catch (e) {
        expect(e).toBeInstanceOf(CmpError);
        expect((e as CmpError).failInfo).toEqual(["badAlg"]);
        expect((e as CmpError).message).toMatch(pattern);
      }
    }
  });
});
