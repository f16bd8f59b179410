import { AsnConvert, OctetString } from "@peculiar/asn1-schema";
import { Certificate, CRLReason, CRLReasons, Extension, Extensions, id_ce_cRLReasons, id_ce_invalidityDate, SubjectPublicKeyInfo } from "@peculiar/asn1-x509";
import { describe, expect, it } from "vitest";
import { CertTemplate } from "../../src/asn1/cert_template.js";
import { PKIBody } from "../../src/asn1/pki_body.js";
import { RevDetails, RevReqContent } from "../../src/asn1/revocation.js";
import { rrBody } from "../../src/client/revocation.js";
import { conformance, expectRefusal, nameOf, newKey, PKIStatus, type Answer, type Conformance } from "./harness.js";

// RFC 9483 §4.2 rr: one RevDetails whose certDetails names the certificate
// by issuer and serialNumber, and whose crlEntryDetails holds exactly one
// reasonCode. Refusals are rp with status rejection (RFC 9810 §5.3.10),
// nothing revoked.

const reasonCode = (reason: number) =>
  new Extension({ extnID: id_ce_cRLReasons, critical: false, extnValue: new OctetString(AsnConvert.serialize(new CRLReason(reason))) });

const invalidityDate = () =>
  new Extension({ extnID: id_ce_invalidityDate, critical: false, extnValue: new OctetString(Uint8Array.of(0x18, 0x0f, ...new TextEncoder().encode("20260101000000Z"))) });

/** rr of device0's certificate; `change` edits certDetails, `crlEntryDetails` replaces the reason (null: absent). */
function rrOf(c: Conformance, crlEntryDetails: Extension[] | null, change?: (template: CertTemplate) => void): Uint8Array {
  const tbs = AsnConvert.parse(c.clientCertificate, Certificate).tbsCertificate;
  const certDetails = new CertTemplate({ issuer: tbs.issuer, serialNumber: tbs.serialNumber });
  change?.(certDetails);
  const details = new RevDetails({ certDetails, crlEntryDetails: crlEntryDetails === null ? undefined : new Extensions(crlEntryDetails) });
  return new Uint8Array(AsnConvert.serialize(new PKIBody({ rr: new RevReqContent([details]) })));
}

function expectRevoked(answer: Answer): void {
  expect(answer.httpStatus).toBe(200);
  expect(answer.type).toBe("rp");
  expect(answer.status).toBe(PKIStatus.accepted);
  expect(answer.failInfo).toEqual([]);
  expect(answer.changed.length).toBeGreaterThan(0);
}

function expectRefused(answer: Answer, failInfo: string, reason: RegExp): void {
  expectRefusal(answer, "rp", failInfo, reason);
}

async function send(body: (c: Conformance) => Uint8Array): Promise<Answer> {
  const c = await conformance();
  return c.send(await c.request(body(c), { protection: "signature" }));
}

describe("RFC 9483 §4.2 rr: crlEntryDetails holds exactly one reasonCode", () => {
  it("one reasonCode (keyCompromise) revokes", async () => {
    expectRevoked(await send((c) => rrOf(c, [reasonCode(CRLReasons.keyCompromise)])));
  });

  it("the project's client sends reasonCode unspecified when no reason is given, and it revokes", async () => {
    const c = await conformance();
    const body = rrBody(c.clientCertificate);
    const details = AsnConvert.parse(body, PKIBody).rr![0]!;
    expect(details.crlEntryDetails?.map((e) => e.extnID)).toEqual([id_ce_cRLReasons]);
    expectRevoked(await c.send(await c.request(body, { protection: "signature" })));
  });

  it("absent crlEntryDetails is accepted as unspecified: openssl cmp -cmd rr 3.0 sends none without -revreason", async () => {
    expectRevoked(await send((c) => rrOf(c, null)));
  });

  it("an empty crlEntryDetails is badDataFormat", async () => {
    expectRefused(await send((c) => rrOf(c, [])), "badDataFormat", /crlEntryDetails is empty; it must hold exactly one reasonCode/);
  });

  it("two reasonCodes are badDataFormat", async () => {
    const answer = await send((c) => rrOf(c, [reasonCode(CRLReasons.keyCompromise), reasonCode(CRLReasons.superseded)]));
    expectRefused(answer, "badDataFormat", /crlEntryDetails holds 2 reasonCodes; exactly one is allowed/);
  });

  it("another extension beside the reasonCode is badRequest", async () => {
    const answer = await send((c) => rrOf(c, [reasonCode(CRLReasons.keyCompromise), invalidityDate()]));
    expectRefused(answer, "badRequest", /crlEntryDetails may hold only the reasonCode \(RFC 9483 §4.2\), not 2.5.29.24/);
  });

  it("another extension instead of the reasonCode is badRequest", async () => {
    expectRefused(await send((c) => rrOf(c, [invalidityDate()])), "badRequest", /may hold only the reasonCode/);
  });

  it("a reasonCode that is not a CRLReason is badDataFormat", async () => {
    const broken = new Extension({ extnID: id_ce_cRLReasons, extnValue: new OctetString(Uint8Array.of(0x02, 0x01, 0x01)) });
    expectRefused(await send((c) => rrOf(c, [broken])), "badDataFormat", /reasonCode in crlEntryDetails is malformed/);
  });

  it("reason 7, which RFC 5280 §5.3.1 leaves unused, is badRequest", async () => {
    expectRefused(await send((c) => rrOf(c, [reasonCode(7)])), "badRequest", /revocation reason 7 is not supported/);
  });

  it("removeFromCRL for a certificate not on hold is badRequest (RFC 5280 §5.3.1: it only lifts a certificateHold)", async () => {
    expectRefused(await send((c) => rrOf(c, [reasonCode(CRLReasons.removeFromCRL)])), "badRequest", /not on hold/);
  });
});

describe("RFC 9483 §4.2 rr: certDetails describes the certificate it names", () => {
  it("the certificate's own subject and publicKey in certDetails are fine", async () => {
    const answer = await send((c) =>
      rrOf(c, [reasonCode(CRLReasons.superseded)], (template) => {
        const tbs = AsnConvert.parse(c.clientCertificate, Certificate).tbsCertificate;
        template.subject = tbs.subject;
        template.publicKey = tbs.subjectPublicKeyInfo;
      }),
    );
    expectRevoked(answer);
  });

  it("another subject is badCertId", async () => {
    const answer = await send((c) => rrOf(c, [reasonCode(CRLReasons.superseded)], (template) => (template.subject = nameOf("CN=device1"))));
    expectRefused(answer, "badCertId", /certDetails names the subject "CN=device1", but the certificate's is "CN=device0"/);
  });

  it("another publicKey is badCertId", async () => {
    const other = await newKey();
    const answer = await send((c) =>
      rrOf(c, [reasonCode(CRLReasons.superseded)], (template) => (template.publicKey = AsnConvert.parse(other.publicKey, SubjectPublicKeyInfo))),
    );
    expectRefused(answer, "badCertId", /the publicKey in certDetails is not that of the certificate its issuer and serialNumber name/);
  });

  it("another version is badCertId", async () => {
    const answer = await send((c) => rrOf(c, [reasonCode(CRLReasons.superseded)], (template) => (template.version = 0)));
    expectRefused(answer, "badCertId", /the version in certDetails is not that of the certificate its issuer and serialNumber name/);
  });

  it("an issuerUID the certificate does not have is badCertId", async () => {
    const answer = await send((c) => rrOf(c, [reasonCode(CRLReasons.superseded)], (template) => (template.issuerUID = new Uint8Array([1]).buffer)));
    expectRefused(answer, "badCertId", /the issuerUID in certDetails is not that of the certificate its issuer and serialNumber name/);
  });
});

describe("RFC 9483 §4.2 rr by an RA with MAC protection", () => {
  it("a trusted RA revokes device0's certificate with a MAC-protected rr", async () => {
    const c = await conformance({
      default: { bodyTypes: ["ir", "cr", "kur", "rr", "certConf"] },
      ra: { bodyTypes: ["rr"], ra: { macReferences: ["fixture-ref"] } },
    });
    const answer = await c.send(await c.request(rrOf(c, [reasonCode(CRLReasons.cessationOfOperation)]), { protection: "mac" }), "ra");
    expectRevoked(answer);
  });

  it("the RA's rr with two reasonCodes is refused like anyone's", async () => {
    const c = await conformance({ ra: { bodyTypes: ["rr"], ra: { macReferences: ["fixture-ref"] } } });
    const answer = await c.send(await c.request(rrOf(c, [reasonCode(1), reasonCode(1)]), { protection: "mac" }), "ra");
    expectRefused(answer, "badDataFormat", /holds 2 reasonCodes/);
  });
});

describe("RFC 5280 §5.3.1 certificateHold and removeFromCRL through rr", () => {
  async function held(): Promise<Conformance> {
    const c = await conformance();
    const answer = await c.send(await c.request(rrOf(c, [reasonCode(CRLReasons.certificateHold)]), { protection: "signature" }));
    expectRevoked(answer);
    expect(answer.statusString).toMatch(/put on hold/);
    expect(answer.changed).toEqual(expect.arrayContaining([expect.stringMatching(/^cert\//), expect.stringMatching(/^crl\/revoked\//)]));
    return c;
  }

  it("certificateHold suspends: the certificate is revoked with reason 6 and listed for the CRL", async () => {
    await held();
  });

  it("the holder lifts its own hold, signing with the held certificate; the CRL index forgets it", async () => {
    const c = await held();
    const answer = await c.send(await c.request(rrOf(c, [reasonCode(CRLReasons.removeFromCRL)]), { protection: "signature" }));
    expectRevoked(answer);
    expect(answer.statusString).toMatch(/hold on certificate [0-9a-f]+ lifted/);
    expect(answer.changed).toEqual(expect.arrayContaining([expect.stringMatching(/^crl\/revoked\//)]));
    // Good again: it signs an ordinary request.
    expectRevoked(await c.send(await c.request(rrOf(c, [reasonCode(CRLReasons.keyCompromise)]), { protection: "signature" })));
  });

  it("a held certificate signs nothing but the lifting of its own hold: certRevoked, nothing changes", async () => {
    const c = await held();
    const answer = await c.send(await c.request(rrOf(c, [reasonCode(CRLReasons.keyCompromise)]), { protection: "signature" }));
    expectRefusal(answer, "error", "certRevoked", /protection certificate .* is revoked/);
  });

  it("removeFromCRL of a certificate revoked for good is certRevoked: a final revocation is never undone", async () => {
    const c = await conformance({ default: {}, ra: { bodyTypes: ["rr"], ra: { macReferences: ["fixture-ref"] } } });
    expectRevoked(await c.send(await c.request(rrOf(c, [reasonCode(CRLReasons.keyCompromise)]), { protection: "mac" }), "ra"));
    const answer = await c.send(await c.request(rrOf(c, [reasonCode(CRLReasons.removeFromCRL)]), { protection: "mac" }), "ra");
    expectRefused(answer, "certRevoked", /only a certificateHold can be lifted/);
  });

  it("an RA makes a hold final with another reason; the hold's date stays the revocation date", async () => {
    const c = await conformance({ default: {}, ra: { bodyTypes: ["rr"], ra: { macReferences: ["fixture-ref"] } } });
    expectRevoked(await c.send(await c.request(rrOf(c, [reasonCode(CRLReasons.certificateHold)]), { protection: "mac" }), "ra"));
    const [key] = (await c.target.store.changedKeys()).filter((k) => k.startsWith("cert/"));
    const heldAt = (await c.target.store.get<{ revokedAt: string }>(key!))!.value.revokedAt;
    const final = await c.send(await c.request(rrOf(c, [reasonCode(CRLReasons.keyCompromise)]), { protection: "mac" }), "ra");
    expectRevoked(final);
    expect((await c.target.store.get<{ revokedAt: string; revocationReason: number }>(key!))!.value).toMatchObject({ revokedAt: heldAt, revocationReason: 1 });
    // Holding it again is certRevoked: the revocation is final.
    const again = await c.send(await c.request(rrOf(c, [reasonCode(CRLReasons.certificateHold)]), { protection: "mac" }), "ra");
    expectRefused(again, "certRevoked", /already revoked/);
  });
});
