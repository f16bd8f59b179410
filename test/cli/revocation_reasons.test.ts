import { describe, expect, it } from "vitest";
import { describeRevocationReason, parseRevocationReason, REVOCATION_REASON_NAMES, revocationReasonName } from "../../src/cli/revocation_reasons.js";

describe("parseRevocationReason", () => {
  it("maps every offered name to its RFC 5280 CRLReason, in any case", () => {
    const byName = Object.fromEntries(REVOCATION_REASON_NAMES.map((n) => [n, parseRevocationReason(n)]));
    expect(byName).toEqual({
      unspecified: 0,
      keyCompromise: 1,
      cACompromise: 2,
      affiliationChanged: 3,
      superseded: 4,
      cessationOfOperation: 5,
      certificateHold: 6,
      privilegeWithdrawn: 9,
      aACompromise: 10,
    });
    expect(parseRevocationReason("KEYCOMPROMISE")).toBe(1);
  });

  it("does not offer removeFromCRL, which revokes nothing, but parses it so that commands can point to `cert unhold`", () => {
    expect(REVOCATION_REASON_NAMES).not.toContain("removeFromCRL");
    expect(parseRevocationReason("removeFromCRL")).toBe(8);
    expect(parseRevocationReason("certificatehold")).toBe(6);
  });

  it("takes the numbers the API takes: 0..10 except 7", () => {
    expect([0, 1, 6, 8, 10].map((n) => parseRevocationReason(String(n)))).toEqual([0, 1, 6, 8, 10]);
    for (const bad of ["7", "11", "-1", "1.0", "01x", "", " 1", "hold", "certificateHold2"]) {
      expect(parseRevocationReason(bad), bad).toBeUndefined();
    }
  });
});

describe("describeRevocationReason", () => {
  it("names a known code and shows an unknown one as a number", () => {
    expect(describeRevocationReason(1)).toBe("keyCompromise (1)");
    expect(describeRevocationReason(6)).toBe("certificateHold (6)");
    expect(describeRevocationReason(7)).toBe("7");
  });

  it("revocationReasonName gives the bare name", () => {
    expect(revocationReasonName(1)).toBe("keyCompromise");
    expect(revocationReasonName(7)).toBe("7");
  });
});
