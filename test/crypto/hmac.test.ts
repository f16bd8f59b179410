import { createHmac, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { hashByName } from "../../src/crypto/algorithms.js";
import { computeMac, importHmacKey, verifyMac } from "../../src/crypto/hmac.js";
import { hex } from "./der.js";

describe("HMAC", () => {
  for (const [name, node] of [["SHA-1", "sha1"], ["SHA-256", "sha256"], ["SHA-384", "sha384"], ["SHA-512", "sha512"]] as const) {
    it(`HMAC-${name} matches node:crypto and verifies only the right MAC`, async () => {
      const raw = new Uint8Array(randomBytes(33));
      const data = new Uint8Array(randomBytes(257));
      const key = await importHmacKey(raw, hashByName(name));
      const mac = await computeMac(key, data);
      expect(hex(mac)).toBe(createHmac(node, raw).update(data).digest("hex"));
      expect(await verifyMac(key, data, mac)).toBe(true);
      const bad = mac.slice();
      bad[0]! ^= 0x40;
      expect(await verifyMac(key, data, bad)).toBe(false);
      expect(await verifyMac(key, data, mac.subarray(1))).toBe(false);
    });
  }
});
