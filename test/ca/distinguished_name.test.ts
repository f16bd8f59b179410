import { afterAll, describe, expect, it } from "vitest";
import { AsnConvert } from "@peculiar/asn1-schema";
import { AttributeTypeAndValue, AttributeValue, Name, RelativeDistinguishedName } from "@peculiar/asn1-x509";
import { encodeName, formatDistinguishedName, isEmptyName, parseDistinguishedName } from "../../src/ca/distinguished_name.js";
import { readChildren, readElement } from "../../src/asn1/der.js";
import { makeTempDirSync, mustOpensslSync } from "../support/openssl.js";

const dir = makeTempDirSync("jellyfish-dn-");
afterAll(() => dir.remove());
const keyFile = dir.file("key.pem");
mustOpensslSync(["genpkey", "-algorithm", "ED25519", "-out", keyFile]);

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

/** The subject DER openssl itself encodes for an `-subj` string. */
function opensslSubject(subj: string, multivalue = false): Uint8Array {
  const out = dir.file("subject.der");
  mustOpensslSync(["req", "-new", "-x509", "-key", keyFile, "-subj", subj, ...(multivalue ? ["-multivalue-rdn"] : []), "-days", "1", "-outform", "DER", "-out", out]);
  const der = new Uint8Array(dir.read("subject.der"));
  const fields = readChildren(der, readChildren(der, readElement(der, 0))[0]!);
  const subject = fields[5]!;
  return der.slice(subject.start, subject.end);
}


describe("parseDistinguishedName", () => {
  it("encodes like openssl does, in both spellings", () => {
    const openssl = opensslSubject("/C=DE/ST=Bavaria/L=Munich/O=Acme GmbH/OU=IoT/CN=device 1/emailAddress=ops@example.com/DC=example/serialNumber=1234");
    const rfc4514 = "serialNumber=1234,DC=example,emailAddress=ops@example.com,CN=device 1,OU=IoT,O=Acme GmbH,L=Munich,ST=Bavaria,C=DE";
    expect(hex(encodeName(parseDistinguishedName(rfc4514)))).toBe(hex(openssl));
    expect(hex(encodeName(parseDistinguishedName("/C=DE/ST=Bavaria/L=Munich/O=Acme GmbH/OU=IoT/CN=device 1/emailAddress=ops@example.com/DC=example/serialNumber=1234")))).toBe(
      hex(openssl),
    );
  });

  it("sorts a multi-valued RDN into DER order, as openssl does", () => {
    const openssl = opensslSubject("/O=Acme/CN=zeta+C=DE+UID=alpha", true);
    expect(hex(encodeName(parseDistinguishedName("CN=zeta+C=DE+UID=alpha,O=Acme")))).toBe(hex(openssl));
    expect(hex(encodeName(parseDistinguishedName("/O=Acme/UID=alpha+CN=zeta+C=DE")))).toBe(hex(openssl));
  });

  it("reads RFC 4514 escapes, hex pairs, UTF-8 and spaces", () => {
    const value = (text: string) => String(parseDistinguishedName(text)[0]![0]!.value.utf8String);
    expect(value("CN=Smith\\, John")).toBe("Smith, John");
    expect(value("CN=\\#1 \\+ \\\"quoted\\\"\\20")).toBe('#1 + "quoted" ');
    expect(value("CN=caf\\C3\\A9")).toBe("café");
    expect(value("CN=café 🐟")).toBe("café 🐟");
    expect(value("CN=  padded  ")).toBe("padded");
    expect(value("CN=a\\;b\\<c\\>d\\=e\\\\f")).toBe("a;b<c>d=e\\f");
    const two = parseDistinguishedName(" CN = x , O = y ");
    expect(formatDistinguishedName(two)).toBe("CN=x,O=y");
  });

  it("reads OpenSSL's form with backslash quoting", () => {
    const name = parseDistinguishedName("/O=Acme\\/Sub/CN=a\\+b");
    expect(formatDistinguishedName(name)).toBe("CN=a\\+b,O=Acme/Sub");
    expect(hex(encodeName(name))).toBe(hex(opensslSubject("/O=Acme\\/Sub/CN=a\\+b")));
  });

  it("takes dotted OIDs and #hex values", () => {
    const name = parseDistinguishedName("1.2.3.4=#0c0548656c6c6f,2.5.4.3=plain");
    const [plain, raw] = [name[0]![0]!, name[1]![0]!];
    expect(plain.type).toBe("2.5.4.3");
    expect(plain.value.utf8String).toBe("plain");
    expect(raw.type).toBe("1.2.3.4");
    expect(hex(new Uint8Array(AsnConvert.serialize(raw)))).toBe("300c06032a0304" + "0c0548656c6c6f");
  });

  it("refuses what is not a DN", () => {
    expect(() => parseDistinguishedName("CN")).toThrow(/missing "="/);
    expect(() => parseDistinguishedName("XX=1")).toThrow(/unknown attribute type "XX"/);
    expect(() => parseDistinguishedName("CN=")).toThrow(/empty value/);
    expect(() => parseDistinguishedName("C=D!")).toThrow(/PrintableString/);
    expect(() => parseDistinguishedName("emailAddress=ü@x")).toThrow(/ASCII/);
    expect(() => parseDistinguishedName("CN=a\\")).toThrow(/dangling/);
    expect(() => parseDistinguishedName("CN=a\\4")).toThrow(/bad escape/);
    expect(() => parseDistinguishedName("/CN")).toThrow(/missing "="/);
  });

  it("gives the empty Name for an empty string", () => {
    expect(isEmptyName(parseDistinguishedName(""))).toBe(true);
    expect(hex(encodeName(parseDistinguishedName("")))).toBe("3000");
    expect(isEmptyName(Uint8Array.of(0x30, 0x00))).toBe(true);
    expect(isEmptyName(parseDistinguishedName("CN=x"))).toBe(false);
  });
});

describe("formatDistinguishedName", () => {
  it("writes what openssl writes with -nameopt RFC2253", () => {
    const subj = "/C=DE/O=Acme\\, Inc./OU=a\\+b;c/CN=#lead and trail /UID=x\\/y";
    const der = opensslSubject(subj);
    const fromOpenssl = AsnConvert.parse(der, Name);
    const cert = dir.file("fmt.der");
    mustOpensslSync(["req", "-new", "-x509", "-key", keyFile, "-subj", subj, "-days", "1", "-outform", "DER", "-out", cert]);
    const expected = mustOpensslSync(["x509", "-inform", "DER", "-in", cert, "-noout", "-subject", "-nameopt", "RFC2253"]).trim().replace(/^subject=/, "");
    expect(formatDistinguishedName(fromOpenssl)).toBe(expected);
  });

  it("round-trips through parseDistinguishedName", () => {
    for (const text of ["CN=x", "CN=a\\,b+UID=c,O=\\ lead\\, trail\\ ", "CN=caf\u00e9,DC=example,DC=com", "1.2.3.4=#0c0548656c6c6f"]) {
      const name = parseDistinguishedName(text);
      const again = parseDistinguishedName(formatDistinguishedName(name));
      expect(hex(encodeName(again))).toBe(hex(encodeName(name)));
    }
  });

  it("shows non-string values as #hex and other string types as text", () => {
    const name = new Name([
      new RelativeDistinguishedName([new AttributeTypeAndValue({ type: "2.5.4.3", value: new AttributeValue({ bmpString: "bmp" }) })]),
      new RelativeDistinguishedName([new AttributeTypeAndValue({ type: "1.2.3", value: new AttributeValue({ anyValue: Uint8Array.of(0x02, 0x01, 0x05).buffer }) })]),
    ]);
    expect(formatDistinguishedName(name)).toBe("1.2.3=#020105,CN=bmp");
  });
});
