import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Attributes, CertificationRequest, CertificationRequestInfo } from "@peculiar/asn1-csr";
import { AsnConvert, OctetString } from "@peculiar/asn1-schema";
import {
  Attribute,
  BasicConstraints,
  Certificate,
  ExtendedKeyUsage,
  Extension,
  Extensions,
  GeneralName,
  GeneralNames,
  KeyUsage,
  KeyUsageFlags,
  SubjectPublicKeyInfo,
  Time,
  id_ce_basicConstraints,
  id_ce_extKeyUsage,
  id_ce_keyUsage,
  id_ce_subjectAltName,
} from "@peculiar/asn1-x509";
import { OptionalValidity } from "../../src/asn1/cert_template.js";
import { PKIBody } from "../../src/asn1/pki_body.js";
import { PKIMessage } from "../../src/asn1/pki_message.js";
import { PollReq, PollReqContent } from "../../src/asn1/poll.js";
import { encodeAlgorithm } from "../../src/ca/issuer.js";
import { signCertificate } from "../../src/ca/signed_certificate.js";
import { decidePendingRequest, listPendingRequests, pendingKey, type PendingRequest } from "../../src/cmp/pending_request.js";
import type { LocalSigner } from "../../src/kms/local.js";
import {
  PKIStatus,
  SUBJECT,
  certRequestBody,
  conformance,
  issuedCertificate,
  nameOf,
  newKey,
  type Answer,
  type CertRequestParts,
  type Conformance,
  expectRefusal,
} from "./harness.js";

// RFC 9483 §4.1.1 / RFC 9810 §5.2.3: a certificate is `accepted` when it
// carries what the template asked for, and `grantedWithMods` only when
// something asked for was changed or left out, the statusString saying what
// (src/ca/template_modifications.ts). The default profile issues keyUsage by
// key type (RSA digitalSignature + keyEncipherment, EC digitalSignature),
// extendedKeyUsage clientAuth + serverAuth, basicConstraints cA FALSE and
// 365 days of validity.

const CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
const SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
const id_extensionRequest = "1.2.840.113549.1.9.14";

let c: Conformance;
let ecKey: LocalSigner;
let rsaKey: LocalSigner;
beforeAll(async () => {
  c = await conformance();
  ecKey = await newKey("P-256");
  rsaKey = await newKey("RSA-2048");
});

function extension(extnID: string, value: object, critical = false): Extension {
  return new Extension({ extnID, critical, extnValue: new OctetString(AsnConvert.serialize(value)) });
}
const keyUsage = (flags: number) => extension(id_ce_keyUsage, new KeyUsage(flags), true);
const eku = (...purposes: string[]) => extension(id_ce_extKeyUsage, new ExtendedKeyUsage(purposes));
const endEntity = (value = new BasicConstraints({ cA: false })) => extension(id_ce_basicConstraints, value, true);
const san = (...names: string[]) => extension(id_ce_subjectAltName, new GeneralNames(names.map((dNSName) => new GeneralName({ dNSName }))));
const unknown = () => new Extension({ extnID: "1.2.3.4", critical: false, extnValue: new OctetString(Uint8Array.of(0x05, 0x00)) });
const DS = KeyUsageFlags.digitalSignature;
const KE = KeyUsageFlags.keyEncipherment;

/** ir with these extensions (and template changes), MAC-protected. */
async function ir(key: LocalSigner, extensions: Extension[], template?: CertRequestParts["template"]): Promise<Answer> {
  // An Extensions instance (an Array the schema library can encode), which the harness passes on as it is.
  return c.send(await c.request(await certRequestBody("ir", { key, extensions: new Extensions(extensions), template })));
}

/** The issued certificate's extensions by OID, parsed from the DER the client receives. */
function certificateExtensions(answer: Answer): Map<string, Extension> {
  const der = issuedCertificate(answer);
  expect(der).toBeDefined();
  const extensions = AsnConvert.parse(der!, Certificate).tbsCertificate.extensions ?? [];
  return new Map(extensions.map((e) => [e.extnID, e]));
}

function keyUsageOf(answer: Answer): string[] {
  const value = certificateExtensions(answer).get(id_ce_keyUsage);
  if (!value) return [];
  const flags = AsnConvert.parse(value.extnValue.buffer, KeyUsage).toNumber();
  return (["digitalSignature", "nonRepudiation", "keyEncipherment", "dataEncipherment", "keyAgreement"] as const).filter((name) => flags & KeyUsageFlags[name]);
}

function expectAccepted(answer: Answer): void {
  expect(answer.type).toBe("ip");
  expect(answer.failInfo).toEqual([]);
  expect(answer.statusString).toBe("");
  expect(answer.status).toBe(PKIStatus.accepted);
}

function expectGrantedWithMods(answer: Answer, statusString: string): void {
  expect(answer.type).toBe("ip");
  expect(answer.failInfo).toEqual([]);
  expect(answer.statusString).toBe(statusString);
  expect(answer.status).toBe(PKIStatus.grantedWithMods);
}

function expectRejected(answer: Answer, statusString: RegExp): void {
  expectRefusal(answer, "ip", "badCertTemplate", statusString);
}

describe("RFC 9483 §4.1.1: accepted when the certificate carries what was asked", () => {
  it("a template asking nothing beyond subject and key (openssl cmp's usual ir) is accepted; an EC key gets keyUsage digitalSignature", async () => {
    const answer = await ir(ecKey, []);
    expectAccepted(answer);
    expect(keyUsageOf(answer)).toEqual(["digitalSignature"]);
  });

  it("EC key asking keyUsage digitalSignature: accepted, the certificate has exactly that", async () => {
    const answer = await ir(ecKey, [keyUsage(DS)]);
    expectAccepted(answer);
    expect(keyUsageOf(answer)).toEqual(["digitalSignature"]);
    expect(certificateExtensions(answer).get(id_ce_keyUsage)!.critical).toBe(true);
  });

  it("RSA key asking keyUsage digitalSignature + keyEncipherment: accepted, the certificate has exactly those", async () => {
    const answer = await ir(rsaKey, [keyUsage(DS | KE)]);
    expectAccepted(answer);
    expect(keyUsageOf(answer)).toEqual(["digitalSignature", "keyEncipherment"]);
  });

  it("extendedKeyUsage clientAuth + serverAuth (the profile's): accepted", async () => {
    const answer = await ir(ecKey, [eku(CLIENT_AUTH, SERVER_AUTH)]);
    expectAccepted(answer);
    expect([...AsnConvert.parse(certificateExtensions(answer).get(id_ce_extKeyUsage)!.extnValue.buffer, ExtendedKeyUsage)]).toEqual([CLIENT_AUTH, SERVER_AUTH]);
  });

  it("basicConstraints cA FALSE, given or by default: accepted, the certificate is an end entity's", async () => {
    for (const value of [new BasicConstraints({ cA: false }), new BasicConstraints()]) {
      const answer = await ir(ecKey, [endEntity(value)]);
      expectAccepted(answer);
      expect(AsnConvert.parse(certificateExtensions(answer).get(id_ce_basicConstraints)!.extnValue.buffer, BasicConstraints).cA).toBe(false);
    }
  });

  it("subjectAltName: accepted, the certificate carries the names", async () => {
    const answer = await ir(ecKey, [san("device.example", "alt.example")]);
    expectAccepted(answer);
    const names = AsnConvert.parse(certificateExtensions(answer).get(id_ce_subjectAltName)!.extnValue.buffer, GeneralNames);
    expect(names.map((name) => name.dNSName)).toEqual(["device.example", "alt.example"]);
  });

  it("the strict client's whole template (keyUsage, extendedKeyUsage, basicConstraints, subjectAltName): accepted", async () => {
    expectAccepted(await ir(rsaKey, [keyUsage(DS | KE), eku(CLIENT_AUTH, SERVER_AUTH), endEntity(), san("device.example")]));
    expectAccepted(await ir(ecKey, [keyUsage(DS), eku(CLIENT_AUTH, SERVER_AUTH), endEntity(), san("device.example")]));
  });
});

describe("RFC 9810 §5.2.3: grantedWithMods names every difference", () => {
  it("an extension the CA does not issue is left out and named", async () => {
    const answer = await ir(ecKey, [unknown()]);
    expectGrantedWithMods(answer, "granted with modifications: extension 1.2.3.4 not granted");
    expect(certificateExtensions(answer).has("1.2.3.4")).toBe(false);
  });

  it("a validity the CA changes is named with what was asked", async () => {
    const answer = await ir(ecKey, [], (template) => {
      template.validity = new OptionalValidity({ notBefore: new Time(new Date("2026-01-01T00:00:00Z")), notAfter: new Time(new Date("2030-01-01T00:00:00Z")) });
    });
    expectGrantedWithMods(answer, "granted with modifications: validity set to 365 days (asked 2026-01-01T00:00:00Z..2030-01-01T00:00:00Z)");
    const validity = AsnConvert.parse(issuedCertificate(answer)!, Certificate).tbsCertificate.validity;
    expect(validity.notAfter.getTime().getTime() - validity.notBefore.getTime().getTime()).toBe((365 * 86400 + 60) * 1000);
  });

  it("EC key asking keyEncipherment (RFC 5480 §3): granted without it, and said so", async () => {
    const answer = await ir(ecKey, [keyUsage(DS | KE)]);
    expectGrantedWithMods(answer, "granted with modifications: keyUsage keyEncipherment not granted for an EC key");
    expect(keyUsageOf(answer)).toEqual(["digitalSignature"]);
  });

  it("RSA key asking digitalSignature alone gets keyEncipherment too, which is named", async () => {
    const answer = await ir(rsaKey, [keyUsage(DS)]);
    expectGrantedWithMods(answer, "granted with modifications: keyUsage keyEncipherment added");
    expect(keyUsageOf(answer)).toEqual(["digitalSignature", "keyEncipherment"]);
  });

  it("every modification in one statusString", async () => {
    const answer = await ir(ecKey, [keyUsage(DS | KE), eku(CLIENT_AUTH), unknown()]);
    expectGrantedWithMods(
      answer,
      "granted with modifications: keyUsage keyEncipherment not granted for an EC key; extendedKeyUsage serverAuth added; extension 1.2.3.4 not granted",
    );
  });
});

describe("templates refused with badCertTemplate, nothing stored", () => {
  it("basicConstraints cA TRUE: this CA issues end-entity certificates only", async () => {
    expectRejected(await ir(ecKey, [endEntity(new BasicConstraints({ cA: true }))]), /basicConstraints cA TRUE asked: this CA issues end-entity certificates only/);
  });

  it("one extension asked twice (RFC 5280 §4.2)", async () => {
    expectRejected(await ir(ecKey, [keyUsage(DS), keyUsage(DS)]), /asks for extension 2\.5\.29\.15 more than once/);
  });

  it("a malformed keyUsage", async () => {
    const malformed = new Extension({ extnID: id_ce_keyUsage, critical: true, extnValue: new OctetString(Uint8Array.of(0x05, 0x00)) });
    expectRejected(await ir(ecKey, [malformed]), /the keyUsage extension is malformed/);
  });
});

/** A p10cr whose CSR asks for these extensions through extensionRequest (RFC 2985 §5.4.2). */
async function p10cr(key: LocalSigner, extensions: Extension[]): Promise<Answer> {
  const info = new CertificationRequestInfo({
    version: 0,
    subject: nameOf(SUBJECT),
    subjectPKInfo: AsnConvert.parse(key.publicKey, SubjectPublicKeyInfo),
    attributes: new Attributes([
      new Attribute({ type: id_extensionRequest, values: [AsnConvert.serialize(new Extensions(extensions))] }),
    ]),
  });
  const csr = await signCertificate(key, encodeAlgorithm(key.algorithm), new Uint8Array(AsnConvert.serialize(info)));
  const body = new PKIBody({ p10cr: AsnConvert.parse(csr, CertificationRequest) });
  return c.send(await c.request(new Uint8Array(AsnConvert.serialize(body))));
}

describe("p10cr: the CSR's extensionRequest is compared the same way (RFC 9483 §4.1.4)", () => {
  it("keyUsage, extendedKeyUsage, basicConstraints and subjectAltName as the profile gives them: accepted", async () => {
    const answer = await p10cr(ecKey, [keyUsage(DS), eku(CLIENT_AUTH, SERVER_AUTH), endEntity(), san("device.example")]);
    expect(answer.type).toBe("cp");
    expect(answer.status).toBe(PKIStatus.accepted);
    expect(answer.statusString).toBe("");
    expect(answer.message.body.cp!.response[0]!.certReqId).toBe(-1);
  });

  it("keyEncipherment for an EC key and an unknown extension: grantedWithMods naming both, certificate without them", async () => {
    const answer = await p10cr(ecKey, [keyUsage(DS | KE), unknown()]);
    expect(answer.type).toBe("cp");
    expect(answer.status).toBe(PKIStatus.grantedWithMods);
    expect(answer.statusString).toBe("granted with modifications: keyUsage keyEncipherment not granted for an EC key; extension 1.2.3.4 not granted");
    expect(keyUsageOf(answer)).toEqual(["digitalSignature"]);
    expect(certificateExtensions(answer).has("1.2.3.4")).toBe(false);
  });
});

describe("a delayed delivery (approval, then pollReq) answers the status decided when the request came", () => {
  async function waitingThenDelivered(change?: (pending: PendingRequest) => PendingRequest): Promise<Answer> {
    const request = await c.request(await certRequestBody("ir", { key: ecKey, extensions: new Extensions([unknown()]) }));
    const waiting = await c.send(request, "approval");
    expect(waiting.status).toBe(PKIStatus.waiting);
    const [pending] = (await listPendingRequests(c.target.store, "pending")) as PendingRequest[];
    expect(pending!.modifications).toEqual(["extension 1.2.3.4 not granted"]);
    if (change) await c.target.store.put(pendingKey(pending!.id), change(pending!));
    await decidePendingRequest(c.target.store, pending!.id, "approved", undefined, new Date());
    const sent = AsnConvert.parse(request, PKIMessage).header;
    const poll = new Uint8Array(AsnConvert.serialize(new PKIBody({ pollReq: new PollReqContent([new PollReq({ certReqId: 0 })]) })));
    return c.send(
      await c.request(poll, {
        header: { transactionID: new Uint8Array(sent.transactionID!), recipNonce: new Uint8Array(waiting.message.header.senderNonce!) },
      }),
      "approval",
    );
  }

  it("grantedWithMods with the same statusString", async () => {
    c.target.reset();
    expectGrantedWithMods(await waitingThenDelivered(), "granted with modifications: extension 1.2.3.4 not granted");
  });

  it("a pending record stored before the texts were kept (modified: true) still loads: grantedWithMods", async () => {
    c.target.reset();
    const answer = await waitingThenDelivered(({ modifications: _, ...old }) => ({ ...old, modified: true }));
    expectGrantedWithMods(answer, "granted with modifications: some of what was asked (validity or extensions) was not granted as asked");
  });

  it("and one with modified: false is accepted", async () => {
    c.target.reset();
    expectAccepted(await waitingThenDelivered(({ modifications: _, ...old }) => ({ ...old, modified: false })));
  });
});

describe("keyUsageOverride (EJBCA's Allow Key Usage Override): the template's keyUsage, less what the key cannot have", () => {
  const KA = KeyUsageFlags.keyAgreement;
  let o: Conformance;
  beforeEach(async () => {
    o = await conformance({
      default: {},
      override: { certificate: { keyUsageOverride: true } },
      held: { certificate: { keyUsageOverride: true }, approval: { hold: "all", checkAfterSeconds: 1 } },
    });
  });
  const irTo = async (profile: string, key: LocalSigner, flags: number) =>
    o.send(await o.request(await certRequestBody("ir", { key, extensions: new Extensions([keyUsage(flags)]) })), profile);
  const keyUsageIn = (answer: Answer) => {
    const der = issuedCertificate(answer)!;
    const value = AsnConvert.parse(der, Certificate).tbsCertificate.extensions!.find((e) => e.extnID === id_ce_keyUsage)!;
    const flags = AsnConvert.parse(value.extnValue.buffer, KeyUsage).toNumber();
    return (["digitalSignature", "nonRepudiation", "keyEncipherment", "dataEncipherment", "keyAgreement"] as const).filter((name) => flags & KeyUsageFlags[name]);
  };

  it("an EC key asking digitalSignature + keyAgreement gets exactly that: accepted", async () => {
    const answer = await irTo("override", await newKey("P-256"), DS | KA);
    expect([answer.type, answer.status, answer.statusString]).toEqual(["ip", PKIStatus.accepted, ""]);
    expect(keyUsageIn(answer)).toEqual(["digitalSignature", "keyAgreement"]);
  });

  it("without the override the profile decides: the same request is grantedWithMods, keyAgreement not granted", async () => {
    const answer = await irTo("default", await newKey("P-256"), DS | KA);
    expect([answer.type, answer.status]).toEqual(["ip", PKIStatus.grantedWithMods]);
    expect(answer.statusString).toContain("keyAgreement");
    expect(keyUsageIn(answer)).toEqual(["digitalSignature"]);
  });

  it("an EC key asking keyEncipherment too: granted without it (RFC 5480 §3), grantedWithMods saying so", async () => {
    const answer = await irTo("override", await newKey("P-256"), DS | KE);
    expect([answer.type, answer.status]).toEqual(["ip", PKIStatus.grantedWithMods]);
    expect(answer.statusString).toMatch(/keyEncipherment not granted for an EC key/);
    expect(keyUsageIn(answer)).toEqual(["digitalSignature"]);
  });

  it("an EC key asking only keyEncipherment: ip rejection badCertTemplate, nothing stored", async () => {
    const answer = await irTo("override", await newKey("P-256"), KE);
    expectRefusal(answer, "ip", "badCertTemplate", /requested keyUsage \(keyEncipherment\) has nothing an EC key may do/);
  });

  it("a request that waits for approval is issued with the keyUsage it chose", async () => {
    const request = await o.request(await certRequestBody("ir", { key: await newKey("P-256"), extensions: new Extensions([keyUsage(DS | KA)]) }));
    const waiting = await o.send(request, "held");
    expect(waiting.status).toBe(PKIStatus.waiting);
    const [pending] = await listPendingRequests(o.target.store, "pending");
    await decidePendingRequest(o.target.store, pending!.id, "approved", undefined, new Date());
    const sent = AsnConvert.parse(request, PKIMessage).header;
    const poll = new Uint8Array(AsnConvert.serialize(new PKIBody({ pollReq: new PollReqContent([new PollReq({ certReqId: 0 })]) })));
    const ip = await o.send(
      await o.request(poll, { header: { transactionID: new Uint8Array(sent.transactionID!), recipNonce: new Uint8Array(waiting.message.header.senderNonce!) } }),
      "held",
    );
    expect([ip.type, ip.status]).toEqual(["ip", PKIStatus.accepted]);
    expect(keyUsageIn(ip)).toEqual(["digitalSignature", "keyAgreement"]);
  });
});

describe("keyUsageOverride never grants keyCertSign (RFC 5280 §4.2.1.9: it needs cA TRUE)", () => {
  it("a key asking digitalSignature + keyCertSign gets digitalSignature: grantedWithMods naming keyCertSign", async () => {
    const o = await conformance({ override: { certificate: { keyUsageOverride: true } } });
    const answer = await o.send(
      await o.request(await certRequestBody("ir", { key: await newKey("P-256"), extensions: new Extensions([keyUsage(DS | KeyUsageFlags.keyCertSign)]) })),
      "override",
    );
    expect([answer.type, answer.status]).toEqual(["ip", PKIStatus.grantedWithMods]);
    expect(answer.statusString).toContain("keyCertSign not granted");
    const value = AsnConvert.parse(issuedCertificate(answer)!, Certificate).tbsCertificate.extensions!.find((e) => e.extnID === id_ce_keyUsage)!;
    expect(AsnConvert.parse(value.extnValue.buffer, KeyUsage).toNumber()).toBe(DS);
  });
});
