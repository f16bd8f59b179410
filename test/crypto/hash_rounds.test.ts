import { sha1 } from "@noble/hashes/legacy.js";
import { sha256, sha384, sha512 } from "@noble/hashes/sha2.js";
import { describe, expect, it } from "vitest";
import { hashByName } from "../../src/crypto/algorithms.js";
import { hashRounds } from "../../src/crypto/hash_rounds.js";

const PLAIN = { "SHA-1": sha1, "SHA-256": sha256, "SHA-384": sha384, "SHA-512": sha512 } as const;

describe("hashRounds", () => {
  for (const [name, hash] of Object.entries(PLAIN)) {
    it(`${name}: the same as hashing the digest again and again`, () => {
      const start = hash(new TextEncoder().encode(`seed for ${name}`));
      const copy = start.slice();
      for (const rounds of [0, 1, 2, 3, 64, 499]) {
        let expected = start;
        for (let i = 0; i < rounds; i++) expected = hash(expected);
        const got = hashRounds(hashByName(name), start, rounds);
        expect(Buffer.from(got).toString("hex"), `${rounds} rounds`).toBe(Buffer.from(expected).toString("hex"));
      }
      // The input is not modified.
      expect(start).toEqual(copy);
    });
  }

  it("refuses an input that is not one digest long", () => {
    expect(() => hashRounds(hashByName("SHA-256"), new Uint8Array(31), 2)).toThrow(/32 bytes/);
  });
});
