import { createHash, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { CmpError } from "../../src/asn1/pki_failure_info.js";
import { OID } from "../../src/crypto/algorithms.js";
import { digest } from "../../src/crypto/digest.js";
import { digest as digestFromSignature } from "../../src/crypto/signature.js";
import { hex } from "./der.js";

describe("digest", () => {
  const data = new Uint8Array(randomBytes(1000));
  const cases = [
    ["sha1", OID.sha1, "SHA-1"],
    ["sha256", OID.sha256, "SHA-256"],
    ["sha384", OID.sha384, "SHA-384"],
    ["sha512", OID.sha512, "SHA-512"],
  ] as const;

  for (const [node, oid, name] of cases) {
    it(`computes ${name} by OID and by name like node:crypto`, async () => {
      const expected = createHash(node).update(data).digest("hex");
      expect(hex(await digest(oid, data))).toBe(expected);
      expect(hex(await digest(name, data))).toBe(expected);
      expect(hex(await digestFromSignature(name.toLowerCase(), data))).toBe(expected);
    });
  }

  it("refuses SHA-224 and MD5 with badAlg", async () => {
    for (const h of [OID.sha224, "SHA-224", OID.md5]) {
      const error = await digest(h, data).then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(CmpError);
      expect((error as CmpError).failInfo).toEqual(["badAlg"]);
    }
    await expect(digest(OID.sha224, data)).rejects.toThrow(/SHA-224 is not available in WebCrypto/);
  });

  it("refuses an unknown hash with badAlg", async () => {
    await expect(digest("1.2.3.4", data)).rejects.toThrow(/unknown hash algorithm 1\.2\.3\.4/);
  });
});
