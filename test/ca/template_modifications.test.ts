import { beforeAll, describe, expect, it } from "vitest";
import { AsnConvert, OctetString } from "@peculiar/asn1-schema";
import {
  BasicConstraints,
  ExtendedKeyUsage,
  Extension,
  GeneralName,
  GeneralNames,
  KeyUsage,
  KeyUsageFlags,
  SubjectKeyIdentifier,
  Time,
  id_ce_basicConstraints,
  id_ce_extKeyUsage,
  id_ce_keyUsage,
  id_ce_subjectAltName,
  id_ce_subjectKeyIdentifier,
} from "@peculiar/asn1-x509";
import { OptionalValidity } from "../../src/asn1/cert_template.js";
import { CmpError } from "../../src/asn1/pki_failure_info.js";
import type { CertificateAuthority } from "../../src/ca/authority.js";
import { planCertificate, type CertificatePlan } from "../../src/ca/certificate_builder.js";
import { parseDistinguishedName } from "../../src/ca/distinguished_name.js";
import { keyIdentifier } from "../../src/ca/key_identifier.js";
import { createSelfSignedCa } from "../../src/ca/self_signed.js";
import { asksAnything, modificationsText, templateModifications, type AskedContent } from "../../src/ca/template_modifications.js";
import { loadCertificateProfile } from "../../src/config/load_certificate_profile.js";
import type { CertificateProfile } from "../../src/config/profile.js";
import { generateLocalKey, LocalSigner } from "../../src/kms/local.js";

const NOW = new Date("2026-05-01T12:00:00.250Z");
const CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
const SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
const CODE_SIGNING = "1.3.6.1.5.5.7.3.3";

const profile: CertificateProfile = { ...loadCertificateProfile({}, "certificate"), validitySeconds: 30 * 86400, backdateSeconds: 60 };

let ca: CertificateAuthority;
let ecKey: Uint8Array;
let rsaKey: Uint8Array;
beforeAll(async () => {
  const signer = await LocalSigner.fromPkcs8((await generateLocalKey("P-256")).pkcs8);
  const certificate = await createSelfSignedCa({ signer, subject: "CN=Modifications Test CA", validitySeconds: 10 * 365 * 86400, now: NOW });
  ca = { signer, certificate, chain: [certificate] };
  ecKey = (await generateLocalKey("P-256")).spki;
  rsaKey = (await generateLocalKey("RSA-2048")).spki;
});

const dns = (...names: string[]) => new GeneralNames(names.map((name) => new GeneralName({ dNSName: name })));

function plan(options: { key?: Uint8Array; subjectAltName?: GeneralNames; profile?: CertificateProfile; ca?: CertificateAuthority } = {}): Promise<CertificatePlan> {
  return planCertificate({
    ca: options.ca ?? ca,
    subject: parseDistinguishedName("CN=device"),
    subjectPublicKeyInfo: options.key ?? ecKey,
    subjectAltName: options.subjectAltName,
    profile: options.profile ?? profile,
    now: NOW,
  });
}

function extension(extnID: string, value: object, critical = false): Extension {
  return new Extension({ extnID, critical, extnValue: new OctetString(AsnConvert.serialize(value)) });
}

const keyUsage = (flags: number, critical = true) => extension(id_ce_keyUsage, new KeyUsage(flags), critical);
const eku = (...purposes: string[]) => extension(id_ce_extKeyUsage, new ExtendedKeyUsage(purposes));
const asking = (...extensions: Extension[]): AskedContent => ({ extensions });

function refusal(run: () => unknown): CmpError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(CmpError);
    expect((error as CmpError).failInfo).toEqual(["badCertTemplate"]);
    return error as CmpError;
  }
  throw new Error("accepted what should be refused");
}

describe("templateModifications (RFC 9810 §5.2.3, RFC 9483 §4.1.1)", () => {
  it("finds nothing when nothing is asked", async () => {
    expect(asksAnything(undefined)).toBe(false);
    expect(asksAnything({})).toBe(false);
    expect(asksAnything({ validity: new OptionalValidity() })).toBe(false);
    expect(templateModifications({}, await plan())).toEqual([]);
  });

  describe("keyUsage", () => {
    it("is as asked when the certificate has exactly the asked bits", async () => {
      expect(templateModifications(asking(keyUsage(KeyUsageFlags.digitalSignature)), await plan({ key: ecKey }))).toEqual([]);
      const both = KeyUsageFlags.digitalSignature | KeyUsageFlags.keyEncipherment;
      expect(templateModifications(asking(keyUsage(both)), await plan({ key: rsaKey }))).toEqual([]);
    });

    it("names a bit the key type cannot have (RFC 5480 §3: EC keys never get keyEncipherment)", async () => {
      const both = KeyUsageFlags.digitalSignature | KeyUsageFlags.keyEncipherment;
      expect(templateModifications(asking(keyUsage(both)), await plan({ key: ecKey }))).toEqual(["keyUsage keyEncipherment not granted for an EC key"]);
    });

    it("names asked bits the profile does not give, and bits added that were not asked", async () => {
      const asked = KeyUsageFlags.digitalSignature | KeyUsageFlags.nonRepudiation;
      expect(templateModifications(asking(keyUsage(asked)), await plan({ key: rsaKey }))).toEqual([
        "keyUsage nonRepudiation not granted",
        "keyUsage keyEncipherment added",
      ]);
    });

    it("names a criticality other than asked", async () => {
      expect(templateModifications(asking(keyUsage(KeyUsageFlags.digitalSignature, false)), await plan())).toEqual([
        "keyUsage issued critical (asked non-critical)",
      ]);
    });

    it("names every asked bit when the profile issues no keyUsage", async () => {
      const bare = await plan({ profile: { ...profile, keyUsage: [] } });
      expect(templateModifications(asking(keyUsage(KeyUsageFlags.digitalSignature)), bare)).toEqual(["keyUsage digitalSignature not granted"]);
    });

    it("refuses a malformed keyUsage", async () => {
      const p = await plan();
      const error = refusal(() => templateModifications(asking(extension(id_ce_keyUsage, new BasicConstraints())), p));
      expect(error.message).toBe("the keyUsage extension is malformed");
    });
  });

  describe("extendedKeyUsage", () => {
    it("is as asked when the purposes are the profile's, in any order", async () => {
      expect(templateModifications(asking(eku(CLIENT_AUTH, SERVER_AUTH)), await plan())).toEqual([]);
      expect(templateModifications(asking(eku(SERVER_AUTH, CLIENT_AUTH)), await plan())).toEqual([]);
    });

    it("names purposes not granted and purposes added", async () => {
      expect(templateModifications(asking(eku(CLIENT_AUTH, CODE_SIGNING)), await plan())).toEqual([
        "extendedKeyUsage codeSigning not granted",
        "extendedKeyUsage serverAuth added",
      ]);
      expect(templateModifications(asking(eku("1.2.3.4.5")), await plan({ profile: { ...profile, extendedKeyUsage: [] } }))).toEqual([
        "extendedKeyUsage 1.2.3.4.5 not granted",
      ]);
    });
  });

  describe("basicConstraints", () => {
    it("is as asked with cA FALSE, given or left to its default", async () => {
      expect(templateModifications(asking(extension(id_ce_basicConstraints, new BasicConstraints(), true)), await plan())).toEqual([]);
      expect(templateModifications(asking(extension(id_ce_basicConstraints, new BasicConstraints({ cA: false }), true)), await plan())).toEqual([]);
    });

    it("refuses cA TRUE with badCertTemplate: only end-entity certificates are issued", async () => {
      const p = await plan();
      const error = refusal(() => templateModifications(asking(extension(id_ce_basicConstraints, new BasicConstraints({ cA: true }), true)), p));
      expect(error.message).toMatch(/cA TRUE asked: this CA issues end-entity certificates only/);
    });

    it("names a pathLenConstraint, which an end entity's basicConstraints must not carry, and a criticality other than asked", async () => {
      const asked = extension(id_ce_basicConstraints, new BasicConstraints({ pathLenConstraint: 0 }), false);
      expect(templateModifications(asking(asked), await plan())).toEqual([
        "basicConstraints pathLenConstraint not granted",
        "basicConstraints issued critical (asked non-critical)",
      ]);
    });
  });

  describe("subjectAltName", () => {
    it("is as asked when the certificate carries the asked names", async () => {
      const names = dns("a.example", "b.example");
      expect(templateModifications(asking(extension(id_ce_subjectAltName, names)), await plan({ subjectAltName: dns("a.example", "b.example") }))).toEqual([]);
    });

    it("names other names issued (client mode: the registered ones) and names left out", async () => {
      const asked = asking(extension(id_ce_subjectAltName, dns("a.example")));
      expect(templateModifications(asked, await plan({ subjectAltName: dns("a.example", "b.example") }))).toEqual([
        "subjectAltName set to DNS:a.example, DNS:b.example (asked DNS:a.example)",
      ]);
      expect(templateModifications(asked, await plan())).toEqual(["subjectAltName not granted"]);
    });
  });

  describe("other extensions", () => {
    it("names an extension the CA does not issue as not granted", async () => {
      const asked = new Extension({ extnID: "1.2.3.4", critical: false, extnValue: new OctetString(Uint8Array.of(5, 0)) });
      expect(templateModifications(asking(asked), await plan())).toEqual(["extension 1.2.3.4 not granted"]);
    });

    it("compares an extension the CA issues by its value", async () => {
      const ski = await keyIdentifier(ecKey);
      expect(templateModifications(asking(extension(id_ce_subjectKeyIdentifier, new SubjectKeyIdentifier(ski))), await plan())).toEqual([]);
      expect(templateModifications(asking(extension(id_ce_subjectKeyIdentifier, new SubjectKeyIdentifier(Uint8Array.of(1, 2, 3)))), await plan())).toEqual([
        "subjectKeyIdentifier set by the CA, not as asked",
      ]);
    });
  });

  describe("validity", () => {
    it("is as asked when each given bound equals the certificate's, to the second", async () => {
      const p = await plan();
      const validity = new OptionalValidity({ notBefore: new Time(p.period.notBefore), notAfter: new Time(p.period.notAfter) });
      expect(templateModifications({ validity }, p)).toEqual([]);
      expect(templateModifications({ validity: new OptionalValidity({ notAfter: new Time(p.period.notAfter) }) }, p)).toEqual([]);
    });

    it("says what was issued instead: the profile's lifetime", async () => {
      const validity = new OptionalValidity({ notBefore: new Time(new Date("2026-01-01T00:00:00Z")), notAfter: new Time(new Date("2030-01-01T00:00:00Z")) });
      expect(templateModifications({ validity }, await plan())).toEqual(["validity set to 30 days (asked 2026-01-01T00:00:00Z..2030-01-01T00:00:00Z)"]);
      const onlyEnd = new OptionalValidity({ notAfter: new Time(new Date("2030-01-01T00:00:00Z")) });
      expect(templateModifications({ validity: onlyEnd }, await plan())).toEqual(["validity set to 30 days (asked ..2030-01-01T00:00:00Z)"]);
    });

    it("says so when the certificate ends with the CA's", async () => {
      const signer = await LocalSigner.fromPkcs8((await generateLocalKey("P-256")).pkcs8);
      const certificate = await createSelfSignedCa({ signer, subject: "CN=Short CA", validitySeconds: 86400, now: NOW });
      const p = await plan({ ca: { signer, certificate, chain: [certificate] } });
      expect(p.cutAtIssuer).toBe(true);
      const validity = new OptionalValidity({ notAfter: new Time(new Date("2030-01-01T00:00:00Z")) });
      expect(templateModifications({ validity }, p)).toEqual([
        "validity set to end with the CA certificate at 2026-05-02T12:00:00Z (asked ..2030-01-01T00:00:00Z)",
      ]);
    });
  });

  it("lists every modification in one statusString", async () => {
    const validity = new OptionalValidity({ notAfter: new Time(new Date("2030-01-01T00:00:00Z")) });
    const unknown = new Extension({ extnID: "1.2.3.4", critical: false, extnValue: new OctetString(Uint8Array.of(5, 0)) });
    const both = keyUsage(KeyUsageFlags.digitalSignature | KeyUsageFlags.keyEncipherment);
    const modifications = templateModifications({ validity, extensions: [unknown, both] }, await plan());
    expect(modificationsText(modifications)).toBe(
      "granted with modifications: validity set to 30 days (asked ..2030-01-01T00:00:00Z); extension 1.2.3.4 not granted; keyUsage keyEncipherment not granted for an EC key",
    );
  });
});
