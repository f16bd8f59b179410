import { it } from "vitest";
import { certRequestBody, conformance } from "./harness.js";
import { encodeTlv, encodeSequence, readElement, readChildren } from "../../src/asn1/der.js";

it("probe", async () => {
  const c = await conformance();
  const show = async (name: string, bytes: Uint8Array) => {
    try {
      const a = await c.send(bytes);
      console.log(name, a.httpStatus, a.type, a.status, a.failInfo, a.statusString);
    } catch (e) { console.log(name, "THREW", String(e).slice(0, 300)); }
  };
  const good = await c.request(await certRequestBody("ir"));
  const signed = await c.request(await certRequestBody("cr"), { protection: "signature" });
  const parts = (m: Uint8Array) => { const o = readElement(m, 0); return readChildren(m, o).map((e) => m.subarray(e.start, e.end)); };
  const [h, b, p] = parts(good);
  const [sh, sb, sp, sx] = parts(signed);
  await show("good", good);
  await show("extraCerts INTEGER", encodeSequence([h!, b!, p!, encodeTlv(0xa1, [encodeSequence([Uint8Array.of(2, 1, 1)])])]));
  await show("extraCerts empty seq", encodeSequence([h!, b!, p!, encodeTlv(0xa1, [encodeSequence([])])]));
  await show("extraCerts not seq", encodeSequence([h!, b!, p!, encodeTlv(0xa1, [Uint8Array.of(2, 1, 1)])]));
  await show("signed extraCerts garbage cert", encodeSequence([sh!, sb!, sp!, encodeTlv(0xa1, [encodeSequence([encodeSequence([Uint8Array.of(2, 1, 1)])])])]));
  await show("protection octet string", encodeSequence([h!, b!, encodeTlv(0xa0, [Uint8Array.of(4, 1, 1)])]));
  await show("protection unused bits", encodeSequence([h!, b!, encodeTlv(0xa0, [Uint8Array.of(3, 2, 1, 0)])]));
  await show("protection empty bitstring", encodeSequence([h!, b!, encodeTlv(0xa0, [Uint8Array.of(3, 0)])]));
  await show("trailing [2]", encodeSequence([h!, b!, p!, Uint8Array.of(0xa2, 0)]));
  await show("body primitive [0]", encodeSequence([h!, Uint8Array.of(0x80, 1, 0), p!]));
  await show("body universal SEQUENCE", encodeSequence([h!, encodeSequence([]), p!]));
  await show("body tag [27]", encodeSequence([h!, encodeTlv(0xa0 | 27, [Uint8Array.of(5, 0)]), p!]));
  await show("body multi-byte tag [31]", encodeSequence([h!, Uint8Array.of(0xbf, 0x1f, 2, 5, 0), p!]));
  await show("body BER indefinite", encodeSequence([h!, Uint8Array.of(0xa0, 0x80, 0x30, 0x80, 0, 0, 0, 0), p!]));
  await show("body inner long-form length non-minimal", encodeSequence([h!, Uint8Array.of(0xa0, 0x04, 0x30, 0x81, 0x01, 0x05), p!]));
  await show("body empty ir", encodeSequence([h!, Uint8Array.of(0xa0, 0), p!]));
  await show("no body", encodeSequence([h!]));
  await show("trailing garbage after message", Uint8Array.of(...good, 0));
  // body length overrun inside outer sequence
  const bad = Uint8Array.from(encodeSequence([h!, b!, p!])); const off = 2 + (bad[1]! & 0x80 ? (bad[1]! & 0x7f) : 0) + h!.length; bad[off + 1] = bad[off + 1]! + 1;
  await show("body length overrun", bad);
  await show("header only + garbage byte", encodeSequence([h!, Uint8Array.of(0xff)]));
});
