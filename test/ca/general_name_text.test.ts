import { AsnConvert } from "@peculiar/asn1-schema";
import { GeneralName, GeneralNames, Name } from "@peculiar/asn1-x509";
import { describe, expect, it } from "vitest";
import { formatGeneralName, parseGeneralName, parseGeneralNames } from "../../src/ca/general_name_text.js";
import { parseDistinguishedName } from "../../src/ca/distinguished_name.js";

// SubjectAltNames in OpenSSL's text notation, both ways: registrations store
// them as text, and requested names (DER) are compared after formatting.

/** The name as a certificate would carry it: encoded to DER and decoded again. */
function viaDer(name: GeneralName): GeneralName {
  return AsnConvert.parse(AsnConvert.serialize(name), GeneralName);
}

function hex(name: GeneralName): string {
  return Buffer.from(AsnConvert.serialize(name)).toString("hex");
}

describe("parseGeneralName", () => {
  it("reads each kind into the matching GeneralName choice", () => {
    expect(parseGeneralName("DNS:host.example.com").dNSName).toBe("host.example.com");
    expect(parseGeneralName("email:user1@example.com").rfc822Name).toBe("user1@example.com");
    expect(parseGeneralName("URI:urn:example:user1").uniformResourceIdentifier).toBe("urn:example:user1");
    expect(parseGeneralName("IP:192.0.2.7").iPAddress).toBe("192.0.2.7");
    expect(parseGeneralName("IP:2001:db8::7").iPAddress).toBe("2001:db8::7");
  });

  it("encodes to the DER a certificate carries (context tags 1, 2, 6, 7; IP as 4 or 16 octets)", () => {
    // [2] IA5String "a.example"
    expect(hex(parseGeneralName("DNS:a.example"))).toBe("82" + "09" + Buffer.from("a.example").toString("hex"));
    // [1] rfc822Name
    expect(hex(parseGeneralName("email:a@b.c"))).toBe("81" + "05" + Buffer.from("a@b.c").toString("hex"));
    // [6] URI
    expect(hex(parseGeneralName("URI:urn:x"))).toBe("86" + "05" + Buffer.from("urn:x").toString("hex"));
    // [7] OCTET STRING, 4 octets
    expect(hex(parseGeneralName("IP:192.0.2.7"))).toBe("8704c0000207");
    // [7] OCTET STRING, 16 octets
    expect(hex(parseGeneralName("IP:2001:db8::7"))).toBe("871020010db8000000000000000000000007");
  });

  it("takes the prefix in any case", () => {
    expect(parseGeneralName("dns:a.example").dNSName).toBe("a.example");
    expect(parseGeneralName("Dns:a.example").dNSName).toBe("a.example");
    expect(parseGeneralName("EMAIL:a@b.c").rfc822Name).toBe("a@b.c");
    expect(parseGeneralName("uri:urn:x").uniformResourceIdentifier).toBe("urn:x");
    expect(parseGeneralName("ip:10.0.0.1").iPAddress).toBe("10.0.0.1");
  });

  it("lower-cases DNS names (case-insensitive, RFC 4343) but keeps email and URI values as written", () => {
    expect(parseGeneralName("DNS:Host.EXAMPLE.com").dNSName).toBe("host.example.com");
    expect(parseGeneralName("email:User1@Example.COM").rfc822Name).toBe("User1@Example.COM");
    expect(parseGeneralName("URI:https://Example.com/Path").uniformResourceIdentifier).toBe("https://Example.com/Path");
  });

  it("keeps everything after the first colon as the value (URIs and IPv6 contain colons)", () => {
    expect(parseGeneralName("URI:https://a.example:8443/x?y=z").uniformResourceIdentifier).toBe("https://a.example:8443/x?y=z");
    expect(parseGeneralName("IP:fe80::1:2").iPAddress).toBe("fe80::1:2");
  });

  it.each(["0.0.0.0", "255.255.255.255", "10.1.2.3", "192.0.2.255"])("accepts the IPv4 address %s", (address) => {
    expect(parseGeneralName(`IP:${address}`).iPAddress).toBe(address.toLowerCase());
  });

  it.each(["::1", "::", "2001:db8::", "2001:db8:1:2:3:4:5:6", "fe80::a:b:c:d", "2001:DB8::1"])("accepts the IPv6 address %s", (address) => {
    expect(parseGeneralName(`IP:${address}`).iPAddress).toBe(address.toLowerCase());
  });

  it.each([
    "256.0.0.1",
    "1.2.3",
    "1.2.3.4.5",
    "1.2.3.-4",
    "a.b.c.d",
    "1.2.3.4/24",
    " 1.2.3.4",
    "1.2.3.4 ",
    "1::2::3",
    "2001:db8:1:2:3:4:5:6:7",
    "12345::1",
    "gggg::1",
    "[::1]",
    "fe80::1%eth0",
    "localhost",
    "example.com",
    ":",
  ])("refuses the IP value %j, naming it", (value) => {
    expect(() => parseGeneralName(`IP:${value}`)).toThrow(`"${value}" is not an IPv4 or IPv6 address`);
  });

  it.each([
    ["no prefix", "host.example.com"],
    ["an empty prefix", ":host.example.com"],
    ["an unknown prefix", "x400:foo"],
    ["OpenSSL's dirName (not supported here)", "dirName:CN=x"],
    ["OpenSSL's RID (not supported here)", "RID:1.2.3"],
    ["otherName", "otherName:1.2.3;UTF8:x"],
    ["a prefix with a space", "DNS :a.example"],
    ["a prefix without a value", "DNS:"],
    ["a bare prefix", "DNS"],
    ["an empty string", ""],
    ["an email prefix without a value", "email:"],
  ])("refuses %s, quoting the text and listing the accepted prefixes", (_label, text) => {
    expect(() => parseGeneralName(text)).toThrow(`"${text}" is not DNS:, IP:, email: or URI: followed by a value`);
  });
});

describe("formatGeneralName", () => {
  it("writes each kind with its OpenSSL prefix", () => {
    expect(formatGeneralName(new GeneralName({ dNSName: "a.example" }))).toBe("DNS:a.example");
    expect(formatGeneralName(new GeneralName({ rfc822Name: "a@b.c" }))).toBe("email:a@b.c");
    expect(formatGeneralName(new GeneralName({ uniformResourceIdentifier: "urn:x:y" }))).toBe("URI:urn:x:y");
    expect(formatGeneralName(new GeneralName({ iPAddress: "192.0.2.7" }))).toBe("IP:192.0.2.7");
  });

  it("lower-cases DNS names from a request (DER), so they compare with registered ones", () => {
    const requested = viaDer(new GeneralName({ dNSName: "Host.Example.COM" }));
    expect(requested.dNSName).toBe("Host.Example.COM");
    expect(formatGeneralName(requested)).toBe("DNS:host.example.com");
  });

  it("formats IP addresses decoded from DER: dotted IPv4, compressed lower-case IPv6", () => {
    expect(formatGeneralName(viaDer(new GeneralName({ iPAddress: "192.0.2.7" })))).toBe("IP:192.0.2.7");
    expect(formatGeneralName(viaDer(new GeneralName({ iPAddress: "2001:0DB8:0000:0000:0000:0000:0000:0001" })))).toBe("IP:2001:db8::1");
  });

  it("has no text form for kinds other than the four (directoryName, registeredID)", () => {
    expect(formatGeneralName(new GeneralName({ directoryName: new Name(parseDistinguishedName("CN=x")) }))).toBeUndefined();
    expect(formatGeneralName(new GeneralName({ registeredID: "1.2.3.4" }))).toBeUndefined();
  });

  it.each([
    "DNS:host.example.com",
    "IP:192.0.2.7",
    "IP:2001:db8::7",
    "IP:::1",
    "email:user1@example.com",
    "URI:urn:example:user1",
  ])("round-trips the canonical %s through text and through DER unchanged", (text) => {
    const parsed = parseGeneralName(text);
    expect(formatGeneralName(parsed)).toBe(text);
    expect(formatGeneralName(viaDer(parsed))).toBe(text);
  });

  it("normalises only the prefix case and DNS case on the way through", () => {
    expect(formatGeneralName(parseGeneralName("dns:HOST.example"))).toBe("DNS:host.example");
    expect(formatGeneralName(parseGeneralName("EMAIL:a@b.c"))).toBe("email:a@b.c");
    expect(formatGeneralName(parseGeneralName("uri:urn:x"))).toBe("URI:urn:x");
    expect(formatGeneralName(parseGeneralName("ip:10.0.0.1"))).toBe("IP:10.0.0.1");
  });

  // An IP value that is valid but not in the form a request's DER decodes to
  // (uncompressed IPv6, leading zeros in groups) must still match such a request
  // (registration.ts matchRegistration), so registrations store that form.
  it.each(["IP:2001:db8:0:0:0:0:0:1", "IP:2001:0db8::1"])(
    "gives %s the text its DER decodes to",
    (text) => {
      const parsed = parseGeneralName(text);
      expect(formatGeneralName(parsed)).toBe(formatGeneralName(viaDer(parsed)));
    },
  );

  // IpConverter cannot encode the dotted tail of IPv4-mapped IPv6
  // ("::ffff:192.0.2.7" would become ::ffff:192), so a registration must not
  // accept an address the certificate would not carry: refusing is correct.
  it("never encodes an IPv4-mapped IPv6 address as another address", () => {
    let parsed: GeneralName;
    try {
      parsed = parseGeneralName("IP:::ffff:192.0.2.7");
    } catch {
      return; // refusing it is a correct answer too
    }
    expect(hex(parsed)).toBe("871000000000000000000000ffffc0000207");
  });
});

describe("parseGeneralNames", () => {
  it("keeps the order and kinds of a list", () => {
    const names = parseGeneralNames(["DNS:a.example", "IP:192.0.2.7", "email:a@b.c", "URI:urn:x"]);
    expect(names).toBeInstanceOf(GeneralNames);
    expect(names.map(formatGeneralName)).toEqual(["DNS:a.example", "IP:192.0.2.7", "email:a@b.c", "URI:urn:x"]);
  });

  it("fails on the first bad entry", () => {
    expect(() => parseGeneralNames(["DNS:a.example", "bogus"])).toThrow('"bogus" is not DNS:');
  });

  it("gives an empty GeneralNames for an empty list", () => {
    expect(parseGeneralNames([]).length).toBe(0);
  });
});
