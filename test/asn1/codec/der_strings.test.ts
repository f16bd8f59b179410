import { AsnParser, AsnProp, AsnPropTypes, AsnSerializer, AsnType, AsnTypeTypes, OctetString } from "@peculiar/asn1-schema";
import { EncryptedContent } from "@peculiar/asn1-cms";
import { DirectoryString, GeneralName, Name } from "@peculiar/asn1-x509";
import { describe, expect, it } from "vitest";
import { decodeDer } from "../../../src/asn1/codec/der_decoder.js";
import { encodeDer } from "../../../src/asn1/codec/der_encoder.js";
import { EncodedDer } from "../../../src/asn1/codec/encoded_der.js";
import { DecodeError } from "../../../src/asn1/decode_error.js";
import { normaliseDecoded } from "../../support/asn1_normalise.js";

// What the codec reads and writes itself since the Worker has no asn1js
// (src/runtime/asn1js_absent.ts): the character strings of a
// DirectoryString (RFC 5280 §4.1.2.4), GeneralName iPAddress, EncodedDer
// fields, CMS constructedValue; and what it refuses where it used to ask
// asn1js. Each is held to AsnParser / AsnSerializer where those agree.

const bytes = (hex: string) => new Uint8Array(Buffer.from(hex.replace(/\s/g, ""), "hex"));
const hex = (value: ArrayBuffer | Uint8Array) => Buffer.from(value instanceof Uint8Array ? value : new Uint8Array(value)).toString("hex");

/** A Name of one CN whose value is `string` (tag and contents as hex). */
function nameWith(string: string): Uint8Array {
  const ava = `0603550403${string}`;
  const set = `31${(ava.length / 2 + 2).toString(16).padStart(2, "0")}30${(ava.length / 2).toString(16).padStart(2, "0")}${ava}`;
  return bytes(`30${(set.length / 2).toString(16).padStart(2, "0")}${set}`);
}

describe("DirectoryString alternatives, as AsnParser reads them", () => {
  const strings: Array<[string, string]> = [
    ["BMPString", "1e06 00410042 4e2d"],
    ["UniversalString", "1c08 00000041 00004e2d"],
    ["TeletexString", "1403 41e942"],
    ["PrintableString", "1302 4142"],
    ["UTF8String", "0c03 41c3a9"],
  ];
  for (const [what, string] of strings) {
    it(`a ${what} decodes to AsnParser's value and encodes back to the same octets`, () => {
      const der = nameWith(string.replace(/\s/g, ""));
      const ours = decodeDer(der, Name);
      expect(normaliseDecoded(ours)).toEqual(normaliseDecoded(AsnParser.parse(der, Name)));
      expect(hex(encodeDer(ours))).toBe(hex(der));
      expect(hex(encodeDer(ours))).toBe(hex(AsnSerializer.serialize(ours)));
    });
  }

  it("refuses a BMPString of an odd length and a UniversalString character beyond U+FFFF (asn1js kept its low 16 bits)", () => {
    expect(() => decodeDer(nameWith("1e03004142"), Name)).toThrow(/odd number of octets/);
    expect(() => decodeDer(nameWith("1c0400010000"), Name)).toThrow(/beyond U\+FFFF/);
    expect(() => decodeDer(nameWith("1c03000041"), Name)).toThrow(/multiple of four/);
  });

  it("refuses a constructed string (X.690 §10.2)", () => {
    expect(() => decodeDer(bytes("3e0404020041"), DirectoryString)).toThrow(DecodeError);
  });
});

describe("GeneralName iPAddress", () => {
  const addresses: Array<[string, string]> = [
    ["192.0.2.1", "c0000201"],
    ["2001:db8::1", "20010db8000000000000000000000001"],
    ["192.0.2.0/24", "c0000200ffffff00"],
    ["2001:db8::/32", "20010db8000000000000000000000000ffffffff000000000000000000000000"],
  ];
  for (const [text, octets] of addresses) {
    it(`${text} is written as IpConverter writes it, and read back as asn1-x509 reads it`, () => {
      const name = new GeneralName({ iPAddress: text });
      const der = encodeDer(name);
      expect(hex(der)).toBe(`87${(octets.length / 2).toString(16).padStart(2, "0")}${octets}`);
      expect(hex(der)).toBe(hex(AsnSerializer.serialize(name)));
      expect(decodeDer(der, GeneralName).iPAddress).toBe(AsnParser.parse(der, GeneralName).iPAddress);
      expect(decodeDer(der, GeneralName).iPAddress).toBe(text);
    });
  }

  it("refuses text that is no address rather than writing another one", () => {
    for (const text of ["::ffff:192.0.2.7", "256.1.1.1", "1:2:3", "1::2::3", "192.0.2.0/33", "example"]) {
      expect(() => encodeDer(new GeneralName({ iPAddress: text })), text).toThrow();
    }
  });
});

class WithEncoded {
  @AsnProp({ type: AsnPropTypes.Integer })
  version = 0;

  @AsnProp({ type: EncodedDer })
  kept = new EncodedDer();
}

@AsnType({ type: AsnTypeTypes.Set })
class ASet {
  @AsnProp({ type: AsnPropTypes.Integer })
  a = 0;
}

const odd = { fromASN: () => 1, toASN: () => { throw new Error("never"); } };

class OwnConverter {
  @AsnProp({ type: AsnPropTypes.Integer, converter: odd })
  value = 0;
}

describe("what the codec does itself instead of asking asn1js", () => {
  it("gives an EncodedDer field the element whole, and writes it back as it is", () => {
    const der = bytes("3008 020101 3003 020102");
    const decoded = decodeDer(der, WithEncoded);
    expect(hex(decoded.kept.bytes)).toBe("3003020102");
    expect(hex(encodeDer(decoded))).toBe(hex(der));
  });

  it("reads and writes CMS EncryptedContent's constructedValue (each item an OCTET STRING)", () => {
    const der = bytes("a008 0402 0102 0402 0304");
    const decoded = decodeDer(der, EncryptedContent);
    expect(decoded.constructedValue?.map((item) => hex(item.buffer))).toEqual(["0102", "0304"]);
    expect(hex(encodeDer(decoded))).toBe(hex(der));
    expect(hex(encodeDer(new EncryptedContent({ value: new OctetString([5]) })))).toBe("800105");
  });

  it("refuses a SET type and a converter of its own, with a DecodeError (badDataFormat for a received message)", () => {
    expect(() => decodeDer(bytes("3103020101"), ASet)).toThrow(DecodeError);
    expect(() => decodeDer(bytes("3003020101"), OwnConverter)).toThrow(DecodeError);
  });

  it("refuses to encode a converter of its own and a class without a schema, with an Error", () => {
    expect(() => encodeDer(Object.assign(new OwnConverter(), { value: 1 }))).toThrow(/cannot write/);
    expect(() => encodeDer(new (class Bare {})())).toThrow(/no ASN\.1 schema/);
  });
});
