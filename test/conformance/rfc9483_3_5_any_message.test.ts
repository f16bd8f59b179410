import { describe, expect, it } from "vitest";
import { encodeSequence, encodeTlv, readChildren, readElement } from "../../src/asn1/der.js";
import { certRequestBody, conformance, PKIStatus, type Answer, expectRefusal } from "./harness.js";
import { envelopedData, rawPopBody } from "./pop.js";

// Any PKIMessage gets a CMP answer (RFC 9483 §3.5: the server answers an
// error message; RFC 9810 §5.1): once its header decodes, whatever is wrong
// after it is an `error` with badDataFormat (or, inside one certificate
// request, an ip/cp/kup rejection), never HTTP 400, which is only for bytes
// that are not a PKIMessage at all.

/** The DER elements of a PKIMessage: header, body, then protection and extraCerts if present. */
function fieldsOf(message: Uint8Array): Uint8Array[] {
  return readChildren(message, readElement(message, 0)).map((element) => message.subarray(element.start, element.end));
}

function expectError(answer: Answer, failInfo: string, reason: RegExp): void {
  expectRefusal(answer, "error", failInfo, reason);
}

describe("RFC 9483 §3.5: a message whose header decodes is answered in CMP", () => {
  it("a well-formed ir is accepted (the messages below break it)", async () => {
    const c = await conformance();
    const answer = await c.send(await c.request(await certRequestBody("ir")));
    expect(answer.type).toBe("ip");
    expect(answer.status).toBe(PKIStatus.accepted);
  });

  const shells: Array<[string, (fields: Uint8Array[]) => Uint8Array, RegExp]> = [
    ["no body", ([header]) => encodeSequence([header!]), /there is no body/],
    ["a primitive [0] as body", ([header, , protection]) => encodeSequence([header!, Uint8Array.of(0x80, 1, 0), protection!]), /the body's tag 0x80 is no PKIBody alternative/],
    ["a SEQUENCE as body", ([header, , protection]) => encodeSequence([header!, encodeSequence([]), protection!]), /the body's tag 0x30 is no PKIBody alternative/],
    ["an unknown body tag [27]", ([header, , protection]) => encodeSequence([header!, encodeTlv(0xa0 | 27, [Uint8Array.of(5, 0)]), protection!]), /the body's tag 0xbb is no PKIBody alternative/],
    ["a multi-octet body tag [31]", ([header, , protection]) => encodeSequence([header!, Uint8Array.of(0xbf, 0x1f, 2, 5, 0), protection!]), /multi-octet tags/],
    ["an indefinite-length (BER) body", ([header, , protection]) => encodeSequence([header!, Uint8Array.of(0xa0, 0x80, 0x30, 0x80, 0, 0, 0, 0), protection!]), /unsupported length encoding/],
    ["extraCerts holding an INTEGER", ([header, body, protection]) => encodeSequence([header!, body!, protection!, encodeTlv(0xa1, [encodeSequence([Uint8Array.of(2, 1, 1)])])]), /extraCerts is not a SEQUENCE SIZE \(1\.\.MAX\) OF CMPCertificate/],
    ["an empty extraCerts", ([header, body, protection]) => encodeSequence([header!, body!, protection!, encodeTlv(0xa1, [encodeSequence([])])]), /extraCerts is not a SEQUENCE SIZE \(1\.\.MAX\) OF CMPCertificate/],
    ["extraCerts that is not a SEQUENCE", ([header, body, protection]) => encodeSequence([header!, body!, protection!, encodeTlv(0xa1, [Uint8Array.of(2, 1, 1)])]), /extraCerts is not one SEQUENCE/],
    ["a protection that is an OCTET STRING", ([header, body]) => encodeSequence([header!, body!, encodeTlv(0xa0, [Uint8Array.of(4, 1, 1)])]), /protection is not one BIT STRING/],
    ["a protection with unused bits", ([header, body]) => encodeSequence([header!, body!, encodeTlv(0xa0, [Uint8Array.of(3, 2, 1, 0)])]), /protection is not a whole number of octets/],
    ["an element [2] after the body", ([header, body, protection]) => encodeSequence([header!, body!, protection!, Uint8Array.of(0xa2, 0)]), /unexpected element 0xa2 after the body/],
    ["a body whose length runs past the message", ([header]) => encodeSequence([header!, Uint8Array.of(0xa0, 0x10, 0x30, 0)]), /runs past the end/],
  ];
  for (const [name, build, reason] of shells) {
    it(`${name}: error badDataFormat, HTTP 200`, async () => {
      const c = await conformance();
      const message = build(fieldsOf(await c.request(await certRequestBody("ir"))));
      expectError(await c.send(message), "badDataFormat", reason);
    });
  }

  it("a signed request whose protection certificate in extraCerts is no certificate is error badDataFormat", async () => {
    const c = await conformance();
    const [header, body, protection] = fieldsOf(await c.request(await certRequestBody("cr"), { protection: "signature" }));
    const notACertificate = encodeSequence([encodeSequence([Uint8Array.of(2, 1, 1)])]);
    const answer = await c.send(encodeSequence([header!, body!, protection!, encodeTlv(0xa1, [notACertificate])]));
    expectError(answer, "badDataFormat", /the first certificate in extraCerts is not an X\.509 certificate/);
  });

  it("a body whose DER walk fails (a non-minimal length inside) is error badDataFormat", async () => {
    const c = await conformance();
    const message = await c.request(Uint8Array.of(0xa0, 0x04, 0x30, 0x81, 0x01, 0x05));
    expectError(await c.send(message), "badDataFormat", /the ir body is not valid DER: .*long form/);
  });

  it("a CertTemplate whose subject [5] holds an INTEGER is error badDataFormat", async () => {
    const c = await conformance();
    const body = await rawPopBody("ir", Uint8Array.of(0x80, 0));
    // Replace the template's subject [5] { Name } by [5] { INTEGER 1 }, keeping the lengths.
    const at = body.findIndex((byte, index) => byte === 0xa5 && body[index + 2] === 0x30);
    const odd = body.slice();
    odd[at + 2] = 0x02;
    odd[at + 3] = odd[at + 1]! - 2;
    const answer = await c.send(await c.request(odd));
    expect(answer.httpStatus).toBe(200);
    expect(answer.type).toBe("error");
    expect(answer.failInfo).toEqual(["badDataFormat"]);
    expect(answer.statusString).toMatch(/the ir body is not valid DER/);
    expect(answer.changed).toEqual([]);
  });

  it("a POPOSigningKey [1] that does not decode is error badDataFormat", async () => {
    const c = await conformance();
    const answer = await c.send(await c.request(await rawPopBody("ir", encodeTlv(0xa1, [Uint8Array.of(2, 1, 0)]))));
    expectError(answer, "badDataFormat", /the ir body is not valid DER: .*POPOSigningKey/);
  });

  it("an ir (pvno 3) with keyEncipherment encryptedKey [4] EnvelopedData is an ip rejection with badPOP", async () => {
    const c = await conformance();
    const answer = await c.send(await c.request(await rawPopBody("ir", encodeTlv(0xa2, [envelopedData(0xa4)])), { header: { pvno: 3 } }));
    expect(answer.httpStatus).toBe(200);
    expect(answer.type).toBe("ip");
    expect(answer.status).toBe(PKIStatus.rejection);
    expect(answer.failInfo).toEqual(["badPOP"]);
    expect(answer.statusString).toMatch(/keyEncipherment with encryptedKey \(EnvelopedData\) is not supported/);
    expect(answer.changed).toEqual([]);
  });

  it("an ir with keyAgreement [3] is an ip rejection with badPOP", async () => {
    const c = await conformance();
    const answer = await c.send(await c.request(await rawPopBody("ir", encodeTlv(0xa3, [Uint8Array.of(0x82, 2, 0, 1)]))));
    expect(answer.type).toBe("ip");
    expect(answer.failInfo).toEqual(["badPOP"]);
    expect(answer.changed).toEqual([]);
  });

  it("bytes that are not a PKIMessage still get HTTP 400 with badDataFormat", async () => {
    const c = await conformance();
    const message = await c.request(await certRequestBody("ir"));
    const answer = await c.send(Uint8Array.of(...message, 0));
    expect(answer.httpStatus).toBe(400);
    expect(answer.type).toBe("error");
    expect(answer.failInfo).toEqual(["badDataFormat"]);
    const headerless = await c.send(encodeSequence([Uint8Array.of(2, 1, 2)]));
    expect(headerless.httpStatus).toBe(400);
  });
});
