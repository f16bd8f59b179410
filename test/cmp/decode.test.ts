import { AsnConvert } from "@peculiar/asn1-schema";
import { GeneralName, Name } from "@peculiar/asn1-x509";
import { describe, expect, it } from "vitest";
import { concatBytes, encodeExplicit, encodeOctetAlignedBitString, encodeSequence, encodeTlv } from "../../src/asn1/der.js";
import { PKIHeader } from "../../src/asn1/pki_header.js";
import { PKIStatusInfo } from "../../src/asn1/pki_status.js";
import { certRepBody } from "../../src/cmp/bodies.js";
import { decodeRequest } from "../../src/cmp/decode.js";
import { makeTestCa } from "../support/engine_server.js";

// An ip body is tagged [1], like extraCerts: the decoder (which the client
// uses for answers too) looks for extraCerts only after the body.

describe("decodeRequest", () => {
  it("finds the extraCerts of an ip (a body tagged [1] like extraCerts), not the body's contents", async () => {
    const { ca } = await makeTestCa();
    const nullDn = new GeneralName({ directoryName: new Name() });
    const header = new Uint8Array(AsnConvert.serialize(new PKIHeader({ sender: nullDn, recipient: nullDn })));
    const body = certRepBody("ip", { certReqId: 0, status: new PKIStatusInfo() }, [ca.certificate]);

    const withExtraCerts = encodeSequence([header, body, encodeExplicit(1, encodeSequence([ca.certificate]))]);
    expect(decodeRequest(withExtraCerts)!.extraCertsDer).toEqual([ca.certificate]);

    const without = encodeSequence([header, body]);
    expect(decodeRequest(without)!.extraCertsDer).toEqual([]);
  });

  it("is undefined for what is not one PKIMessage", () => {
    expect(decodeRequest(Uint8Array.of(1, 2, 3))).toBeUndefined();
  });

  it("keeps the protection bits and refuses a malformed protection, extraCerts or trailing element", async () => {
    const { ca } = await makeTestCa();
    const nullDn = new GeneralName({ directoryName: new Name() });
    const header = new Uint8Array(AsnConvert.serialize(new PKIHeader({ sender: nullDn, recipient: nullDn })));
    const body = encodeTlv(0xa0 | 19, [Uint8Array.of(0x05, 0x00)]); // pkiconf
    const bits = Uint8Array.of(1, 2, 3, 4);
    const protection = encodeExplicit(0, encodeOctetAlignedBitString(bits));
    const extraCerts = encodeExplicit(1, encodeSequence([ca.certificate]));

    const good = decodeRequest(encodeSequence([header, body, protection, extraCerts]))!;
    expect(good.type).toBe("pkiconf");
    expect(new Uint8Array(good.message.protection!)).toEqual(bits);
    expect(good.extraCertsDer).toEqual([ca.certificate]);

    const bad = {
      "protection with unused bits": encodeExplicit(0, encodeTlv(0x03, [Uint8Array.of(3), bits])),
      "protection that is not a BIT STRING": encodeExplicit(0, encodeTlv(0x04, [bits])),
      "empty extraCerts": encodeExplicit(1, encodeSequence([])),
      "extraCerts holding an INTEGER": encodeExplicit(1, encodeSequence([Uint8Array.of(2, 1, 0)])),
      "an element after extraCerts": concatBytes([extraCerts, Uint8Array.of(2, 1, 0)]),
    };
    for (const [what, tail] of Object.entries(bad)) {
      expect(decodeRequest(encodeSequence([header, body, tail])), what).toBeUndefined();
    }
    // extraCerts before protection: out of order.
    expect(decodeRequest(encodeSequence([header, body, extraCerts, protection]))).toBeUndefined();
    // A body tag that is no PKIBody alternative ([27]), and an alternative holding two elements.
    expect(decodeRequest(encodeSequence([header, encodeTlv(0xa0 | 27, [Uint8Array.of(5, 0)])]))).toBeUndefined();
    expect(decodeRequest(encodeSequence([header, encodeTlv(0xa0 | 24, [encodeSequence([]), encodeSequence([])])]))).toBeUndefined();
  });
});
