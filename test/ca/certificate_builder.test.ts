import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { GeneralName, GeneralNames, Name } from "@peculiar/asn1-x509";
import { issueCertificate } from "../../src/ca/certificate_builder.js";
import { createSelfSignedCa } from "../../src/ca/self_signed.js";
import { parseDistinguishedName } from "../../src/ca/distinguished_name.js";
import { encodePem } from "../../src/asn1/pem.js";
import { readChildren, readElement, encodeSequence, encodeTlv } from "../../src/asn1/der.js";
import { encodeTbsCertificate } from "../../src/ca/tbs_certificate.js";
import { signCertificate } from "../../src/ca/signed_certificate.js";
import { encodeValidity } from "../../src/ca/validity.js";
import { encodeAlgorithm } from "../../src/ca/issuer.js";
import { basicConstraintsExtension } from "../../src/ca/extensions.js";
import type { CertificateAuthority } from "../../src/ca/authority.js";
import type { CertificateProfile } from "../../src/config/profile.js";
import { loadCertificateProfile } from "../../src/config/load_certificate_profile.js";
import { CmpError } from "../../src/asn1/pki_failure_info.js";
import { generateLocalKey, LocalSigner, type LocalKeyKind } from "../../src/kms/local.js";
import { makeTempDirSync, mustOpensslSync, opensslSync } from "../support/openssl.js";
import { x509Extension } from "./openssl_cli.js";
import { TBS, tbsField } from "./tbs_field.js";

const dir = makeTempDirSync("jellyfish-ca-builder-");
afterAll(() => dir.remove());

const NOW = new Date("2026-05-01T12:00:00.250Z");
const YEAR = 365 * 86400;

const profile: CertificateProfile = {
  ...loadCertificateProfile({}, "certificate"),
  validitySeconds: 30 * 86400,
  backdateSeconds: 300,
  keyUsage: ["digitalSignature", "keyEncipherment"],
  extendedKeyUsage: ["1.3.6.1.5.5.7.3.2", "1.3.6.1.5.5.7.3.1"],
};

/** `openssl verify -attime` wants whole seconds. */
const epoch = (date: Date, plusSeconds = 0) => String(Math.floor(date.getTime() / 1000) + plusSeconds);
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");
/** openssl's "AB:CD:..." key identifier form. */
const colonHex = (bytes: Uint8Array) => hex(bytes).toUpperCase().replace(/(..)(?!$)/g, "$1:");

const extension = x509Extension;

const { ISSUER, SUBJECT, SPKI } = TBS;

interface DeviceKey {
  name: string;
  keyFile: string;
  spki: Uint8Array;
  /** The SKI openssl computes itself for this key. */
  opensslSki: string;
}

function opensslDeviceKey(name: string, genpkey: string[]): DeviceKey {
  const keyFile = dir.file(`${name}.key.pem`);
  mustOpensslSync(["genpkey", ...genpkey, "-out", keyFile]);
  const spkiFile = dir.file(`${name}.spki.der`);
  mustOpensslSync(["pkey", "-in", keyFile, "-pubout", "-outform", "DER", "-out", spkiFile]);
  // A throwaway self-signed certificate: openssl puts its own method (1) SKI in it.
  const selfSigned = mustOpensslSync(["req", "-x509", "-new", "-key", keyFile, "-subj", "/CN=ski", "-days", "1"]);
  const ski = extension(mustOpensslSync(["x509", "-noout", "-text"], { input: selfSigned }), "Subject Key Identifier")!.value;
  return { name, keyFile, spki: new Uint8Array(dir.read(`${name}.spki.der`)), opensslSki: ski };
}

async function makeCa(kind: LocalKeyKind, validitySeconds = 10 * YEAR, now = NOW): Promise<CertificateAuthority> {
  const signer = await LocalSigner.fromPkcs8((await generateLocalKey(kind)).pkcs8);
  const certificate = await createSelfSignedCa({ signer, subject: `CN=Test CA ${kind},O=Jellyfish`, validitySeconds, now });
  return { signer, certificate, chain: [certificate] };
}

/**
 * The lines of an extension in `openssl x509 -text`, below its header line
 * (given without "X509v3 ", which openssl leaves off some names), up to the
 * next line indented no deeper than the header; blank lines dropped.
 */
function extensionLines(text: string, name: string): { critical: boolean; lines: string[] } | undefined {
  const all = text.split("\n");
  const start = all.findIndex((line) => new RegExp(`^\\s*(X509v3 )?${name}:( critical)?\\s*$`).test(line));
  if (start < 0) return undefined;
  const indent = (line: string) => line.length - line.trimStart().length;
  const lines: string[] = [];
  for (const line of all.slice(start + 1)) {
    if (line.trim() === "") continue;
    if (indent(line) <= indent(all[start]!)) break;
    lines.push(line.trim());
  }
  return { critical: all[start]!.includes("critical"), lines };
}

const san = () =>
  new GeneralNames([
    new GeneralName({ dNSName: "device-1.example" }),
    new GeneralName({ iPAddress: "192.0.2.7" }),
    new GeneralName({ rfc822Name: "ops@example.com" }),
  ]);

let devices: DeviceKey[];
beforeAll(() => {
  devices = [
    opensslDeviceKey("device-p256", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]),
    opensslDeviceKey("device-rsa", ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"]),
  ];
});

describe.each(["P-256", "P-384", "RSA-2048", "Ed25519"] as const)("CA key %s", (caKind) => {
  let ca: CertificateAuthority;
  let caText: string;
  let caFile: string;
  beforeAll(async () => {
    ca = await makeCa(caKind);
    caFile = dir.write(`ca-${caKind}.pem`, encodePem("CERTIFICATE", ca.certificate));
    caText = mustOpensslSync(["x509", "-in", caFile, "-noout", "-text"]);
  });

  for (const deviceIndex of [0, 1]) {
    it(`issues a certificate openssl verifies, for device key ${deviceIndex === 0 ? "P-256" : "RSA-2048"}`, async () => {
      const device = devices[deviceIndex]!;
      const issued = await issueCertificate({
        ca,
        subject: parseDistinguishedName("CN=device-1,O=Acme"),
        subjectPublicKeyInfo: device.spki,
        subjectAltName: san(),
        profile,
        now: NOW,
      });
      const eeFile = dir.write(`ee-${caKind}-${device.name}.pem`, encodePem("CERTIFICATE", issued.der));

      const verify = opensslSync(["verify", "-attime", epoch(NOW, 60), "-CAfile", caFile, eeFile]);
      expect(verify.stderr).toBe("");
      expect(verify.stdout.trim()).toBe(`${eeFile}: OK`);

      const text = mustOpensslSync(["x509", "-in", eeFile, "-noout", "-text"]);
      expect(text).toMatch(/Version: 3 \(0x2\)/);
      // RFC 5480 §3: an EC key never gets keyEncipherment, so the profile's bit is dropped for it (src/ca/key_usage.ts).
      const keyUsage = device.name === "device-rsa" ? "Digital Signature, Key Encipherment" : "Digital Signature";
      expect(extension(text, "Key Usage")).toEqual({ critical: true, value: keyUsage });
      expect(extension(text, "Basic Constraints")).toEqual({ critical: true, value: "CA:FALSE" });
      expect(extension(text, "Extended Key Usage")).toEqual({
        critical: false,
        value: "TLS Web Client Authentication, TLS Web Server Authentication",
      });
      expect(extension(text, "Subject Key Identifier")).toEqual({ critical: false, value: device.opensslSki });
      const caSki = extension(caText, "Subject Key Identifier")!.value;
      expect(extension(text, "Authority Key Identifier")?.value).toBe(caSki);
      expect(extension(text, "Subject Alternative Name")).toEqual({
        critical: false,
        value: "DNS:device-1.example, IP Address:192.0.2.7, email:ops@example.com",
      });

      expect(mustOpensslSync(["x509", "-in", eeFile, "-noout", "-subject", "-nameopt", "RFC2253"]).trim()).toBe("subject=CN=device-1,O=Acme");
      expect(hex(tbsField(issued.der, SPKI))).toBe(hex(device.spki));
      expect(hex(tbsField(issued.der, ISSUER))).toBe(hex(tbsField(ca.certificate, SUBJECT)));

      const serial = mustOpensslSync(["x509", "-in", eeFile, "-noout", "-serial"]).trim();
      expect(serial).toBe(`serial=${issued.serialNumber.toUpperCase()}`);
      const dates = mustOpensslSync(["x509", "-in", eeFile, "-noout", "-startdate", "-enddate"]);
      expect(dates).toContain("notBefore=May  1 11:55:00 2026 GMT");
      expect(dates).toContain("notAfter=May 31 12:00:00 2026 GMT");
      expect(issued.notBefore.toISOString()).toBe("2026-05-01T11:55:00.000Z");
      expect(issued.notAfter.toISOString()).toBe("2026-05-31T12:00:00.000Z");
    });
  }
});

describe("issueCertificate", () => {
  let ca: CertificateAuthority;
  beforeAll(async () => {
    ca = await makeCa("P-256");
  });

  it("gives unique positive serial numbers of at most 20 octets", async () => {
    const serials = new Set<string>();
    const count = 500;
    for (let index = 0; index < count; index++) {
      const { der, serialNumber } = await issueCertificate({
        ca,
        subject: parseDistinguishedName(`CN=device-${index}`),
        subjectPublicKeyInfo: devices[0]!.spki,
        profile,
        now: NOW,
      });
      const integer = tbsField(der, 1);
      expect(integer[0]).toBe(0x02);
      const contents = integer.subarray(2);
      expect(contents.length).toBe(integer[1]);
      expect(contents.length).toBeLessThanOrEqual(20);
      expect(contents[0]! & 0x80).toBe(0); // positive
      if (contents.length > 1) expect(contents[0] === 0 && (contents[1]! & 0x80) === 0).toBe(false); // minimal
      expect(serialNumber).toBe(hex(contents[0] === 0 ? contents.subarray(1) : contents));
      serials.add(serialNumber);
    }
    expect(serials.size).toBe(count);
  });

  it("ends the validity at the CA's notAfter when the profile asks for more", async () => {
    const shortCa = await makeCa("P-256", 86400);
    const caFile = dir.write("short-ca.pem", encodePem("CERTIFICATE", shortCa.certificate));
    const caEnd = mustOpensslSync(["x509", "-in", caFile, "-noout", "-enddate"]).trim();
    const issued = await issueCertificate({
      ca: shortCa,
      subject: parseDistinguishedName("CN=long"),
      subjectPublicKeyInfo: devices[0]!.spki,
      profile: { ...profile, validitySeconds: YEAR },
      now: NOW,
    });
    const eeFile = dir.write("clamped.pem", encodePem("CERTIFICATE", issued.der));
    expect(mustOpensslSync(["x509", "-in", eeFile, "-noout", "-enddate"]).trim()).toBe(caEnd);
    expect(issued.notAfter.toISOString()).toBe("2026-05-02T12:00:00.000Z");
    expect(mustOpensslSync(["verify", "-attime", epoch(NOW), "-CAfile", caFile, eeFile]).trim()).toBe(`${eeFile}: OK`);
  });

  it("refuses to issue from an expired CA", async () => {
    const error = await issueCertificate({
      ca,
      subject: parseDistinguishedName("CN=late"),
      subjectPublicKeyInfo: devices[0]!.spki,
      profile,
      now: new Date(NOW.getTime() + 11 * YEAR * 1000),
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CmpError);
    expect((error as CmpError).failInfo).toEqual(["systemUnavail"]);
  });

  it("writes UTCTime through 2049 and GeneralizedTime from 2050 (RFC 5280 §4.1.2.5)", async () => {
    const now = new Date("2049-12-31T00:00:00Z");
    const longCa = await makeCa("P-256", 20 * YEAR, new Date("2045-01-01T00:00:00Z"));
    const issued = await issueCertificate({
      ca: longCa,
      subject: parseDistinguishedName("CN=millennial"),
      subjectPublicKeyInfo: devices[0]!.spki,
      profile: { ...profile, validitySeconds: 2 * 86400, backdateSeconds: 0 },
      now,
    });
    const parsed = mustOpensslSync(["asn1parse", "-inform", "DER"], { input: issued.der });
    expect(parsed).toMatch(/UTCTIME\s+:491231000000Z/);
    expect(parsed).toMatch(/GENERALIZEDTIME\s+:20500102000000Z/);
    const caFile = dir.write("long-ca.pem", encodePem("CERTIFICATE", longCa.certificate));
    const eeFile = dir.write("y2050.pem", encodePem("CERTIFICATE", issued.der));
    const attime = String(Date.parse("2050-01-01T12:00:00Z") / 1000);
    expect(mustOpensslSync(["verify", "-attime", attime, "-CAfile", caFile, eeFile]).trim()).toBe(`${eeFile}: OK`);
  });

  it("marks subjectAltName critical when the subject is empty (RFC 5280 §4.2.1.6)", async () => {
    const issued = await issueCertificate({ ca, subject: new Name([]), subjectPublicKeyInfo: devices[0]!.spki, subjectAltName: san(), profile, now: NOW });
    const text = mustOpensslSync(["x509", "-inform", "DER", "-noout", "-text"], { input: issued.der });
    expect(extension(text, "Subject Alternative Name")?.critical).toBe(true);
    expect(hex(tbsField(issued.der, SUBJECT))).toBe("3000");
  });

  it("leaves out keyUsage and extendedKeyUsage when the profile has none", async () => {
    const issued = await issueCertificate({
      ca,
      subject: parseDistinguishedName("CN=bare"),
      subjectPublicKeyInfo: devices[0]!.spki,
      profile: { ...profile, keyUsage: [], extendedKeyUsage: [] },
      now: NOW,
    });
    const text = mustOpensslSync(["x509", "-inform", "DER", "-noout", "-text"], { input: issued.der });
    expect(extension(text, "Key Usage")).toBeUndefined();
    expect(extension(text, "Extended Key Usage")).toBeUndefined();
    expect(extension(text, "Subject Alternative Name")).toBeUndefined();
    expect(extension(text, "Basic Constraints")?.value).toBe("CA:FALSE");
  });

  it("adds certificatePolicies, cRLDistributionPoints and authorityInfoAccess as the profile configures them", async () => {
    const configured = {
      ...profile,
      ...loadCertificateProfile(
        {
          policies: ["2.23.140.1.2.1", "1.3.6.1.4.1.99999.1.2"],
          crlDistributionPoints: ["http://crl.example.com/ca.crl", "ldap://ldap.example.com/cn=CA?certificateRevocationList"],
          authorityInfoAccess: { caIssuers: ["http://ca.example.com/ca.der"], ocsp: ["http://ocsp.example.com/", "http://ocsp2.example.com/"] },
        },
        "certificate",
      ),
    };
    const issued = await issueCertificate({ ca, subject: parseDistinguishedName("CN=full"), subjectPublicKeyInfo: devices[0]!.spki, profile: configured, now: NOW });
    const caFile = dir.write("policies-ca.pem", encodePem("CERTIFICATE", ca.certificate));
    const eeFile = dir.write("policies-ee.pem", encodePem("CERTIFICATE", issued.der));
    const text = mustOpensslSync(["x509", "-in", eeFile, "-noout", "-text"]);

    expect(extensionLines(text, "Certificate Policies")).toEqual({
      critical: false,
      lines: ["Policy: 2.23.140.1.2.1", "Policy: 1.3.6.1.4.1.99999.1.2"],
    });
    expect(extensionLines(text, "CRL Distribution Points")).toEqual({
      critical: false,
      lines: ["Full Name:", "URI:http://crl.example.com/ca.crl", "Full Name:", "URI:ldap://ldap.example.com/cn=CA?certificateRevocationList"],
    });
    expect(extensionLines(text, "Authority Information Access")).toEqual({
      critical: false,
      lines: ["CA Issuers - URI:http://ca.example.com/ca.der", "OCSP - URI:http://ocsp.example.com/", "OCSP - URI:http://ocsp2.example.com/"],
    });
    expect(mustOpensslSync(["verify", "-attime", epoch(NOW, 60), "-CAfile", caFile, eeFile]).trim()).toBe(`${eeFile}: OK`);
  });

  it("encodes the three extensions as RFC 5280's ASN.1 spells them, byte for byte", async () => {
    const uri = hex(new TextEncoder().encode("http://a/")); // 9 octets
    const single = { ...profile, policies: ["1.2.3"], crlDistributionPoints: ["http://a/"], authorityInfoAccess: { caIssuers: [], ocsp: ["http://a/"] } };
    const issued = hex((await issueCertificate({ ca, subject: parseDistinguishedName("CN=bytes"), subjectPublicKeyInfo: devices[0]!.spki, profile: single, now: NOW })).der);
    // Extension { 2.5.29.32, OCTET STRING { SEQUENCE { PolicyInformation { policyIdentifier 1.2.3 } } } }, no critical flag (DEFAULT FALSE).
    expect(issued).toContain("300f0603551d200408300630040602" + "2a03");
    // SEQUENCE { DistributionPoint { [0] { fullName [0] { [6] uniformResourceIdentifier } } } } (§4.2.1.13).
    expect(issued).toContain("301a0603551d1f0413" + "3011300fa00da00b8609" + uri);
    // SEQUENCE { AccessDescription { id-ad-ocsp, [6] uniformResourceIdentifier } } (§4.2.2.1).
    expect(issued).toContain("302506082b060105050701010419" + "3017301506082b06010505073001" + "8609" + uri);
  });

  it("adds only the parts of authorityInfoAccess that are configured", async () => {
    const ocspOnly = { ...profile, authorityInfoAccess: { caIssuers: [], ocsp: ["http://ocsp.example.com/"] } };
    const issued = await issueCertificate({ ca, subject: parseDistinguishedName("CN=ocsp"), subjectPublicKeyInfo: devices[0]!.spki, profile: ocspOnly, now: NOW });
    const text = mustOpensslSync(["x509", "-inform", "DER", "-noout", "-text"], { input: issued.der });
    expect(extensionLines(text, "Authority Information Access")).toEqual({ critical: false, lines: ["OCSP - URI:http://ocsp.example.com/"] });
    expect(extensionLines(text, "Certificate Policies")).toBeUndefined();
    expect(extensionLines(text, "CRL Distribution Points")).toBeUndefined();
  });

  it("adds no policies, CRL distribution points or authority information access by default", async () => {
    const issued = await issueCertificate({ ca, subject: parseDistinguishedName("CN=plain"), subjectPublicKeyInfo: devices[0]!.spki, profile, now: NOW });
    const text = mustOpensslSync(["x509", "-inform", "DER", "-noout", "-text"], { input: issued.der });
    expect(text).toContain("X509v3 Basic Constraints");
    expect(extensionLines(text, "Certificate Policies")).toBeUndefined();
    expect(extensionLines(text, "CRL Distribution Points")).toBeUndefined();
    expect(extensionLines(text, "Authority Information Access")).toBeUndefined();
    expect(text).not.toMatch(/Policies|Distribution|Information Access/);
  });

  it("rejects a public key that is not a SubjectPublicKeyInfo", async () => {
    const error = await issueCertificate({ ca, subject: new Name([]), subjectPublicKeyInfo: Uint8Array.of(1, 2, 3), profile, now: NOW }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(CmpError);
    expect((error as CmpError).failInfo).toEqual(["badCertTemplate"]);
  });
});

describe("issueCertificate with a CA certificate made elsewhere", () => {
  it("uses a CA made by openssl, and computes the AKI from its key when it has no SKI", async () => {
    const keyFile = dir.file("openssl-ca.key.pem");
    mustOpensslSync(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384", "-out", keyFile]);
    const config = dir.write(
      "noski.cnf",
      [
        "[req]",
        "distinguished_name = dn",
        "x509_extensions = ext",
        "prompt = no",
        "[dn]",
        "CN = unused",
        "[ext]",
        "basicConstraints = critical,CA:TRUE",
        "keyUsage = critical,keyCertSign,cRLSign",
        "subjectKeyIdentifier = none",
        "authorityKeyIdentifier = none",
        "",
      ].join("\n"),
    );
    const caFile = dir.file("openssl-ca.pem");
    mustOpensslSync(["req", "-x509", "-new", "-key", keyFile, "-config", config, "-subj", "/C=DE/O=Acme Corp/CN=Acme CA", "-days", "30", "-out", caFile]);
    expect(extension(mustOpensslSync(["x509", "-in", caFile, "-noout", "-text"]), "Subject Key Identifier")).toBeUndefined();
    mustOpensslSync(["x509", "-in", caFile, "-outform", "DER", "-out", dir.file("openssl-ca.der")]);
    const caDer = new Uint8Array(dir.read("openssl-ca.der"));
    const signer = await LocalSigner.fromPkcs8(dir.readText("openssl-ca.key.pem"));
    const ca = { signer, certificate: caDer, chain: [caDer] };

    const issued = await issueCertificate({
      ca,
      subject: parseDistinguishedName("CN=device"),
      subjectPublicKeyInfo: devices[1]!.spki,
      profile,
      now: new Date(),
    });
    const eeFile = dir.write("ee-openssl-ca.pem", encodePem("CERTIFICATE", issued.der));
    expect(mustOpensslSync(["verify", "-CAfile", caFile, eeFile]).trim()).toBe(`${eeFile}: OK`);
    // Method (1) over the CA key, computed here independently.
    const spki = readChildren(caDer, readChildren(caDer, readElement(caDer, 0))[0]!)[6]!;
    const bitString = readChildren(caDer, spki)[1]!;
    const expected = createHash("sha1").update(caDer.subarray(bitString.contentStart + 1, bitString.end)).digest();
    const text = mustOpensslSync(["x509", "-in", eeFile, "-noout", "-text"]);
    expect(extension(text, "Authority Key Identifier")?.value).toBe(colonHex(expected));
    expect(mustOpensslSync(["x509", "-in", eeFile, "-noout", "-issuer", "-nameopt", "RFC2253"]).trim()).toBe("issuer=CN=Acme CA,O=Acme Corp,C=DE");
  });

  it("copies the CA's subject byte for byte, even where re-encoding it would differ", async () => {
    const signer = await LocalSigner.fromPkcs8((await generateLocalKey("P-256")).pkcs8);
    // One RDN whose SET OF is not in DER order (CN before C), and a T61String value.
    const cn = encodeSequence([Uint8Array.of(0x06, 0x03, 0x55, 0x04, 0x03), encodeTlv(0x0c, [new TextEncoder().encode("Odd CA")])]);
    const c = encodeSequence([Uint8Array.of(0x06, 0x03, 0x55, 0x04, 0x06), encodeTlv(0x13, [new TextEncoder().encode("DE")])]);
    const o = encodeSequence([Uint8Array.of(0x06, 0x03, 0x55, 0x04, 0x0a), encodeTlv(0x14, [new TextEncoder().encode("Teletex Org")])]);
    const name = encodeSequence([encodeTlv(0x31, [o]), encodeTlv(0x31, [cn, c])]);
    const algorithm = encodeAlgorithm(signer.algorithm);
    const tbs = encodeTbsCertificate({
      serialNumber: Uint8Array.of(0x01),
      signature: algorithm,
      issuer: name,
      validity: encodeValidity({ notBefore: new Date(NOW.getTime() - 86400_000), notAfter: new Date(NOW.getTime() + YEAR * 1000) }),
      subject: name,
      subjectPublicKeyInfo: signer.publicKey,
      extensions: [basicConstraintsExtension(true)],
    });
    const caDer = await signCertificate(signer, algorithm, tbs);
    const ca = { signer, certificate: caDer, chain: [caDer] };
    const issued = await issueCertificate({ ca, subject: parseDistinguishedName("CN=device"), subjectPublicKeyInfo: devices[0]!.spki, profile, now: NOW });
    expect(hex(tbsField(issued.der, ISSUER))).toBe(hex(name));
    const caFile = dir.write("odd-ca.pem", encodePem("CERTIFICATE", caDer));
    const eeFile = dir.write("odd-ee.pem", encodePem("CERTIFICATE", issued.der));
    expect(mustOpensslSync(["verify", "-attime", epoch(NOW), "-CAfile", caFile, eeFile]).trim()).toBe(`${eeFile}: OK`);
  });

  it("refuses a CA certificate whose key is not the signer's, or that is not a CA", async () => {
    const ca = await makeCa("P-256");
    const otherSigner = await LocalSigner.fromPkcs8((await generateLocalKey("P-256")).pkcs8);
    const request = { subject: new Name([]), subjectPublicKeyInfo: devices[0]!.spki, profile, now: NOW };
    await expect(issueCertificate({ ...request, ca: { ...ca, signer: otherSigner } })).rejects.toThrow(/not the signer's key/);

    const keyFile = dir.file("leaf.key.pem");
    mustOpensslSync(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", keyFile]);
    const leafFile = dir.file("leaf.der");
    mustOpensslSync(["req", "-x509", "-new", "-key", keyFile, "-subj", "/CN=leaf", "-addext", "basicConstraints=critical,CA:FALSE", "-days", "1", "-outform", "DER", "-out", leafFile]);
    const leafDer = new Uint8Array(dir.read("leaf.der"));
    const leafSigner = await LocalSigner.fromPkcs8(dir.readText("leaf.key.pem"));
    await expect(issueCertificate({ ...request, ca: { signer: leafSigner, certificate: leafDer, chain: [leafDer] } })).rejects.toThrow(/cA TRUE/);
  });
});
