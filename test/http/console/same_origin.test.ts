import { describe, expect, it } from "vitest";
import { isSameOrigin } from "../../../src/http/console/same_origin.js";

const post = (headers: Record<string, string>) => new Request("https://ca.example/admin/console/logout", { method: "POST", headers });

describe("isSameOrigin", () => {
  it("accepts the console's own origin, and Origin null only when Sec-Fetch-Site says same-origin (Referrer-Policy no-referrer)", () => {
    expect(isSameOrigin(post({ origin: "https://ca.example", "sec-fetch-site": "same-origin" }))).toBe(true);
    expect(isSameOrigin(post({ origin: "null", "sec-fetch-site": "same-origin" }))).toBe(true);
    expect(isSameOrigin(post({}))).toBe(true);
  });

  it("refuses another origin, another site, and Origin null without Sec-Fetch-Site", () => {
    expect(isSameOrigin(post({ origin: "https://evil.example" }))).toBe(false);
    expect(isSameOrigin(post({ origin: "http://ca.example" }))).toBe(false);
    expect(isSameOrigin(post({ "sec-fetch-site": "cross-site" }))).toBe(false);
    expect(isSameOrigin(post({ "sec-fetch-site": "same-site", origin: "https://ca.example" }))).toBe(false);
    expect(isSameOrigin(post({ origin: "null" }))).toBe(false);
  });
});
