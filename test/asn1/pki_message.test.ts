import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { AsnConvert } from "@peculiar/asn1-schema";
import { describe, expect, it } from "vitest";
import { PKIMessage, bodyType, protectedPart } from "../../src/asn1/index.js";

// Real messages of `openssl cmp` and its mock server (scripts/capture-fixtures.sh).
const dir = join(import.meta.dirname, "../fixtures/openssl");
const fixtures = readdirSync(dir).filter((name) => name.endsWith(".der"));
const hex = (bytes: ArrayBuffer | Uint8Array) => Buffer.from(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes)).toString("hex");

describe("PKIMessage round trip on OpenSSL's messages", () => {
  it("has a fixture for every message type openssl cmp sends", () => {
    const types = new Set(fixtures.map((name) => bodyType(AsnConvert.parse(readFileSync(join(dir, name)), PKIMessage).body)));
    for (const type of ["ir", "cr", "kur", "p10cr", "rr", "genm", "certConf", "pollReq", "error"]) expect(types).toContain(type);
    for (const type of ["ip", "cp", "kup", "rp", "genp", "pkiconf", "pollRep"]) expect(types).toContain(type);
  });

  for (const name of fixtures) {
    it(`${name} decodes and re-encodes byte for byte`, () => {
      const der = new Uint8Array(readFileSync(join(dir, name)));
      const message = AsnConvert.parse(der, PKIMessage);
      const type = name.replace(/\.der$/, "").split("-").at(-1)!;
      expect(bodyType(message.body).toLowerCase()).toBe(type.toLowerCase());
      expect(hex(AsnConvert.serialize(message))).toBe(hex(der));
    });

    it(`${name} keeps the received header and body for protection`, () => {
      const der = new Uint8Array(readFileSync(join(dir, name)));
      const message = AsnConvert.parse(der, PKIMessage);
      // header || body is the start of the message's contents (RFC 9810 §5.1.3)
      const part = protectedPart(message.headerRaw!, message.bodyRaw!);
      const contents = hex(der).indexOf(hex(part.subarray(part[1]! & 0x80 ? 2 + (part[1]! & 0x7f) : 2)));
      expect(contents).toBeGreaterThan(0);
      expect(contents).toBeLessThanOrEqual(8);
    });
  }
});
