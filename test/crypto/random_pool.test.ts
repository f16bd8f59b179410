import { describe, expect, it } from "vitest";
import { randomBytes } from "../../src/crypto/random_pool.js";

describe("randomBytes (pooled)", () => {
  it("hands out fresh, distinct values of the length asked, across pool refills", () => {
    const seen = new Set<string>();
    // 16-octet values through more than two 4 KiB pools.
    for (let i = 0; i < 600; i++) {
      const value = randomBytes(16);
      expect(value).toHaveLength(16);
      const hex = Buffer.from(value).toString("hex");
      expect(seen.has(hex)).toBe(false);
      seen.add(hex);
    }
    expect(randomBytes(0)).toHaveLength(0);
    expect(randomBytes(1000)).toHaveLength(1000);
  });

  it("returns copies: changing one changes nothing later handed out", () => {
    const first = randomBytes(32);
    first.fill(0);
    const second = randomBytes(32);
    expect(second.some((octet) => octet !== 0)).toBe(true);
    expect(second.buffer).not.toBe(first.buffer);
  });
});
