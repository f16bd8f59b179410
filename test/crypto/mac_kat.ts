import { AsnConvert } from "@peculiar/asn1-schema";
import { AlgorithmIdentifier } from "@peculiar/asn1-x509";
import { PBMParameter, id_PasswordBasedMac } from "../../src/asn1/pbm.js";
import { fromHex } from "./der.js";
import { pbmac1AlgorithmIdentifierDer, type HmacName } from "./pbmac1_vectors.js";

/**
 * Known-answer MACs for runtimes without node:crypto (workerd). The expected
 * values were computed with node:crypto (createHash/createHmac/pbkdf2Sync),
 * and mac_kat.test.ts recomputes every one of them that way, so a wrong
 * vector fails in Node before it could pass in workerd.
 */
export const KAT_SECRET = new TextEncoder().encode("jellyfish KAT secret");
export const KAT_SALT = fromHex("0102030405060708090a0b0c0d0e0f10");
export const KAT_DATA = new TextEncoder().encode("ProtectedPart known-answer test");

export interface PbmKat {
  owf: "sha1" | "sha256" | "sha512";
  iterations: number;
  mac: "sha1" | "sha512";
  expected: string;
}

export const PBM_KATS: PbmKat[] = [
  { owf: "sha256", iterations: 500, mac: "sha1", expected: "c1d65751d35c1d349ca959215f1b879c86e49ca4" },
  { owf: "sha1", iterations: 100, mac: "sha1", expected: "44959bb8982b0cf89c39b0819ae4260fcdfe9c04" },
  {
    owf: "sha512",
    iterations: 1000,
    mac: "sha512",
    expected:
      "cd0f62e69df92485d8e95e628046e46b2f4af9588f74ba2fe1497a07d96ba6e98ec5e293d1f4f749f095f5b18d328492a3d32cfcf9b6348ada60903d7c3da302",
  },
];

export interface Pbmac1Kat {
  prf: HmacName;
  iterations: number;
  keyLength: number;
  mac: HmacName;
  expected: string;
  /** keyDerivationFunc as Bouncy Castle writes it: id-PBES2 around PBKDF2-params (docs/compatibility.md). */
  kdf?: "pbes2";
}

export const PBMAC1_KATS: Pbmac1Kat[] = [
  // 100 000 iterations: the most workerd's PBKDF2 allows, and our default maximum.
  { prf: "hmacWithSHA256", iterations: 100_000, keyLength: 32, mac: "hmacWithSHA256", expected: "cdc4d903a5822295c264d52bd79a3081dd601671a1b80bd950b1ead0d38efb66" },
  {
    prf: "hmacWithSHA512",
    iterations: 1000,
    keyLength: 64,
    mac: "hmacWithSHA512",
    expected:
      "6969c2c81bbf619daf5a4f16f41d9e48daa7533e13e3b26d74dbec3c42797e91b62a69c0746cdfaf103f5a04309f0c979d8d0f04a37b1598d339ea9aa52fa731",
  },
  {
    prf: "hmacWithSHA256",
    iterations: 1000,
    keyLength: 64,
    mac: "hmacWithSHA512",
    expected:
      "fa0f128253aa98f9c15284cc7b896c8dab005fcb402ec8de6c51175670491c6d5706e23c98e13f0e8abe3b5b6ddd2d4290b61cd3598e61706b22ffa8234638d3",
  },
  // A MAC key shorter than the HMAC output (RFC 2104 §3), plain and in Bouncy Castle's form.
  { prf: "hmacWithSHA256", iterations: 1000, keyLength: 16, mac: "hmacWithSHA256", expected: "774809ac05be7910f409167d8a4d0d76e6a058eac153e0aa142a31f8e25ab816" },
  { prf: "hmacWithSHA256", iterations: 1000, keyLength: 20, mac: "hmacWithSHA256", expected: "eb24fa3e5cd9b77be1626bd22db80e707dc19fcbc2608a3d454400503a056623", kdf: "pbes2" },
];

const HASH_OID = { sha1: "1.3.14.3.2.26", sha256: "2.16.840.1.101.3.4.2.1", sha512: "2.16.840.1.101.3.4.2.3" } as const;
const HMAC_OID = { sha1: "1.3.6.1.5.5.8.1.2", sha512: "1.2.840.113549.2.11" } as const;

export function pbmProtectionAlg(kat: PbmKat): AlgorithmIdentifier {
  const params = new PBMParameter({
    salt: KAT_SALT.slice().buffer,
    owf: new AlgorithmIdentifier({ algorithm: HASH_OID[kat.owf] }),
    iterationCount: BigInt(kat.iterations),
    mac: new AlgorithmIdentifier({ algorithm: HMAC_OID[kat.mac] }),
  });
  return new AlgorithmIdentifier({ algorithm: id_PasswordBasedMac, parameters: AsnConvert.serialize(params) });
}

export function pbmac1ProtectionAlg(kat: Pbmac1Kat): AlgorithmIdentifier {
  const der = pbmac1AlgorithmIdentifierDer({ salt: KAT_SALT, iterationCount: kat.iterations, keyLength: kat.keyLength, prf: kat.prf, mac: kat.mac, kdf: kat.kdf });
  return AsnConvert.parse(der, AlgorithmIdentifier);
}
