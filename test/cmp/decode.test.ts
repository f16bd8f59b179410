import { AsnConvert } from "@peculiar/asn1-schema";
import { GeneralName, Name } from "@peculiar/asn1-x509";
import { describe, expect, it } from "vitest";
import { encodeExplicit, encodeSequence } from "../../src/asn1/der.js";
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
});
