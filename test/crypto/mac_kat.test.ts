import { createHash, createHmac, pbkdf2Sync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { prepareMac } from "../../src/crypto/mac_protection.js";
import { hex } from "./der.js";
import { KAT_DATA, KAT_SALT, KAT_SECRET, PBMAC1_KATS, PBM_KATS, pbmProtectionAlg, pbmac1ProtectionAlg } from "./mac_kat.js";
import { NODE_HASH_OF } from "./pbmac1_vectors.js";

// Guards the known answers that crypto.worker.test.ts checks inside workerd.
describe("MAC known answers (checked against node:crypto)", () => {
  for (const kat of PBM_KATS) {
    it(`PBM ${kat.owf} x ${kat.iterations}, HMAC-${kat.mac}`, async () => {
      let k = createHash(kat.owf).update(KAT_SECRET).update(KAT_SALT).digest();
      for (let i = 1; i < kat.iterations; i++) k = createHash(kat.owf).update(k).digest();
      expect(createHmac(kat.mac, k).update(KAT_DATA).digest("hex")).toBe(kat.expected);
      const key = await prepareMac(pbmProtectionAlg(kat), KAT_SECRET, 100_000);
      expect(hex(await key.sign(KAT_DATA))).toBe(kat.expected);
    });
  }
  for (const kat of PBMAC1_KATS) {
    it(`PBMAC1 ${kat.prf} x ${kat.iterations}, ${kat.mac}, keyLength ${kat.keyLength}${kat.kdf ? " (id-PBES2)" : ""}`, async () => {
      const dk = pbkdf2Sync(KAT_SECRET, KAT_SALT, kat.iterations, kat.keyLength, NODE_HASH_OF[kat.prf]);
      expect(createHmac(NODE_HASH_OF[kat.mac], dk).update(KAT_DATA).digest("hex")).toBe(kat.expected);
      const key = await prepareMac(pbmac1ProtectionAlg(kat), KAT_SECRET, 100_000);
      expect(hex(await key.sign(KAT_DATA))).toBe(kat.expected);
    });
  }
});
