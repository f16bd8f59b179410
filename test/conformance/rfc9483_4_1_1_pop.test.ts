import { AsnConvert, OctetString } from "@peculiar/asn1-schema";
import { Certificate, Extension, Extensions, GeneralName, GeneralNames, id_ce_subjectAltName } from "@peculiar/asn1-x509";
import { describe, expect, it } from "vitest";
import type { CertTemplate } from "../../src/asn1/cert_template.js";
import { encodeTlv } from "../../src/asn1/der.js";
import { POPOSigningKey, ProofOfPossession } from "../../src/asn1/proof_of_possession.js";
import { formatDistinguishedName } from "../../src/ca/distinguished_name.js";
import { certRequestBody, conformance, issuedCertificate, nameOf, newKey, PKIStatus, type Answer, expectRefusal } from "./harness.js";
import { directoryName, envelopedData, rawPopBody, signingKeyInputPop } from "./pop.js";

// RFC 9483 §4.1.1 popo, with RFC 4211 §4: a signature over certReq when the
// template has subject and publicKey; over POPOSigningKeyInput (RFC 4211
// §4.1) when it lacks the subject; raVerified only from a trusted RA. The
// POPOPrivKey kinds (keyEncipherment, keyAgreement, RFC 4211 §4.2, §4.3)
// are not offered. Each refusal is the one request's: ip with status
// rejection and badPOP (RFC 9483 §4.1.1), nothing stored.

function expectRejected(answer: Answer, type: "ip" | "cp", failInfo: string, reason: RegExp): void {
  expectRefusal(answer, type, failInfo, reason);
}

function expectAccepted(answer: Answer, type: "ip" | "cp"): void {
  expect(answer.httpStatus).toBe(200);
  expect(answer.type).toBe(type);
  expect(answer.status).toBe(PKIStatus.accepted);
  expect(answer.failInfo).toEqual([]);
  expect(issuedCertificate(answer)).toBeDefined();
}

/** A template change: subjectAltName dNSName `dns` (critical, as RFC 5280 §4.2.1.6 asks of an empty subject). */
const withSubjectAltName = (dns: string) => (template: CertTemplate) => {
  const value = AsnConvert.serialize(new GeneralNames([new GeneralName({ dNSName: dns })]));
  template.extensions = new Extensions([new Extension({ extnID: id_ce_subjectAltName, critical: true, extnValue: new OctetString(value) })]);
};

describe("RFC 9483 §4.1.1 proof of possession: signature", () => {
  it("a signature over certReq with subject and publicKey in the template is accepted", async () => {
    const c = await conformance();
    expectAccepted(await c.send(await c.request(await certRequestBody("ir"))), "ip");
  });

  it("a signature over certReq by another key than the template's is badPOP", async () => {
    const c = await conformance();
    const other = await newKey();
    const plain = await certRequestBody("ir", {
      popo: async (certReq) =>
        new ProofOfPossession({
          signature: new POPOSigningKey({ algorithmIdentifier: other.algorithm, signature: (await other.sign(certReq)).slice().buffer as ArrayBuffer }),
        }),
    });
    expectRejected(await c.send(await c.request(plain)), "ip", "badPOP", /signature over certReq does not verify with the requested public key/);
  });

  it("a cr without subject proves possession over poposkInput naming the signer, and gets the subjectAltName it asked for", async () => {
    const c = await conformance();
    const body = await certRequestBody("cr", { subject: null, template: withSubjectAltName("pop.example"), popo: signingKeyInputPop() });
    const answer = await c.send(await c.request(body, { protection: "signature" }));
    expectAccepted(answer, "cp");
    const certificate = AsnConvert.parse(issuedCertificate(answer)!, Certificate);
    expect(formatDistinguishedName(certificate.tbsCertificate.subject)).toBe("");
  });

  it("a MAC-protected ir without subject proves possession over poposkInput naming the header's sender", async () => {
    const c = await conformance();
    const body = await certRequestBody("ir", { subject: null, template: withSubjectAltName("mac.example"), popo: signingKeyInputPop({ sender: directoryName("CN=mac-sender") }) });
    expectAccepted(await c.send(await c.request(body, { header: { sender: nameOf("CN=mac-sender") } })), "ip");
  });

  it("a MAC-protected ir whose poposkInput names another sender than the header's is badPOP", async () => {
    const c = await conformance();
    const body = await certRequestBody("ir", { subject: null, template: withSubjectAltName("mac.example"), popo: signingKeyInputPop({ sender: directoryName("CN=someone-else") }) });
    const answer = await c.send(await c.request(body, { header: { sender: nameOf("CN=mac-sender") } }));
    expectRejected(answer, "ip", "badPOP", /poposkInput's sender "CN=someone-else" is not the authenticated sender "CN=mac-sender"/);
  });

  it("poposkInput from a sender without an identity (an empty header sender) is badPOP", async () => {
    const c = await conformance();
    const body = await certRequestBody("ir", { subject: null, template: withSubjectAltName("mac.example"), popo: signingKeyInputPop({ sender: directoryName("CN=anyone") }) });
    const answer = await c.send(await c.request(body, { header: { sender: nameOf("") } }));
    expectRejected(answer, "ip", "badPOP", /the request's protection established no identity/);
  });

  it("an ir without subject and a signature over certReq (as OpenSSL 3.0 sends with -sans and no -subject) is badPOP, as OpenSSL's own server answers", async () => {
    const c = await conformance();
    const body = await certRequestBody("ir", { subject: null, template: withSubjectAltName("sans-only.example") });
    expectRejected(await c.send(await c.request(body)), "ip", "badPOP", /the template has no subject, so the signature must be over poposkInput/);
  });

  it("an ir with an empty subject and a subjectAltName signs certReq, and is accepted", async () => {
    const c = await conformance();
    const body = await certRequestBody("ir", { subject: "", template: withSubjectAltName("empty-subject.example") });
    expectAccepted(await c.send(await c.request(body)), "ip");
  });
});

describe("RFC 9483 §4.1.1 proof of possession: what is not offered", () => {
  it("no popo at all is badPOP", async () => {
    const c = await conformance();
    expectRejected(await c.send(await c.request(await rawPopBody("ir", undefined))), "ip", "badPOP", /carries no proof of possession/);
  });

  it("raVerified from a sender that is no trusted RA: notAuthorized (a claim it may not make, RFC 4211 §4)", async () => {
    const c = await conformance();
    expectRejected(await c.send(await c.request(await rawPopBody("ir", Uint8Array.of(0x80, 0)))), "ip", "notAuthorized", /raVerified is accepted only from a registration authority/);
  });

  const privKeys: Array<[string, "keyEncipherment" | "keyAgreement", Uint8Array, RegExp]> = [
    ["keyEncipherment thisMessage", "keyEncipherment", Uint8Array.of(0x80, 2, 0, 1), /keyEncipherment with thisMessage is not supported/],
    ["keyEncipherment subsequentMessage encrCert", "keyEncipherment", Uint8Array.of(0x81, 1, 0), /keyEncipherment with subsequentMessage is not supported/],
    ["keyEncipherment encryptedKey [4] EnvelopedData", "keyEncipherment", envelopedData(0xa4), /keyEncipherment with encryptedKey \(EnvelopedData\) is not supported/],
    ["keyAgreement dhMAC", "keyAgreement", Uint8Array.of(0x82, 2, 0, 1), /keyAgreement with dhMAC is not supported/],
    ["keyAgreement agreeMAC", "keyAgreement", encodeTlv(0xa3, [Uint8Array.of(0x30, 5, 6, 3, 0x2a, 3, 4), Uint8Array.of(3, 2, 0, 1)]), /keyAgreement with agreeMAC is not supported/],
    ["keyAgreement encryptedKey [4] EnvelopedData", "keyAgreement", envelopedData(0xa4), /keyAgreement with encryptedKey \(EnvelopedData\) is not supported/],
    ["keyEncipherment holding no POPOPrivKey alternative", "keyEncipherment", envelopedData(0x30), /keyEncipherment holds tag 0x30, which is no POPOPrivKey alternative/],
  ];
  for (const [name, kind, privKey, reason] of privKeys) {
    it(`${name} (pvno 3) is badPOP naming what was sent`, async () => {
      const c = await conformance();
      const popo = encodeTlv(kind === "keyEncipherment" ? 0xa2 : 0xa3, [privKey]);
      const answer = await c.send(await c.request(await rawPopBody("ir", popo), { header: { pvno: 3 } }));
      expectRejected(answer, "ip", "badPOP", reason);
    });
  }

  it("an empty keyEncipherment is badPOP", async () => {
    const c = await conformance();
    expectRejected(await c.send(await c.request(await rawPopBody("ir", Uint8Array.of(0xa2, 0)))), "ip", "badPOP", /keyEncipherment \[2\] holds no POPOPrivKey/);
  });

  it("a popo with a tag that is no ProofOfPossession alternative is badPOP", async () => {
    const c = await conformance();
    const answer = await c.send(await c.request(await rawPopBody("ir", encodeTlv(0xa4, [Uint8Array.of(5, 0)]))));
    expectRejected(answer, "ip", "badPOP", /tag 0xa4, which is no ProofOfPossession alternative/);
  });

  it("a cr signed by device0 with keyEncipherment is a cp rejection", async () => {
    const c = await conformance();
    const answer = await c.send(await c.request(await rawPopBody("cr", encodeTlv(0xa2, [envelopedData(0xa4)])), { protection: "signature" }));
    expectRejected(answer, "cp", "badPOP", /keyEncipherment with encryptedKey/);
  });
});
