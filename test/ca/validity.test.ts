import { describe, expect, it } from "vitest";
import { encodeValidity, validityPeriod } from "../../src/ca/validity.js";

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");
const ascii = (text: string) => Buffer.from(text, "ascii").toString("hex");

describe("validityPeriod", () => {
  const now = new Date("2026-05-01T12:00:00.999Z");

  it("back-dates notBefore and counts the lifetime from now, in whole seconds", () => {
    const { notBefore, notAfter } = validityPeriod(now, 3600, 60);
    expect(notBefore.toISOString()).toBe("2026-05-01T11:59:00.000Z");
    expect(notAfter.toISOString()).toBe("2026-05-01T13:00:00.000Z");
  });

  it("ends at the issuer's notAfter when the lifetime would reach past it", () => {
    const issuerNotAfter = new Date("2026-05-01T12:30:00Z");
    expect(validityPeriod(now, 3600, 0, issuerNotAfter).notAfter.toISOString()).toBe("2026-05-01T12:30:00.000Z");
    expect(validityPeriod(now, 600, 0, issuerNotAfter).notAfter.toISOString()).toBe("2026-05-01T12:10:00.000Z");
  });
});

describe("encodeValidity", () => {
  it("writes UTCTime through 2049 and GeneralizedTime from 2050 (RFC 5280 §4.1.2.5)", () => {
    const der = encodeValidity({ notBefore: new Date("2049-12-31T23:59:59Z"), notAfter: new Date("2050-01-01T00:00:00Z") });
    expect(hex(der)).toBe(`3020170d${ascii("491231235959Z")}180f${ascii("20500101000000Z")}`);
  });

  it("writes a 1950s date as UTCTime too", () => {
    const der = encodeValidity({ notBefore: new Date("1999-01-02T03:04:05Z"), notAfter: new Date("2026-01-02T03:04:05Z") });
    expect(hex(der)).toBe(`301e170d${ascii("990102030405Z")}170d${ascii("260102030405Z")}`);
  });
});
