import { AsnConvert } from "@peculiar/asn1-schema";
import { beforeEach, describe, expect, it } from "vitest";
import { InfoTypeAndValue } from "../../src/asn1/info_type_and_value.js";
import { id_it_confirmWaitTime, id_it_implicitConfirm } from "../../src/asn1/oids.js";
import { PKIMessage } from "../../src/asn1/pki_message.js";
import { certRequestBody, conformance, nameOf, PKIStatus, type Conformance } from "./harness.js";

// RFC 9483 §3.1, General Description of the CMP Message Header: the header
// fields of a request, checked before its protection (RFC 9483 §3.5), and
// answered with an `error` message that changes nothing.

let c: Conformance;
beforeEach(async () => {
  c = await conformance();
});

const NULL = Uint8Array.of(0x05, 0x00);
const info = (infoType: string, value?: Uint8Array) =>
  new InfoTypeAndValue({ infoType, infoValue: value ? (value.slice().buffer as ArrayBuffer) : undefined });
/** GeneralizedTime "20261204120000Z" and UTCTime "261204120000Z", DER. */
const generalizedTime = Uint8Array.from([0x18, 15, ...new TextEncoder().encode("20261204120000Z")]);
const utcTime = Uint8Array.from([0x17, 13, ...new TextEncoder().encode("261204120000Z")]);

async function irWith(generalInfo: InfoTypeAndValue[]) {
  return c.send(await c.request(await certRequestBody("ir"), { header: { generalInfo } }));
}

describe("RFC 9483 §3.1: generalInfo", () => {
  it("implicitConfirm with the value NULL is granted", async () => {
    const answer = await irWith([info(id_it_implicitConfirm, NULL)]);
    expect([answer.type, answer.status]).toEqual(["ip", PKIStatus.accepted]);
    expect(answer.message.header.generalInfo?.map((item) => item.infoType)).toEqual([id_it_implicitConfirm]);
  });

  it("implicitConfirm whose value is not NULL: error badRequest, nothing issued", async () => {
    const answer = await irWith([info(id_it_implicitConfirm, Uint8Array.of(0x01, 0x01, 0xff))]);
    expect([answer.type, answer.status, answer.failInfo]).toEqual(["error", PKIStatus.rejection, ["badRequest"]]);
    expect(answer.statusString).toContain("implicitConfirm in generalInfo must be NULL");
    expect(answer.changed).toEqual([]);
  });

  it("confirmWaitTime as GeneralizedTime is accepted; as UTCTime: error badDataFormat", async () => {
    const good = await irWith([info(id_it_confirmWaitTime, generalizedTime)]);
    expect([good.type, good.status]).toEqual(["ip", PKIStatus.accepted]);

    const bad = await irWith([info(id_it_confirmWaitTime, utcTime)]);
    expect([bad.type, bad.status, bad.failInfo]).toEqual(["error", PKIStatus.rejection, ["badDataFormat"]]);
    expect(bad.statusString).toContain("confirmWaitTime in generalInfo must be a GeneralizedTime");
    expect(bad.changed).toEqual([]);
  });

  it("implicitConfirm together with confirmWaitTime: error badRequest", async () => {
    const answer = await irWith([info(id_it_implicitConfirm, NULL), info(id_it_confirmWaitTime, generalizedTime)]);
    expect([answer.type, answer.failInfo]).toEqual(["error", ["badRequest"]]);
    expect(answer.statusString).toContain("exclude each other");
    expect(answer.changed).toEqual([]);
  });

  it("an unknown generalInfo item is ignored (RFC 9810 §5.1.1)", async () => {
    const answer = await irWith([info("1.3.6.1.4.1.99999.1", Uint8Array.of(0x0c, 0x01, 0x78))]);
    expect([answer.type, answer.status]).toEqual(["ip", PKIStatus.accepted]);
  });
});

describe("RFC 9483 §3.1: transactionID and senderNonce of 128 bits", () => {
  it("a transactionID of 8 bytes: error badDataFormat", async () => {
    const answer = await c.send(await c.request(await certRequestBody("ir"), { header: { transactionID: new Uint8Array(8).fill(7) } }));
    expect([answer.type, answer.failInfo]).toEqual(["error", ["badDataFormat"]]);
    expect(answer.changed).toEqual([]);
  });

  it("a senderNonce of 8 bytes: error badSenderNonce", async () => {
    const answer = await c.send(await c.request(await certRequestBody("ir"), { header: { senderNonce: new Uint8Array(8).fill(7) } }));
    expect([answer.type, answer.failInfo]).toEqual(["error", ["badSenderNonce"]]);
    expect(answer.changed).toEqual([]);
  });

  it("a recipNonce in the first message: error badRecipientNonce", async () => {
    const answer = await c.send(await c.request(await certRequestBody("ir"), { header: { recipNonce: new Uint8Array(16).fill(1) } }));
    expect([answer.type, answer.failInfo]).toEqual(["error", ["badRecipientNonce"]]);
    expect(answer.changed).toEqual([]);
  });

  it("pvno 1: error unsupportedVersion", async () => {
    const answer = await c.send(await c.request(await certRequestBody("ir"), { header: { pvno: 1 } }));
    expect([answer.type, answer.failInfo]).toEqual(["error", ["unsupportedVersion"]]);
  });

  it("every answer carries a fresh 128-bit senderNonce and echoes the request's as recipNonce", async () => {
    const request = await c.request(await certRequestBody("ir"));
    const answer = await c.send(request);
    const sent = AsnConvert.parse(request, PKIMessage).header;
    expect(new Uint8Array(answer.message.header.senderNonce!)).toHaveLength(16);
    expect(new Uint8Array(answer.message.header.recipNonce!)).toEqual(new Uint8Array(sent.senderNonce!));
    expect(new Uint8Array(answer.message.header.transactionID!)).toEqual(new Uint8Array(sent.transactionID!));
  });
});

describe("RFC 9483 §3.1: sender and senderKID of a signed request name its protection certificate", () => {
  it("the conforming signed ir: ip accepted", async () => {
    const answer = await c.send(await c.request(await certRequestBody("ir"), { protection: "signature" }));
    expect([answer.type, answer.status]).toEqual(["ip", PKIStatus.accepted]);
  });

  it("a sender other than the certificate's subject: error badMessageCheck", async () => {
    const answer = await c.send(await c.request(await certRequestBody("ir"), { protection: { ...c.signature, sender: nameOf("CN=someone else") } }));
    expect([answer.type, answer.failInfo]).toEqual(["error", ["badMessageCheck"]]);
    expect(answer.statusString).toContain("sender does not match the protection certificate's subject");
    expect(answer.changed).toEqual([]);
  });

  it("a senderKID other than the certificate's subjectKeyIdentifier: error badMessageCheck", async () => {
    const answer = await c.send(await c.request(await certRequestBody("ir"), { protection: { ...c.signature, senderKID: new Uint8Array(20).fill(1).buffer } }));
    expect([answer.type, answer.failInfo]).toEqual(["error", ["badMessageCheck"]]);
    expect(answer.statusString).toContain("senderKID does not match");
    expect(answer.changed).toEqual([]);
  });
});
