import { describe, expect, it } from "vitest";
import { isPkixCmp, PKIXCMP } from "../../src/http/media_type.js";

describe("isPkixCmp", () => {
  it("accepts the media type in any case and with parameters", () => {
    expect(isPkixCmp(PKIXCMP)).toBe(true);
    expect(isPkixCmp("Application/PKIXCMP")).toBe(true);
    expect(isPkixCmp(" application/pkixcmp ; charset=binary")).toBe(true);
  });

  it("refuses other, missing and look-alike media types", () => {
    expect(isPkixCmp(undefined)).toBe(false);
    expect(isPkixCmp(null)).toBe(false);
    expect(isPkixCmp("")).toBe(false);
    expect(isPkixCmp("application/octet-stream")).toBe(false);
    expect(isPkixCmp("application/pkixcmp-poll")).toBe(false);
    expect(isPkixCmp("text/application/pkixcmp")).toBe(false);
  });
});
