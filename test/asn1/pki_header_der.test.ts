import { AsnConvert } from "@peculiar/asn1-schema";
import { AlgorithmIdentifier, GeneralName, Name } from "@peculiar/asn1-x509";
import { describe, expect, it } from "vitest";
import { InfoTypeAndValue, InfoTypeAndValues } from "../../src/asn1/info_type_and_value.js";
import { PKIFreeText } from "../../src/asn1/pki_free_text.js";
import { PKIHeader } from "../../src/asn1/pki_header.js";
import { encodeGeneralizedTime, encodePKIHeader } from "../../src/asn1/pki_header_der.js";
import { NULL_DN, directoryName } from "../../src/asn1/general_name_der.js";
import { parseDistinguishedName } from "../../src/ca/distinguished_name.js";

const der = (value: object) => new Uint8Array(AsnConvert.serialize(value));
const buffer = (...bytes: number[]) => Uint8Array.from(bytes).buffer;

describe("encodePKIHeader", () => {
  it("writes the bytes the schema serializer writes, every field present", () => {
    const name = parseDistinguishedName("CN=device,O=Example,C=SE");
    const header = new PKIHeader({
      pvno: 3,
      sender: new GeneralName({ directoryName: name }),
      recipient: new GeneralName({ directoryName: new Name() }),
      messageTime: new Date("2026-11-22T19:01:05Z"),
      protectionAlg: new AlgorithmIdentifier({ algorithm: "1.2.840.10045.4.3.2" }),
      senderKID: buffer(1, 2, 3),
      recipKID: buffer(4),
      transactionID: buffer(...new Array(16).fill(7)),
      senderNonce: buffer(...new Array(16).fill(8)),
      recipNonce: buffer(...new Array(16).fill(9)),
      freeText: new PKIFreeText(["hello"]),
      generalInfo: new InfoTypeAndValues([new InfoTypeAndValue({ infoType: "1.3.6.1.5.5.7.4.13", infoValue: Uint8Array.of(5, 0).buffer })]),
    });
    const ours = encodePKIHeader({
      pvno: 3,
      sender: der(header.sender),
      recipient: der(header.recipient),
      messageTime: header.messageTime,
      protectionAlg: der(header.protectionAlg!),
      senderKID: new Uint8Array(header.senderKID!),
      recipKID: new Uint8Array(header.recipKID!),
      transactionID: new Uint8Array(header.transactionID!),
      senderNonce: new Uint8Array(header.senderNonce!),
      recipNonce: new Uint8Array(header.recipNonce!),
      freeText: der(header.freeText!),
      generalInfo: der(header.generalInfo!),
    });
    expect(Buffer.from(ours).toString("hex")).toBe(Buffer.from(der(header)).toString("hex"));
  });

  it("writes the bytes the schema serializer writes, only what is required", () => {
    const header = new PKIHeader({ pvno: 2, sender: new GeneralName({ directoryName: new Name() }), recipient: new GeneralName({ directoryName: new Name() }) });
    expect(encodePKIHeader({ pvno: 2, sender: NULL_DN, recipient: directoryName(Uint8Array.of(0x30, 0)) })).toEqual(der(header));
  });

  it("splices the encoded parts as they are, even octets a schema round trip would change (a length in a long form)", () => {
    const recipient = Uint8Array.of(0xa4, 0x81, 0x02, 0x30, 0x00);
    const header = encodePKIHeader({ pvno: 2, sender: NULL_DN, recipient });
    expect(Buffer.from(header).toString("hex")).toContain(Buffer.from(recipient).toString("hex"));
  });

  it("refuses a pvno that is not a small INTEGER", () => {
    expect(() => encodePKIHeader({ pvno: 300, sender: NULL_DN, recipient: NULL_DN })).toThrow(/pvno/);
  });
});

describe("encodeGeneralizedTime", () => {
  it("writes whole seconds without a fraction and a fraction without trailing zeros (X.690 §11.7)", () => {
    const text = (date: string) => new TextDecoder().decode(encodeGeneralizedTime(new Date(date)).subarray(2));
    expect(text("2026-01-02T03:04:05Z")).toBe("20260102030405Z");
    expect(text("2026-01-02T03:04:05.120Z")).toBe("20260102030405.12Z");
    expect(text("0999-12-31T23:59:59.001Z")).toBe("09991231235959.001Z");
    expect(() => encodeGeneralizedTime(new Date(Number.NaN))).toThrow(/invalid/);
  });
});
