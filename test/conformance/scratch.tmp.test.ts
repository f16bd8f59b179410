import { it } from "vitest";
import { conformance } from "./harness.js";
import { envelopedData, rawPopBody } from "./pop.js";
import { encodeTlv, encodeSequence } from "../../src/asn1/der.js";

it("probe", async () => {
  const c = await conformance();
  const show = async (name: string, bytes: Uint8Array) => {
    try {
      const a = await c.send(bytes);
      console.log(name, a.httpStatus, a.type, a.status, a.failInfo, a.statusString);
    } catch (e) { console.log(name, "THREW", String(e).slice(0, 300)); }
  };
  const pvno3 = { header: { pvno: 3 } };
  await show("keyEnc encryptedKey", await c.request(await rawPopBody("ir", encodeTlv(0xa2, [envelopedData(0xa4)])), pvno3));
  await show("keyAgree encryptedKey", await c.request(await rawPopBody("ir", encodeTlv(0xa3, [envelopedData(0xa4)])), pvno3));
  await show("keyEnc thisMessage", await c.request(await rawPopBody("ir", encodeTlv(0xa2, [Uint8Array.of(0x80, 2, 0, 1)]))));
  await show("keyEnc subsequentMessage", await c.request(await rawPopBody("ir", encodeTlv(0xa2, [Uint8Array.of(0x81, 1, 0)]))));
  await show("keyAgree dhMAC", await c.request(await rawPopBody("ir", encodeTlv(0xa3, [Uint8Array.of(0x82, 2, 0, 1)]))));
  await show("keyAgree agreeMAC", await c.request(await rawPopBody("ir", encodeTlv(0xa3, [encodeTlv(0xa3, [encodeSequence([Uint8Array.of(6,3,0x2a,3,4)]), Uint8Array.of(3,2,0,1)])]))));
  await show("popo [4]", await c.request(await rawPopBody("ir", encodeTlv(0xa4, [Uint8Array.of(5,0)]))));
  await show("no popo", await c.request(await rawPopBody("ir", undefined)));
  await show("keyEnc EnvelopedData as SEQUENCE (not implicit)", await c.request(await rawPopBody("ir", encodeTlv(0xa2, [envelopedData(0x30)]))));
  await show("keyEnc encryptedKey explicit [4]", await c.request(await rawPopBody("ir", encodeTlv(0xa2, [encodeTlv(0xa4, [envelopedData(0x30)])]))));

  await show("raVerified not NULL", await c.request(await rawPopBody("ir", Uint8Array.of(0x80, 1, 0))));
  await show("signature garbage", await c.request(await rawPopBody("ir", encodeTlv(0xa1, [Uint8Array.of(2, 1, 0)]))));
  await show("keyEnc empty", await c.request(await rawPopBody("ir", Uint8Array.of(0xa2, 0))));
  await show("keyEnc two", await c.request(await rawPopBody("ir", encodeTlv(0xa2, [Uint8Array.of(0x80, 2, 0, 1), Uint8Array.of(0x80, 2, 0, 1)]))));
  await show("regInfo only", await c.request(await rawPopBody("ir", encodeSequence([encodeSequence([Uint8Array.of(6,3,0x2a,3,4), Uint8Array.of(5,0)])]))));
});
