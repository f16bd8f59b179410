import { describe, expect, it } from "vitest";
import { GeneralName, GeneralNames } from "@peculiar/asn1-x509";
import {
  authorityKeyIdentifierExtension,
  basicConstraintsExtension,
  extendedKeyUsageExtension,
  keyUsageExtension,
  subjectAltNameExtension,
  subjectKeyIdentifierExtension,
} from "../../src/ca/extensions.js";
import type { KeyUsageName } from "../../src/config/profile.js";

const hex = (bytes: Uint8Array | undefined) => (bytes ? Buffer.from(bytes).toString("hex") : undefined);

// Expected encodings written out from RFC 5280's ASN.1, byte by byte.
describe("extensions", () => {
  it("keyUsage: critical, named bits with trailing zero bits dropped (X.690 §11.2.2)", () => {
    // 30 0e | 06 03 551d0f | 01 01 ff | 04 04 | 03 02 07 80
    expect(hex(keyUsageExtension(["digitalSignature"]))).toBe("300e0603551d0f0101ff040403020780");
    // digitalSignature + keyEncipherment: bits 0 and 2 -> 1010 0000, 5 unused
    expect(hex(keyUsageExtension(["digitalSignature", "keyEncipherment"]))).toBe("300e0603551d0f0101ff0404030205a0");
    // keyCertSign + cRLSign + digitalSignature: bits 0, 5, 6 -> 1000 0110, 1 unused
    expect(hex(keyUsageExtension(["keyCertSign", "cRLSign", "digitalSignature"]))).toBe("300e0603551d0f0101ff040403020186");
    // decipherOnly is bit 8: two octets, 7 unused
    expect(hex(keyUsageExtension(["decipherOnly"]))).toBe("300f0603551d0f0101ff04050303070080");
    expect(keyUsageExtension([])).toBeUndefined();
    expect(() => keyUsageExtension(["bogus" as KeyUsageName])).toThrow(/unknown key usage/);
  });

  it("basicConstraints: critical; CA:FALSE is the empty SEQUENCE (DEFAULT omitted, X.690 §11.5)", () => {
    expect(hex(basicConstraintsExtension(false))).toBe("300c0603551d130101ff04023000");
    expect(hex(basicConstraintsExtension(true))).toBe("300f0603551d130101ff040530030101ff");
    expect(hex(basicConstraintsExtension(true, 0))).toBe("30120603551d130101ff040830060101ff020100");
  });

  it("extendedKeyUsage: not critical, purposes in the given order", () => {
    expect(hex(extendedKeyUsageExtension(["1.3.6.1.5.5.7.3.2"]))).toBe("30130603551d25040c300a06082b06010505070302");
    expect(extendedKeyUsageExtension([])).toBeUndefined();
  });

  it("key identifiers: not critical; AKI carries only [0] keyIdentifier", () => {
    const id = Uint8Array.of(1, 2, 3, 4);
    expect(hex(subjectKeyIdentifierExtension(id))).toBe("300d0603551d0e0406040401020304");
    expect(hex(authorityKeyIdentifierExtension(id))).toBe("300f0603551d23040830068004" + "01020304");
  });

  it("subjectAltName: as given, critical only for an empty subject", () => {
    const names = new GeneralNames([new GeneralName({ dNSName: "a.example" }), new GeneralName({ iPAddress: "192.0.2.1" })]);
    const body = "3011" + "8209612e6578616d706c65" + "8704c0000201";
    expect(hex(subjectAltNameExtension(names, false))).toBe(`301a0603551d110413${body}`);
    expect(hex(subjectAltNameExtension(names, true))).toBe(`301d0603551d110101ff0413${body}`);
    expect(subjectAltNameExtension(new GeneralNames([]), false)).toBeUndefined();
  });
});
