import { generateKeyPairSync } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { AsnConvert } from "@peculiar/asn1-schema";
import { Extension, KeyUsage, KeyUsageFlags, id_ce_keyUsage } from "@peculiar/asn1-x509";
import { keyAlgorithmOf, keyPhrase, keyUsageAllowedFor, keyUsageForKey } from "../../src/ca/key_usage.js";
import { planCertificate } from "../../src/ca/certificate_builder.js";
import { createSelfSignedCa } from "../../src/ca/self_signed.js";
import { parseDistinguishedName } from "../../src/ca/distinguished_name.js";
import { checkPublicKeyPolicy } from "../../src/ca/issuance_policy.js";
import type { CertificateAuthority } from "../../src/ca/authority.js";
import { CmpError } from "../../src/asn1/pki_failure_info.js";
import { loadCertificateProfile } from "../../src/config/load_certificate_profile.js";
import type { CertificateProfile } from "../../src/config/profile.js";
import { generateLocalKey, LocalSigner } from "../../src/kms/local.js";

const defaults: CertificateProfile = loadCertificateProfile({}, "certificate");
const NOW = new Date("2026-05-01T12:00:00Z");

const spki = {} as Record<"RSA" | "EC" | "Ed25519" | "X25519", Uint8Array>;
let ca: CertificateAuthority;
beforeAll(async () => {
  spki.RSA = (await generateLocalKey("RSA-2048")).spki;
  spki.EC = (await generateLocalKey("P-256")).spki;
  spki.Ed25519 = (await generateLocalKey("Ed25519")).spki;
  spki.X25519 = new Uint8Array(generateKeyPairSync("x25519").publicKey.export({ type: "spki", format: "der" }));
  const signer = await LocalSigner.fromPkcs8((await generateLocalKey("P-256")).pkcs8);
  const certificate = await createSelfSignedCa({ signer, subject: "CN=Key Usage Test CA", validitySeconds: 10 * 365 * 86400, now: NOW });
  ca = { signer, certificate, chain: [certificate] };
});

/** The keyUsage bits of a planned certificate, by name. */
async function plannedKeyUsage(subjectPublicKeyInfo: Uint8Array, profile: CertificateProfile = defaults): Promise<string[]> {
  const plan = await planCertificate({ ca, subject: parseDistinguishedName("CN=device"), subjectPublicKeyInfo, profile, now: NOW });
  const extension = plan.extensions.map((der) => AsnConvert.parse(der, Extension)).find((e) => e.extnID === id_ce_keyUsage);
  if (!extension) return [];
  const flags = AsnConvert.parse(extension.extnValue.buffer, KeyUsage).toNumber();
  return Object.entries(KeyUsageFlags)
    .filter(([name, flag]) => typeof flag === "number" && flags & flag && name)
    .map(([name]) => name);
}

describe("keyAlgorithmOf", () => {
  it("reads the algorithm of a SubjectPublicKeyInfo", () => {
    expect(keyAlgorithmOf(spki.RSA)).toBe("RSA");
    expect(keyAlgorithmOf(spki.EC)).toBe("EC");
    expect(keyAlgorithmOf(spki.Ed25519)).toBe("Ed25519");
    expect(keyAlgorithmOf(spki.X25519)).toBe("X25519");
  });

  it("is undefined for bytes that are no SubjectPublicKeyInfo", () => {
    expect(keyAlgorithmOf(Uint8Array.of(1, 2, 3))).toBeUndefined();
    expect(keyAlgorithmOf(Uint8Array.of(0x30, 0x00))).toBeUndefined();
  });
});

describe("keyUsageForKey (RFC 3279 §2.3.1, RFC 5480 §3, RFC 8410 §5)", () => {
  it("gives the default profile's digitalSignature + keyEncipherment to RSA, digitalSignature alone to EC and Ed25519", () => {
    expect(defaults.keyUsage).toEqual(["digitalSignature", "keyEncipherment"]);
    expect(keyUsageForKey(defaults.keyUsage, "RSA")).toEqual({ granted: ["digitalSignature", "keyEncipherment"], dropped: [] });
    expect(keyUsageForKey(defaults.keyUsage, "EC")).toEqual({ granted: ["digitalSignature"], dropped: ["keyEncipherment"] });
    expect(keyUsageForKey(defaults.keyUsage, "Ed25519")).toEqual({ granted: ["digitalSignature"], dropped: ["keyEncipherment"] });
  });

  it("never gives EC keys keyEncipherment or dataEncipherment, and keeps keyAgreement", () => {
    const { granted, dropped } = keyUsageForKey(["digitalSignature", "keyEncipherment", "dataEncipherment", "keyAgreement", "nonRepudiation"], "EC");
    expect(granted).toEqual(["digitalSignature", "keyAgreement", "nonRepudiation"]);
    expect(dropped).toEqual(["keyEncipherment", "dataEncipherment"]);
  });

  it("gives encipherOnly or decipherOnly only with keyAgreement, and only one of them", () => {
    expect(keyUsageForKey(["keyAgreement", "encipherOnly"], "EC").granted).toEqual(["keyAgreement", "encipherOnly"]);
    expect(keyUsageForKey(["digitalSignature", "decipherOnly"], "EC").dropped).toEqual(["decipherOnly"]);
    expect(keyUsageForKey(["keyAgreement", "encipherOnly", "decipherOnly"], "EC")).toEqual({
      granted: ["keyAgreement"],
      dropped: ["encipherOnly", "decipherOnly"],
    });
    expect(keyUsageForKey(["keyAgreement", "decipherOnly"], "RSA").granted).toEqual([]);
  });

  it("gives Ed25519 and Ed448 only digitalSignature, nonRepudiation, keyCertSign, cRLSign", () => {
    const all = ["digitalSignature", "nonRepudiation", "keyEncipherment", "dataEncipherment", "keyAgreement", "keyCertSign", "cRLSign"] as const;
    for (const algorithm of ["Ed25519", "Ed448"] as const) {
      expect(keyUsageForKey(all, algorithm).granted).toEqual(["digitalSignature", "nonRepudiation", "keyCertSign", "cRLSign"]);
    }
  });

  it("gives X25519 and X448 keyAgreement only", () => {
    for (const algorithm of ["X25519", "X448"] as const) {
      expect(keyUsageForKey(["digitalSignature", "keyAgreement", "keyEncipherment"], algorithm)).toEqual({
        granted: ["keyAgreement"],
        dropped: ["digitalSignature", "keyEncipherment"],
      });
    }
  });

  it("gives RSA no keyAgreement", () => {
    expect(keyUsageForKey(["digitalSignature", "keyAgreement"], "RSA")).toEqual({ granted: ["digitalSignature"], dropped: ["keyAgreement"] });
    expect(keyUsageAllowedFor("RSA", "dataEncipherment")).toBe(true);
  });

  it("keeps the profile's bits for an algorithm it does not know", () => {
    expect(keyUsageForKey(["keyEncipherment"], undefined)).toEqual({ granted: ["keyEncipherment"], dropped: [] });
    expect(keyPhrase(undefined)).toBe("this key");
    expect(keyPhrase("EC")).toBe("an EC key");
  });
});

describe("the certificate's keyUsage follows the key", () => {
  it("default profile: RSA digitalSignature + keyEncipherment, EC and Ed25519 digitalSignature", async () => {
    expect(await plannedKeyUsage(spki.RSA)).toEqual(["digitalSignature", "keyEncipherment"]);
    expect(await plannedKeyUsage(spki.EC)).toEqual(["digitalSignature"]);
    expect(await plannedKeyUsage(spki.Ed25519)).toEqual(["digitalSignature"]);
  });

  it("a configured keyUsage loses, per certificate, the bits the key cannot have", async () => {
    const profile = loadCertificateProfile({ keyUsage: ["digitalSignature", "keyAgreement", "keyEncipherment"] }, "certificate");
    expect(await plannedKeyUsage(spki.EC, profile)).toEqual(["digitalSignature", "keyAgreement"]);
    expect(await plannedKeyUsage(spki.RSA, profile)).toEqual(["digitalSignature", "keyEncipherment"]);
  });

  it("refuses a key for which the profile's keyUsage leaves nothing (badCertTemplate), rather than issuing without keyUsage", async () => {
    const profile = loadCertificateProfile({ keyUsage: ["keyEncipherment"] }, "certificate");
    const error = await plannedKeyUsage(spki.EC, profile).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CmpError);
    expect((error as CmpError).failInfo).toEqual(["badCertTemplate"]);
    expect(() => checkPublicKeyPolicy(spki.EC, profile)).toThrow(/keyUsage \(keyEncipherment\) has nothing an EC key may do/);
    expect(() => checkPublicKeyPolicy(spki.RSA, profile)).not.toThrow();
    // A profile without keyUsage issues none, for any key.
    expect(await plannedKeyUsage(spki.EC, { ...profile, keyUsage: [] })).toEqual([]);
  });
});
