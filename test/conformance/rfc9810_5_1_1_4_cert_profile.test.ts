import { AsnConvert } from "@peculiar/asn1-schema";
import { AlgorithmIdentifier, Certificate, ExtendedKeyUsage, id_ce_extKeyUsage } from "@peculiar/asn1-x509";
import { beforeAll, describe, expect, it } from "vitest";
import { CertProfileValue } from "../../src/asn1/cert_profile_value.js";
import { CertReqTemplateContent } from "../../src/asn1/general_message_values.js";
import { InfoTypeAndValue } from "../../src/asn1/info_type_and_value.js";
import { id_it_caCerts, id_it_certProfile, id_it_certReqTemplate, id_it_implicitConfirm, id_regCtrl_algId } from "../../src/asn1/oids.js";
import { outgoingProtection } from "../../src/client/outgoing_protection.js";
import { PKIBody } from "../../src/asn1/pki_body.js";
import { PKIMessage } from "../../src/asn1/pki_message.js";
import { PollReq, PollReqContent } from "../../src/asn1/poll.js";
import type { CertificateRecord } from "../../src/ca/certificate_record.js";
import { genmBody } from "../../src/client/general_message.js";
import { decidePendingRequest, listPendingRequests } from "../../src/cmp/pending_request.js";
import { certRequestBody, conformance, expectRefusal, issuedCertificate, newKey, p10crRequestBody, PKIStatus, type Answer, type Conformance } from "./harness.js";

// RFC 9810 §5.1.1.4 / RFC 9483 §3.1: a request names the certificate
// profile it wants in PKIHeader generalInfo (id-it-certProfile,
// CertProfileValue ::= SEQUENCE SIZE (1..MAX) OF UTF8String), one name per
// CertReqMsg or genm InfoTypeAndValue. The CMP profile offers named
// certificate profiles; the default serves requests that name none; a name
// not offered is badCertTemplate, nothing stored.

const ALL = ["ir", "cr", "kur", "p10cr", "rr", "genm", "certConf", "pollReq", "error"];
const OFFERED = {
  certificateProfiles: {
    "tls-server": { validityDays: 90, extendedKeyUsage: ["serverAuth"] },
    "tls-client": { validityDays: 30, extendedKeyUsage: ["clientAuth"], keyTypes: ["P-256"] },
  },
  defaultCertificateProfile: "tls-server",
};

let c: Conformance;
beforeAll(async () => {
  c = await conformance({
    default: { bodyTypes: ALL, ...OFFERED },
    approval: { bodyTypes: ALL, approval: { hold: "all", checkAfterSeconds: 1 }, ...OFFERED },
    single: { bodyTypes: ALL, certificate: { validityDays: 7 } },
  });
});

/** generalInfo id-it-certProfile with these names (or this raw value, null: absent). */
function certProfile(value: string[] | Uint8Array | null): InfoTypeAndValue {
  const der = value === null ? undefined : value instanceof Uint8Array ? value : new Uint8Array(AsnConvert.serialize(new CertProfileValue(value)));
  return new InfoTypeAndValue({ infoType: id_it_certProfile, infoValue: der?.slice().buffer as ArrayBuffer | undefined });
}

async function ir(generalInfo: InfoTypeAndValue[], profile = "default", more = 0): Promise<Answer> {
  return c.send(await c.request(await certRequestBody("ir", { more }), { header: { generalInfo } }), profile);
}

/** Validity in days and EKU purposes of the issued certificate. */
function issued(answer: Answer): { days: number; eku: string[] } {
  expect(answer.type, answer.statusString).toBe("ip");
  expect(answer.status, answer.statusString).toBe(PKIStatus.accepted);
  const tbs = AsnConvert.parse(issuedCertificate(answer)!, Certificate).tbsCertificate;
  const days = Math.round((tbs.validity.notAfter.getTime().getTime() - tbs.validity.notBefore.getTime().getTime()) / 86_400_000);
  const extension = tbs.extensions!.find((e) => e.extnID === id_ce_extKeyUsage)!;
  return { days, eku: [...AsnConvert.parse(extension.extnValue, ExtendedKeyUsage)] };
}

async function recordOf(answer: Answer): Promise<CertificateRecord | undefined> {
  const page = await c.target.store.list<CertificateRecord>("cert/");
  const der = Buffer.from(issuedCertificate(answer)!).toString("base64");
  return page.items.map((item) => item.value).find((record) => record.der === der);
}

describe("RFC 9810 §5.1.1.4 certProfile in an ir selects the certificate profile", () => {
  it("tls-client and tls-server give certificates that differ as configured (validity, EKU); the record names the profile", async () => {
    const client = await ir([certProfile(["tls-client"])]);
    expect(issued(client)).toEqual({ days: 30, eku: ["1.3.6.1.5.5.7.3.2"] });
    expect(await recordOf(client)).toMatchObject({ profile: "default", certificateProfile: "tls-client" });
    const server = await ir([certProfile(["tls-server"])]);
    expect(issued(server)).toEqual({ days: 90, eku: ["1.3.6.1.5.5.7.3.1"] });
  });

  it("no certProfile, or the empty name (\"no certificate profile name is associated\"), gets the default", async () => {
    expect(issued(await ir([])).eku).toEqual(["1.3.6.1.5.5.7.3.1"]);
    const empty = await ir([certProfile([""])]);
    expect(issued(empty).eku).toEqual(["1.3.6.1.5.5.7.3.1"]);
    expect(await recordOf(empty)).toMatchObject({ certificateProfile: "tls-server" });
  });

  it("the named profile's rules apply: tls-client certifies P-256 only", async () => {
    const key = await newKey("P-384");
    const answer = await c.send(await c.request(await certRequestBody("ir", { key }), { header: { generalInfo: [certProfile(["tls-client"])] } }));
    expectRefusal(answer, "ip", "badCertTemplate", /P-384 keys are not certified by this profile/);
  });

  it("a name the profile does not offer is badCertTemplate naming what is offered, nothing stored", async () => {
    expectRefusal(await ir([certProfile(["code-signing"])]), "ip", "badCertTemplate", /certificate profile "code-signing" is not offered by profile "default" \(it offers tls-server, tls-client\)/);
  });

  it("two names for one CertReqMsg are badRequest (\"MUST NOT contain more certificate profile names than ... CertReqMsg\"), nothing stored", async () => {
    expectRefusal(await ir([certProfile(["tls-client", "tls-server"])]), "ip", "badRequest", /names 2 certificate profiles, but an ir with 1 request allows at most 1/);
  });

  it("id-it-certProfile twice is badRequest", async () => {
    expectRefusal(await ir([certProfile(["tls-client"]), certProfile(["tls-client"])]), "ip", "badRequest", /id-it-certProfile more than once/);
  });

  it("a value that is absent, empty or no SEQUENCE OF UTF8String is badDataFormat", async () => {
    expectRefusal(await ir([certProfile(null)]), "ip", "badDataFormat", /id-it-certProfile in generalInfo has no value/);
    expectRefusal(await ir([certProfile([])]), "ip", "badDataFormat", /id-it-certProfile is empty/);
    expectRefusal(await ir([certProfile(Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x01))]), "ip", "badDataFormat", /not a CertProfileValue/);
    expectRefusal(await ir([certProfile(Uint8Array.of(0x0c, 0x01, 0x41))]), "ip", "badDataFormat", /not a CertProfileValue/);
  });

  it("a single certificate block is one certificate profile named after the CMP profile (backward compatible)", async () => {
    expect(issued(await ir([certProfile(["single"])], "single")).days).toBe(7);
    expectRefusal(await ir([certProfile(["tls-client"])], "single"), "ip", "badCertTemplate", /certificate profile "tls-client" is not offered by profile "single" \(it offers single\)/);
  });
});

describe("a kur that names no certificate profile keeps the updated certificate's (RFC 9483 §4.1.3)", () => {
  it("a tls-client certificate updated by kur without certProfile is tls-client again, not the default tls-server", async () => {
    const key = await newKey();
    const implicit = new InfoTypeAndValue({ infoType: id_it_implicitConfirm, infoValue: Uint8Array.of(0x05, 0x00).buffer });
    const first = await c.send(await c.request(await certRequestBody("ir", { key, subject: "CN=updater" }), { header: { generalInfo: [certProfile(["tls-client"]), implicit] } }));
    expect(issued(first).eku).toEqual(["1.3.6.1.5.5.7.3.2"]);
    const protection = outgoingProtection({ signature: { signer: key, certificates: [issuedCertificate(first)!] } }, (n) => crypto.getRandomValues(new Uint8Array(n)));
    const kur = async (generalInfo: InfoTypeAndValue[]) => c.send(await c.request(await certRequestBody("kur", { subject: "CN=updater" }), { protection, header: { generalInfo: [...generalInfo, implicit] } }));
    const kept = await kur([]);
    expect([kept.type, kept.status], kept.statusString).toEqual(["kup", PKIStatus.accepted]);
    const tbs = AsnConvert.parse(issuedCertificate(kept)!, Certificate).tbsCertificate;
    expect([...AsnConvert.parse(tbs.extensions!.find((e) => e.extnID === id_ce_extKeyUsage)!.extnValue, ExtendedKeyUsage)]).toEqual(["1.3.6.1.5.5.7.3.2"]);
    expect(await recordOf(kept)).toMatchObject({ certificateProfile: "tls-client", supersedes: expect.any(String) });
  });
});

describe("RFC 9810 §5.1.1.4 certProfile in a p10cr: one name at most", () => {
  it("one name selects the profile", async () => {
    const answer = await c.send(await c.request(await p10crRequestBody(), { header: { generalInfo: [certProfile(["tls-client"])] } }));
    expect(answer.type).toBe("cp");
    const tbs = AsnConvert.parse(issuedCertificate(answer)!, Certificate).tbsCertificate;
    expect([...AsnConvert.parse(tbs.extensions!.find((e) => e.extnID === id_ce_extKeyUsage)!.extnValue, ExtendedKeyUsage)]).toEqual(["1.3.6.1.5.5.7.3.2"]);
  });

  it("two names are badRequest (\"MUST NOT contain multiple certificate profile names\"), nothing stored", async () => {
    const answer = await c.send(await c.request(await p10crRequestBody(), { header: { generalInfo: [certProfile(["tls-client", "tls-client"])] } }));
    expectRefusal(answer, "cp", "badRequest", /names 2 certificate profiles, but a p10cr with 1 request allows at most 1/);
  });
});

describe("RFC 9483 §4.3.3 certReqTemplate for the certificate profile named in generalInfo", () => {
  async function template(names: string[] | null, items: string[] = [id_it_certReqTemplate]): Promise<Answer> {
    return c.send(await c.request(genmBody(items), { header: { generalInfo: names ? [certProfile(names)] : [] } }));
  }
  function templateOf(answer: Answer, index = 0): { eku: string[]; keySpec: string[] } {
    expect(answer.type, answer.statusString).toBe("genp");
    const item = [...answer.message.body.genp!][index]!;
    expect(item.infoType).toBe(id_it_certReqTemplate);
    const content = AsnConvert.parse(item.infoValue!, CertReqTemplateContent);
    const eku = content.certTemplate.extensions?.find((e) => e.extnID === id_ce_extKeyUsage);
    return {
      eku: eku ? [...AsnConvert.parse(eku.extnValue, ExtendedKeyUsage)] : [],
      keySpec: [...(content.keySpec ?? [])].map((control) => (control.type === id_regCtrl_algId ? AsnConvert.parse(control.value, AlgorithmIdentifier).algorithm : control.type)),
    };
  }

  it("tls-client's template: its EKU and P-256 only; the default's: serverAuth and every key type", async () => {
    const client = templateOf(await template(["tls-client"]));
    expect(client).toEqual({ eku: ["1.3.6.1.5.5.7.3.2"], keySpec: ["1.2.840.10045.2.1"] });
    const server = templateOf(await template(null));
    expect(server.eku).toEqual(["1.3.6.1.5.5.7.3.1"]);
    expect(server.keySpec.length).toBeGreaterThan(1);
  });

  it("the names relate to the InfoTypeAndValues in order: [\"\", tls-client] for [caCerts, certReqTemplate]", async () => {
    const answer = await template(["", "tls-client"], [id_it_caCerts, id_it_certReqTemplate]);
    expect(templateOf(answer, 1).eku).toEqual(["1.3.6.1.5.5.7.3.2"]);
  });

  it("a name not offered is badCertTemplate, more names than InfoTypeAndValues badRequest; nothing stored", async () => {
    expectRefusal(await template(["nope"]), "error", "badCertTemplate", /certificate profile "nope" is not offered/);
    expectRefusal(await template(["tls-client", "tls-server"]), "error", "badRequest", /names 2 certificate profiles, but a genm with 1 InfoTypeAndValue allows at most 1/);
  });

  it("copying the template's EKU into the request is granted as asked (accepted, not grantedWithMods)", async () => {
    const asked = AsnConvert.parse([...(await template(["tls-client"])).message.body.genp!][0]!.infoValue!, CertReqTemplateContent).certTemplate.extensions!;
    const body = await certRequestBody("ir", { extensions: [...asked] });
    const answer = await c.send(await c.request(body, { header: { generalInfo: [certProfile(["tls-client"])] } }));
    expect(answer.status, answer.statusString).toBe(PKIStatus.accepted);
  });
});

describe("a held request keeps the certificate profile it named until it is approved", () => {
  it("approved and polled: issued under tls-client", async () => {
    const request = await c.request(await certRequestBody("ir"), { header: { generalInfo: [certProfile(["tls-client"])] } });
    const waiting = await c.send(request, "approval");
    expect(waiting.status).toBe(PKIStatus.waiting);
    const pending = (await listPendingRequests(c.target.store, "pending")).find((p) => p.transactionKey.endsWith(Buffer.from(AsnConvert.parse(request, PKIMessage).header.transactionID!).toString("hex")))!;
    expect(pending).toMatchObject({ certificateProfile: "tls-client" });
    await decidePendingRequest(c.target.store, pending.id, "approved", undefined, new Date());
    const sent = AsnConvert.parse(request, PKIMessage).header;
    const poll = new Uint8Array(AsnConvert.serialize(new PKIBody({ pollReq: new PollReqContent([new PollReq({ certReqId: 0 })]) })));
    const answer = await c.send(
      await c.request(poll, { header: { transactionID: new Uint8Array(sent.transactionID!), recipNonce: new Uint8Array(waiting.message.header.senderNonce!) } }),
      "approval",
    );
    expect(issued(answer)).toEqual({ days: 30, eku: ["1.3.6.1.5.5.7.3.2"] });
  });
});



