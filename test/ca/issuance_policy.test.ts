import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AsnConvert } from "@peculiar/asn1-schema";
import { GeneralName, GeneralNames, Name, OtherName, SubjectPublicKeyInfo } from "@peculiar/asn1-x509";
import {
  checkPublicKeyPolicy,
  checkSubjectAltNamePolicy,
  checkSubjectPolicy,
  dnsNameMatches,
} from "../../src/ca/issuance_policy.js";
import { parseDistinguishedName } from "../../src/ca/distinguished_name.js";
import { loadCertificateProfile } from "../../src/config/load_certificate_profile.js";
import type { CertificateProfile } from "../../src/config/profile.js";
import { CmpError } from "../../src/asn1/pki_failure_info.js";
import { makeTempDirSync, mustOpensslSync } from "../support/openssl.js";

const dir = makeTempDirSync("jellyfish-issuance-policy-");
afterAll(() => dir.remove());

/** A profile as the loader builds it from JSON, so defaults are the real ones. */
const profileOf = (certificate: object): CertificateProfile => loadCertificateProfile(certificate, "certificate");
const defaults = profileOf({});

/** The CmpError a check raises; fails the test when it raises nothing or something else. */
function refusal(check: () => void): CmpError {
  try {
    check();
  } catch (error) {
    expect(error).toBeInstanceOf(CmpError);
    expect((error as CmpError).failInfo).toEqual(["badCertTemplate"]);
    return error as CmpError;
  }
  throw new Error("the check accepted what it should refuse");
}

const GENPKEY: Record<string, string[]> = {
  "RSA-2048": ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
  "RSA-3072": ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:3072"],
  "RSA-2047": ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2047"],
  "P-256": ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
  "P-384": ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"],
  "P-521": ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-521"],
  secp256k1: ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:secp256k1"],
  Ed25519: ["-algorithm", "ED25519"],
  Ed448: ["-algorithm", "ED448"],
};

/** DER SubjectPublicKeyInfo of a fresh key made by the openssl binary. */
function opensslSpki(kind: string): Uint8Array {
  const keyFile = dir.file(`${kind}.key.pem`);
  mustOpensslSync(["genpkey", ...GENPKEY[kind]!, "-out", keyFile]);
  mustOpensslSync(["pkey", "-in", keyFile, "-pubout", "-outform", "DER", "-out", dir.file(`${kind}.spki.der`)]);
  return dir.read(`${kind}.spki.der`);
}

describe("checkPublicKeyPolicy", () => {
  const spki = new Map<string, Uint8Array>();
  beforeAll(() => {
    for (const kind of Object.keys(GENPKEY)) spki.set(kind, opensslSpki(kind));
  });
  const key = (kind: string) => spki.get(kind)!;

  it("accepts every supported key type by default", () => {
    for (const kind of ["RSA-2048", "RSA-3072", "P-256", "P-384", "P-521", "Ed25519"]) {
      expect(() => checkPublicKeyPolicy(key(kind), defaults)).not.toThrow();
    }
  });

  it("counts RSA modulus bits exactly: 2047 bits is below the default 2048", () => {
    expect(refusal(() => checkPublicKeyPolicy(key("RSA-2047"), defaults)).message).toBe("RSA keys of 2048 to 8192 bits are accepted, not 2047");
  });

  it("refuses RSA-2048 when rsaMinBits is 3072, and accepts RSA-3072", () => {
    const profile = profileOf({ rsaMinBits: 3072 });
    expect(refusal(() => checkPublicKeyPolicy(key("RSA-2048"), profile)).message).toBe("RSA keys of 3072 to 8192 bits are accepted, not 2048");
    expect(() => checkPublicKeyPolicy(key("RSA-3072"), profile)).not.toThrow();
  });

  it("accepts only the key types the profile lists", () => {
    const profile = profileOf({ keyTypes: ["P-256", "Ed25519"] });
    expect(() => checkPublicKeyPolicy(key("P-256"), profile)).not.toThrow();
    expect(() => checkPublicKeyPolicy(key("Ed25519"), profile)).not.toThrow();
    expect(refusal(() => checkPublicKeyPolicy(key("P-384"), profile)).message).toBe("P-384 keys are not certified by this profile (P-256, Ed25519 are)");
    expect(refusal(() => checkPublicKeyPolicy(key("RSA-3072"), profile)).message).toMatch(/^RSA keys are not certified/);

    const onlyP384 = profileOf({ keyTypes: ["P-384"] });
    expect(() => checkPublicKeyPolicy(key("P-384"), onlyP384)).not.toThrow();
    expect(refusal(() => checkPublicKeyPolicy(key("P-256"), onlyP384)).message).toMatch(/^P-256 keys are not certified/);
    expect(refusal(() => checkPublicKeyPolicy(key("Ed25519"), onlyP384)).message).toMatch(/^Ed25519 keys are not certified/);
  });

  it("refuses a secp256k1 key even when every key type is allowed", () => {
    expect(refusal(() => checkPublicKeyPolicy(key("secp256k1"), defaults)).message).toBe(
      "EC public keys must be on the named curve P-256, P-384 or P-521",
    );
  });

  it("refuses an algorithm it does not know (Ed448)", () => {
    expect(refusal(() => checkPublicKeyPolicy(key("Ed448"), defaults)).message).toMatch(/algorithm 1\.3\.101\.113 are not certified/);
  });

  it("refuses bytes that are not a SubjectPublicKeyInfo, and an Ed25519 key with parameters (RFC 8410 §3)", () => {
    expect(refusal(() => checkPublicKeyPolicy(Uint8Array.of(1, 2, 3), defaults)).message).toMatch(/not a SubjectPublicKeyInfo/);
    const ed = AsnConvert.parse(key("Ed25519"), SubjectPublicKeyInfo);
    ed.algorithm.parameters = null; // serialized as NULL (05 00)
    const withNull = new Uint8Array(AsnConvert.serialize(ed));
    expect(refusal(() => checkPublicKeyPolicy(withNull, defaults)).message).toMatch(/Ed25519 public key must have no algorithm parameters/);
  });
});

describe("checkSubjectPolicy", () => {
  it("accepts any subject by default, the empty one too", () => {
    expect(() => checkSubjectPolicy(parseDistinguishedName("CN=x,O=y,C=DE,1.2.3.4=z"), defaults)).not.toThrow();
    expect(() => checkSubjectPolicy(new Name([]), defaults)).not.toThrow();
  });

  it("requires every attribute in subject.required", () => {
    const profile = profileOf({ subject: { required: ["CN", "O", "serialNumber"] } });
    expect(() => checkSubjectPolicy(parseDistinguishedName("CN=d1,O=Acme,serialNumber=1234,OU=extra"), profile)).not.toThrow();
    expect(refusal(() => checkSubjectPolicy(parseDistinguishedName("CN=d1,O=Acme"), profile)).message).toBe("the subject must contain serialNumber");
    expect(refusal(() => checkSubjectPolicy(new Name([]), profile)).message).toBe("the subject must contain CN");
  });

  it("finds attributes in multi-valued RDNs and by dotted OID", () => {
    const profile = profileOf({ subject: { required: ["UID", "2.5.4.10"] } });
    expect(() => checkSubjectPolicy(parseDistinguishedName("CN=d1+UID=u1,O=Acme"), profile)).not.toThrow();
    expect(refusal(() => checkSubjectPolicy(parseDistinguishedName("CN=d1+UID=u1"), profile)).message).toBe("the subject must contain 2.5.4.10");
  });

  it("refuses attributes outside a non-empty subject.allowed, naming them", () => {
    const profile = profileOf({ subject: { required: ["CN"], allowed: ["CN", "O", "C", "emailAddress", "DC"] } });
    expect(() => checkSubjectPolicy(parseDistinguishedName("CN=d1,O=Acme,C=DE"), profile)).not.toThrow();
    expect(() => checkSubjectPolicy(parseDistinguishedName("CN=d1,emailAddress=a@example.com,DC=example,DC=com"), profile)).not.toThrow();
    expect(refusal(() => checkSubjectPolicy(parseDistinguishedName("CN=d1,OU=Ops"), profile)).message).toBe(
      "the subject attribute OU is not allowed (only CN, O, C, emailAddress, DC)",
    );
    expect(refusal(() => checkSubjectPolicy(parseDistinguishedName("CN=d1+ST=Bavaria"), profile)).message).toMatch(/attribute ST is not allowed/);
    expect(refusal(() => checkSubjectPolicy(parseDistinguishedName("CN=d1,1.2.3.4=z"), profile)).message).toMatch(/attribute 1\.2\.3\.4 is not allowed/);
  });
});

const dns = (name: string) => new GeneralName({ dNSName: name });
const names = (...entries: GeneralName[]) => new GeneralNames(entries);

describe("checkSubjectAltNamePolicy", () => {
  const every = names(
    dns("device.example"),
    new GeneralName({ iPAddress: "192.0.2.7" }),
    new GeneralName({ rfc822Name: "ops@example.com" }),
    new GeneralName({ uniformResourceIdentifier: "urn:device:1" }),
    new GeneralName({ registeredID: "1.2.3.4" }),
    new GeneralName({ directoryName: parseDistinguishedName("CN=x") }),
  );

  it("accepts any names by default, and no names at all", () => {
    expect(() => checkSubjectAltNamePolicy(every, defaults)).not.toThrow();
    expect(() => checkSubjectAltNamePolicy(undefined, profileOf({ subjectAltName: { allowed: ["dNSName"], dnsNames: ["example.com"] } }))).not.toThrow();
  });

  it("accepts only the kinds in a non-empty subjectAltName.allowed", () => {
    const profile = profileOf({ subjectAltName: { allowed: ["dNSName", "iPAddress"] } });
    expect(() => checkSubjectAltNamePolicy(names(dns("a.example"), new GeneralName({ iPAddress: "2001:db8::1" })), profile)).not.toThrow();
    expect(refusal(() => checkSubjectAltNamePolicy(names(dns("a.example"), new GeneralName({ rfc822Name: "a@b.example" })), profile)).message).toBe(
      "subjectAltName entries of kind rfc822Name are not allowed (only dNSName, iPAddress)",
    );
    const uriOnly = profileOf({ subjectAltName: { allowed: ["uniformResourceIdentifier", "rfc822Name"] } });
    expect(() => checkSubjectAltNamePolicy(names(new GeneralName({ uniformResourceIdentifier: "urn:x" })), uriOnly)).not.toThrow();
    expect(refusal(() => checkSubjectAltNamePolicy(names(new GeneralName({ iPAddress: "192.0.2.1" })), uriOnly)).message).toMatch(/kind iPAddress/);
  });

  it("refuses otherName, directoryName and registeredID whenever allowed is non-empty", () => {
    const profile = profileOf({ subjectAltName: { allowed: ["dNSName", "iPAddress", "rfc822Name", "uniformResourceIdentifier"] } });
    const otherName = new GeneralName({ otherName: new OtherName({ typeId: "1.3.6.1.4.1.311.20.2.3", value: Uint8Array.of(0x0c, 0x01, 0x61).buffer }) });
    expect(refusal(() => checkSubjectAltNamePolicy(names(otherName), profile)).message).toMatch(/kind otherName/);
    expect(refusal(() => checkSubjectAltNamePolicy(names(new GeneralName({ directoryName: parseDistinguishedName("CN=x") })), profile)).message).toMatch(
      /kind directoryName/,
    );
    expect(refusal(() => checkSubjectAltNamePolicy(names(new GeneralName({ registeredID: "1.2.3" })), profile)).message).toMatch(/kind registeredID/);
  });

  it("requires each dNSName to match one of subjectAltName.dnsNames", () => {
    const profile = profileOf({ subjectAltName: { dnsNames: ["example.com", "*.devices.example.net"] } });
    expect(() => checkSubjectAltNamePolicy(names(dns("example.com"), dns("d1.devices.example.net"), new GeneralName({ iPAddress: "192.0.2.1" })), profile)).not.toThrow();
    expect(refusal(() => checkSubjectAltNamePolicy(names(dns("example.com"), dns("www.example.com")), profile)).message).toBe(
      'the subjectAltName dNSName "www.example.com" is not allowed by this profile (example.com, *.devices.example.net)',
    );
    expect(refusal(() => checkSubjectAltNamePolicy(names(dns("devices.example.net")), profile)).message).toMatch(/"devices\.example\.net"/);
  });
});

describe("dnsNameMatches", () => {
  it("matches a plain pattern exactly, ignoring case", () => {
    expect(dnsNameMatches("example.com", "example.com")).toBe(true);
    expect(dnsNameMatches("Example.COM", "example.com")).toBe(true);
    expect(dnsNameMatches("example.com", "EXAMPLE.com")).toBe(true);
    expect(dnsNameMatches("a.example.com", "example.com")).toBe(false);
    expect(dnsNameMatches("badexample.com", "example.com")).toBe(false);
    expect(dnsNameMatches("example.co", "example.com")).toBe(false);
  });

  it("matches *.example.com for one or more labels under example.com, not example.com itself", () => {
    expect(dnsNameMatches("a.example.com", "*.example.com")).toBe(true);
    expect(dnsNameMatches("a.b.example.com", "*.example.com")).toBe(true);
    expect(dnsNameMatches("A.Example.Com", "*.example.com")).toBe(true);
    expect(dnsNameMatches("example.com", "*.example.com")).toBe(false);
    expect(dnsNameMatches("badexample.com", "*.example.com")).toBe(false);
    expect(dnsNameMatches("a.example.com.evil", "*.example.com")).toBe(false);
  });

  it("lets a requested wildcard match only the identical wildcard pattern", () => {
    expect(dnsNameMatches("*.example.com", "*.example.com")).toBe(true);
    expect(dnsNameMatches("*.EXAMPLE.com", "*.example.com")).toBe(true);
    expect(dnsNameMatches("*.example.com", "example.com")).toBe(false);
    expect(dnsNameMatches("*.a.example.com", "*.example.com")).toBe(false);
    expect(dnsNameMatches("*.*.example.com", "*.example.com")).toBe(false);
    expect(dnsNameMatches("a*.example.com", "*.example.com")).toBe(false);
    expect(dnsNameMatches("*", "*.example.com")).toBe(false);
  });

  it("never matches names with empty labels", () => {
    expect(dnsNameMatches(".example.com", "*.example.com")).toBe(false);
    expect(dnsNameMatches("a..example.com", "*.example.com")).toBe(false);
    expect(dnsNameMatches("example.com.", "example.com")).toBe(false);
    expect(dnsNameMatches("", "example.com")).toBe(false);
  });
});
