import { AsnConvert } from "@peculiar/asn1-schema";
import { Certificate } from "@peculiar/asn1-x509";
import { describe, expect, it } from "vitest";
import { formatDistinguishedName } from "../../src/ca/distinguished_name.js";
import { certRequestBody, conformance, confirm, issuedCertificate, newKey, PKIStatus, type Answer, expectRefusal } from "./harness.js";
import { directoryName, signingKeyInputPop, type SigningKeyInputOptions } from "./pop.js";

// RFC 9483 §4.1.3 kur, with the proof of possession of RFC 4211 §4.1 for a
// template that inherits the subject of the certificate being updated (as
// Bouncy Castle builds it): the signature is over poposkInput, whose sender
// is the authenticated sender (device0, who signs the kur) and whose
// publicKey is the template's.

async function kurWithoutSubject(options: SigningKeyInputOptions = {}) {
  const c = await conformance();
  const key = await newKey();
  const body = await certRequestBody("kur", { key, subject: null, popo: signingKeyInputPop(options) });
  const request = await c.request(body, { protection: "signature" });
  return { c, request, answer: await c.send(request) };
}

function expectRejected(answer: Answer, failInfo: string, reason: RegExp): void {
  expectRefusal(answer, "kup", failInfo, reason);
}

describe("RFC 9483 §4.1.3 kur with POPOSigningKeyInput (RFC 4211 §4.1)", () => {
  it("a kur without subject, its POP over poposkInput naming the signer, is issued with the old subject and confirmed", async () => {
    const { c, request, answer } = await kurWithoutSubject();
    expect(answer.httpStatus).toBe(200);
    expect(answer.type).toBe("kup");
    expect(answer.status).toBe(PKIStatus.accepted);
    expect(answer.failInfo).toEqual([]);
    const certificate = AsnConvert.parse(issuedCertificate(answer)!, Certificate);
    expect(formatDistinguishedName(certificate.tbsCertificate.subject)).toBe("CN=device0");

    const confirmed = await c.send(await confirm(c, request, answer, { protection: "signature" }));
    expect(confirmed.type).toBe("pkiconf");
    expect(confirmed.changed.length).toBeGreaterThan(0);
  });

  it("without subject, a signature over certReq (no poposkInput) is badPOP", async () => {
    const c = await conformance();
    const answer = await c.send(await c.request(await certRequestBody("kur", { subject: null }), { protection: "signature" }));
    expectRejected(answer, "badPOP", /signature must be over poposkInput, which is missing/);
  });

  it("with poposkInput present but the signature over certReq, the POP does not verify: badPOP", async () => {
    const { answer } = await kurWithoutSubject({ signCertReq: true });
    expectRejected(answer, "badPOP", /signature over poposkInput does not verify/);
  });

  it("a poposkInput signed by another key than the one to certify is badPOP", async () => {
    const { answer } = await kurWithoutSubject({ signWith: await newKey() });
    expectRejected(answer, "badPOP", /does not verify with the requested public key/);
  });

  it("poposkInput naming another sender than the one that signed the kur is badPOP", async () => {
    const { answer } = await kurWithoutSubject({ sender: directoryName("CN=device1") });
    expectRejected(answer, "badPOP", /poposkInput's sender "CN=device1" is not the authenticated sender "CN=device0"/);
  });

  it("poposkInput naming the sender by another kind of GeneralName is badPOP", async () => {
    const { GeneralName } = await import("@peculiar/asn1-x509");
    const { answer } = await kurWithoutSubject({ sender: new GeneralName({ dNSName: "device0" }) });
    expectRejected(answer, "badPOP", /poposkInput's sender "dNSName" is not the authenticated sender/);
  });

  it("poposkInput whose publicKey is not the template's is badPOP", async () => {
    const other = await newKey();
    const { answer } = await kurWithoutSubject({ publicKey: other.publicKey });
    expectRejected(answer, "badPOP", /poposkInput's publicKey differs from the template's publicKey/);
  });

  it("poposkInput with publicKeyMAC instead of sender is refused: badPOP", async () => {
    const { answer } = await kurWithoutSubject({ publicKeyMAC: true });
    expectRejected(answer, "badPOP", /publicKeyMAC is not supported/);
  });

  it("poposkInput while the template carries subject and publicKey is badPOP", async () => {
    const c = await conformance();
    const body = await certRequestBody("kur", { subject: "CN=device0", popo: signingKeyInputPop() });
    const answer = await c.send(await c.request(body, { protection: "signature" }));
    expectRejected(answer, "badPOP", /poposkInput must be absent when the template carries subject and publicKey/);
  });

  it("a template without publicKey asks for central key generation (RFC 9483 §4.1.6), which this profile does not offer: notAuthorized", async () => {
    const c = await conformance();
    const body = await certRequestBody("kur", {
      subject: null,
      template: (template) => {
        template.publicKey = undefined;
      },
      popo: signingKeyInputPop(),
    });
    const answer = await c.send(await c.request(body, { protection: "signature" }));
    expectRejected(answer, "notAuthorized", /asks for central key generation, and profile "[^"]+" does not offer it/);
  });

  it("the conforming kur of RFC 9483 (subject present, signature over certReq) is accepted", async () => {
    const c = await conformance();
    const answer = await c.send(await c.request(await certRequestBody("kur", { subject: "CN=device0" }), { protection: "signature" }));
    expect(answer.type).toBe("kup");
    expect(answer.status).toBe(PKIStatus.accepted);
  });
});
