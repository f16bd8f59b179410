import { describe, expect, it } from "vitest";
import { parseCertificate } from "../../src/crypto/parsed_certificate.js";
import { makeTestCa } from "../support/engine_server.js";

describe("parseCertificate", () => {
  it("gives the same read-only parse for the same bytes, made from its own copy", async () => {
    const { ca } = await makeTestCa();
    const buffer = ca.certificate.slice();
    const first = parseCertificate(buffer);
    expect(parseCertificate(ca.certificate.slice())).toBe(first);
    // The caller's buffer changing later changes nothing in what was parsed.
    buffer.fill(0);
    expect(first.der).toEqual(ca.certificate);
    expect(parseCertificate(ca.certificate).subject).toEqual(first.subject);
  });

  it("does not keep failures", () => {
    expect(() => parseCertificate(Uint8Array.of(0x30, 0x00))).toThrow();
    expect(() => parseCertificate(Uint8Array.of(0x30, 0x00))).toThrow();
  });
});
