import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { AsnIntegerBigIntConverter, AsnParser, AsnProp, AsnPropTypes, AsnSerializer } from "@peculiar/asn1-schema";
import { Certificate } from "@peculiar/asn1-x509";
import { describe, expect, it } from "vitest";
import { decodeDer } from "../../../src/asn1/codec/der_decoder.js";
import { PKIMessage } from "../../../src/asn1/pki_message.js";
import { normaliseDecoded } from "../../support/asn1_normalise.js";
import { DecodeError } from "../../../src/asn1/decode_error.js";
import { AlgorithmIdentifier } from "@peculiar/asn1-x509";

// The project's DER decoder against AsnParser (asn1js under the same
// schema declarations): every message OpenSSL sent or received in the
// fixtures, and the certificates they carry, decode to the same objects.

const FIXTURES = join(import.meta.dirname, "../../fixtures/openssl");

const normalise = normaliseDecoded;

const messages = readdirSync(FIXTURES).filter((name) => name.endsWith(".der"));

describe("decodeDer against AsnParser", () => {
  it("has fixtures to compare", () => {
    expect(messages.length).toBeGreaterThan(20);
  });

  for (const name of messages) {
    it(`decodes ${name} to the same PKIMessage`, () => {
      const bytes = new Uint8Array(readFileSync(join(FIXTURES, name)));
      expect(normalise(decodeDer(bytes, PKIMessage))).toEqual(normalise(AsnParser.parse(bytes, PKIMessage)));
    });
  }

  it("decodes every certificate the fixtures carry (extraCerts) to the same Certificate", () => {
    let compared = 0;
    for (const name of messages) {
      const message = AsnParser.parse(new Uint8Array(readFileSync(join(FIXTURES, name))), PKIMessage);
      for (const certificate of message.extraCerts ?? []) {
        const der = new Uint8Array(AsnSerializer.serialize(certificate));
        expect(normalise(decodeDer(der, Certificate))).toEqual(normalise(AsnParser.parse(der, Certificate)));
        compared++;
      }
    }
    expect(compared).toBeGreaterThanOrEqual(10);
  });
});

class OneUtf8String {
  @AsnProp({ type: AsnPropTypes.Utf8String })
  value = "";
}

class OneInteger {
  @AsnProp({ type: AsnPropTypes.Integer })
  value = 0;
}

describe("decodeDer is strict DER (X.690 §10)", () => {
  // AlgorithmIdentifier { sha256 } with NULL parameters, and variants asn1js would take as BER.
  const good = Uint8Array.from(Buffer.from("300d06096086480165030402010500", "hex"));
  const refused: Array<[string, string]> = [
    ["an indefinite length", "308006096086480165030402010500" + "0000"],
    ["a length in the long form below 128", "30810d06096086480165030402010500"],
    ["a byte after the element", "300d060960864801650304020105000"],
    ["a trailing element", "300d06096086480165030402010500" + "0500"],
    ["a NULL with contents", "300e0609608648016503040201050100"],
    ["an OID arc with a leading 0x80", "300e060a80608648016503040201" + "0500"],
    ["a length past the end", "300f06096086480165030402010500"],
  ];

  it("decodes the DER form", () => {
    expect(decodeDer(good, AlgorithmIdentifier).algorithm).toBe("2.16.840.1.101.3.4.2.1");
  });

  for (const [what, hex] of refused) {
    it(`refuses ${what} with a DecodeError`, () => {
      const bytes = Uint8Array.from(Buffer.from(hex.length % 2 ? `${hex}0` : hex, "hex"));
      expect(() => decodeDer(bytes, AlgorithmIdentifier)).toThrow(DecodeError);
    });
  }

  it("refuses a time not in its DER form, which it used to hand to asn1js (a flipped bit made 26112216:118... some other instant)", () => {
    class Times {
      @AsnProp({ type: AsnPropTypes.UTCTime })
      utc = new Date();
    }
    const encode = (text: string) => Uint8Array.from([0x30, text.length + 2, 0x17, text.length, ...Buffer.from(text, "latin1")]);
    expect(decodeDer(encode("261122161118Z"), Times).utc.toISOString()).toBe("2026-11-22T16:11:18.000Z");
    for (const text of ["26112216:118Z", "2611221611Z", "261122161118+0100", "x261122161118Z"]) {
      expect(() => decodeDer(encode(text), Times)).toThrow(/is not a DER UTCTime/);
    }
  });

  it("reads a GeneralizedTime in the years 0-99 as those years, not 1900-1999 as Date.UTC (and asn1js) would", () => {
    class When {
      @AsnProp({ type: AsnPropTypes.GeneralizedTime })
      time = new Date();
    }
    const text = "00261122162118Z";
    const bytes = Uint8Array.from([0x30, text.length + 2, 0x18, text.length, ...Buffer.from(text, "latin1")]);
    const decoded = decodeDer(bytes, When);
    expect(decoded.time.toISOString()).toBe("0026-11-22T16:21:18.000Z");
    expect(Buffer.from(AsnSerializer.serialize(decoded)).equals(Buffer.from(bytes))).toBe(true);
  });

  it("reads an INTEGER into a bigint (AsnIntegerBigIntConverter) as asn1js does, without asn1js", () => {
    class Count {
      @AsnProp({ type: AsnPropTypes.Integer, converter: AsnIntegerBigIntConverter })
      value = 0n;
    }
    for (const hex of ["3003020100", "30030201ff", "3004020201f4", "3004020200ff", "300b020900ffffffffffffffff", "300a02088000000000000000"]) {
      const bytes = Uint8Array.from(Buffer.from(hex, "hex"));
      expect(decodeDer(bytes, Count).value).toBe(AsnParser.parse(bytes, Count).value);
    }
    expect(() => decodeDer(Uint8Array.from(Buffer.from("30040202007f", "hex")), Count)).toThrow(/minimal/);
  });

  it("refuses a UTF8String that is not UTF-8, and a time that does not exist, which asn1js reads as something", () => {
    const bytes = new Uint8Array(readFileSync(join(FIXTURES, "rr-sig-1-rr.der")));
    const hex = Buffer.from(bytes).toString("hex");
    // The fixture's messageTime, a GeneralizedTime: month 13 instead.
    const time = /180f(3230[0-9a-f]{24})5a/.exec(hex)![1]!;
    const month13 = `${time.slice(0, 8)}3133${time.slice(12)}`;
    expect(() => decodeDer(Uint8Array.from(Buffer.from(hex.replace(time, month13), "hex")), PKIMessage)).toThrow(/is not a time/);
    const utf8 = Uint8Array.from([0x30, 0x03, 0x0c, 0x01, 0xc3]);
    expect(() => decodeDer(utf8, OneUtf8String)).toThrow(/not UTF-8/);
  });

  it("refuses an INTEGER of thousands of octets where a number is read, before any quadratic conversion (a fuzzer finding)", () => {
    const element = Uint8Array.from([0x30, 0x82, 0x13, 0x8c, 0x02, 0x82, 0x13, 0x88, ...new Uint8Array(5000).fill(0x11)]);
    expect(() => decodeDer(element, OneInteger)).toThrow(/INTEGER of 5000 octets where a number is expected/);
  });

  it("refuses an INTEGER that is not minimal, which asn1js accepts", () => {
    const padded = Uint8Array.from([0x30, 0x04, 0x02, 0x02, 0x00, 0x02]);
    expect(AsnParser.parse(padded, OneInteger).value).toBe(2);
    expect(() => decodeDer(padded, OneInteger)).toThrow(/minimal/);
    expect(decodeDer(Uint8Array.from([0x30, 0x03, 0x02, 0x01, 0x02]), OneInteger).value).toBe(2);
  });
});
