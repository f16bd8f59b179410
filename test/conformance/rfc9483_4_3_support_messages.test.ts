import { AsnConvert } from "@peculiar/asn1-schema";
import { AlgorithmIdentifier, Certificate, CertificateList, DistributionPointName, GeneralName, GeneralNames, Time } from "@peculiar/asn1-x509";
import { beforeAll, describe, expect, it } from "vitest";
import { decodeCertificatesPem } from "../../src/asn1/pem.js";
import { RootCaKeyUpdateContent } from "../../src/asn1/announcement_content.js";
import { CMPCertificates, CertificateLists } from "../../src/asn1/cmp_certificates.js";
import { AlgorithmIdentifiers, CertReqTemplateContent, CRLSource, CRLStatus, CRLStatusList, ObjectIdentifiers } from "../../src/asn1/general_message_values.js";
import * as oids from "../../src/asn1/oids.js";
import { PKIHeader } from "../../src/asn1/pki_header.js";
import { PKIMessage } from "../../src/asn1/pki_message.js";
import { genmBody, type InfoItem } from "../../src/client/general_message.js";
import { isMacProtection } from "../../src/crypto/mac_protection.js";
import { OID } from "../../src/crypto/algorithms.js";
import { material } from "../../fuzz/target.js";
import { makeRootRollover, type RootRollover } from "../support/root_rollover.js";
import { conformance, expectRefusal, nameOf, type Answer, type Conformance } from "./harness.js";

// RFC 9483 §4.3 support messages (and RFC 9810 §5.3.19's currentCRL and
// signKeyPairTypes): a genm, MAC- or signature-protected, answered by one
// genp with one InfoTypeAndValue per question. Refusals are `error` with
// one failInfo bit, nothing stored.

const der = (value: { serialize?: never } | object) => new Uint8Array(AsnConvert.serialize(value));

/** The genp's items as the client reads them. */
function itemsOf(answer: Answer): { infoType: string; infoValue?: Uint8Array }[] {
  expect(answer.httpStatus).toBe(200);
  expect(answer.type, answer.statusString).toBe("genp");
  return [...answer.message.body.genp!].map((itav) => ({ infoType: itav.infoType, infoValue: itav.infoValue ? new Uint8Array(itav.infoValue) : undefined }));
}

async function ask(c: Conformance, items: (string | InfoItem)[], protection: "mac" | "signature" = "mac"): Promise<Answer> {
  return c.send(await c.request(genmBody(items), { protection }));
}

function crlStatusList(statuses: CRLStatus[]): InfoItem {
  return { infoType: oids.id_it_crlStatusList, infoValue: der(new CRLStatusList(statuses)) };
}

function byIssuer(c: Conformance, thisUpdate?: Date): CRLStatus {
  return new CRLStatus({ source: new CRLSource({ issuer: new GeneralNames([new GeneralName({ directoryName: c.caName })]) }), thisUpdate: thisUpdate ? new Time(thisUpdate) : undefined });
}

function byUrl(url: string, thisUpdate?: Date): CRLStatus {
  const dpn = new DistributionPointName({ fullName: [new GeneralName({ uniformResourceIdentifier: url })] });
  return new CRLStatus({ source: new CRLSource({ dpn }), thisUpdate: thisUpdate ? new Time(thisUpdate) : undefined });
}

const BASE_URL = "https://ca.example.test";

/** The engine's config with a publication base URL (and whatever else the test sets). */
function withConfig(c: Conformance, change: Partial<Conformance["target"]["context"]["config"]>): void {
  c.target.context.config = { ...c.target.context.config, ...change };
}

async function crlUrl(c: Conformance): Promise<string> {
  const { prepareIssuer } = await import("../../src/ca/issuer.js");
  const { publicationUrls } = await import("../../src/crl/publication_urls.js");
  return publicationUrls(BASE_URL, (await prepareIssuer(c.target.context.ca)).keyIdentifier).crl;
}

describe("RFC 9483 §4.3: genm is answered with genp", () => {
  for (const protection of ["mac", "signature"] as const) {
    it(`${protection}-protected: protected the same way, same transactionID, recipNonce = the request's senderNonce`, async () => {
      const c = await conformance();
      const request = await c.request(genmBody([oids.id_it_caCerts]), { protection });
      const sent = AsnConvert.parse(request, PKIMessage).header;
      const answer = await c.send(request);
      const items = itemsOf(answer);
      expect(items.map((item) => item.infoType)).toEqual([oids.id_it_caCerts]);
      const header = answer.message.header;
      expect(header.transactionID).toEqual(sent.transactionID);
      expect(header.recipNonce).toEqual(sent.senderNonce);
      expect(header.senderNonce?.byteLength).toBe(16);
      expect(answer.message.protection).toBeDefined();
      expect(isMacProtection(header.protectionAlg!)).toBe(protection === "mac");
      // One closed transaction: the transactionID cannot be reused.
      expect(answer.changed).toHaveLength(1);
      expect(answer.changed[0]).toMatch(/^txn\//);
    });
  }

  it("an unprotected genm is refused before anything is answered", async () => {
    const c = await conformance();
    const message = AsnConvert.parse(await c.request(genmBody([oids.id_it_caCerts])), PKIMessage);
    const header = AsnConvert.parse(AsnConvert.serialize(message.header), PKIHeader);
    header.protectionAlg = undefined;
    header.senderKID = undefined;
    const unprotected = new PKIMessage({ header, body: message.body });
    const answer = await c.send(der(unprotected));
    expect(answer.type).toBe("error");
    expect(answer.failInfo).toEqual(["badMessageCheck"]);
    expect(answer.changed).toEqual([]);
  });

  it("a replay of the same genm is transactionIdInUse; a repeat with a fresh senderNonce is answered again", async () => {
    const c = await conformance();
    const first = await c.request(genmBody([oids.id_it_caCerts]));
    itemsOf(await c.send(first));
    expectRefusal(await c.send(first), "error", "transactionIdInUse", /transactionID is already in use/);
    const transactionID = AsnConvert.parse(first, PKIMessage).header.transactionID!;
    const repeat = await c.request(genmBody([oids.id_it_caCerts]), { header: { transactionID: new Uint8Array(transactionID) } });
    expect(itemsOf(await c.send(repeat)).map((item) => item.infoType)).toEqual([oids.id_it_caCerts]);
  });

  it("more than 10 InfoTypeAndValues are badRequest", async () => {
    const c = await conformance();
    expectRefusal(await ask(c, Array(11).fill(oids.id_it_caCerts)), "error", "badRequest", /at most 10 InfoTypeAndValues, not 11/);
  });

  it("an infoType not served is named in id-it-unsupportedOIDs (RFC 9810 §5.3.19.7); the others are answered", async () => {
    const c = await conformance();
    const items = itemsOf(await ask(c, [oids.id_it_caProtEncCert, oids.id_it_caCerts, "1.2.3.4", oids.id_it_caProtEncCert]));
    expect(items.map((item) => item.infoType)).toEqual([oids.id_it_caCerts, oids.id_it_unsupportedOIDs]);
    expect([...AsnConvert.parse(items[1]!.infoValue!, ObjectIdentifiers)]).toEqual([oids.id_it_caProtEncCert, "1.2.3.4"]);
  });

  it("an infoType OID with an arc too large to write back is badDataFormat, not echoed broken (a fuzzer finding)", async () => {
    const c = await conformance();
    const oid = [0x06, 0x0e, 0x2a, ...Array(12).fill(0xff), 0x7f];
    const body = Uint8Array.of(0xb5, 0x14, 0x30, 0x12, 0x30, 0x10, ...oid);
    expectRefusal(await c.send(await c.request(body)), "error", "badDataFormat", /an infoType is not a valid OBJECT IDENTIFIER/);
  });

  it("an empty genm (\"the CA may send any/all information that it wishes\") gets the CA certificates and key types", async () => {
    const c = await conformance();
    const { PKIBody } = await import("../../src/asn1/pki_body.js");
    const { InfoTypeAndValues } = await import("../../src/asn1/info_type_and_value.js");
    const answer = await c.send(await c.request(der(new PKIBody({ genm: new InfoTypeAndValues([]) }))));
    expect(itemsOf(answer).map((item) => item.infoType)).toEqual([oids.id_it_caCerts, oids.id_it_signKeyPairTypes]);
  });

  it("a profile that does not list genm refuses it with badRequest", async () => {
    const c = await conformance({ default: { bodyTypes: ["ir", "certConf"] } });
    expectRefusal(await ask(c, [oids.id_it_caCerts]), "error", "badRequest", /genm messages are not served by profile "default"/);
  });
});

describe("RFC 9483 §4.3.1 id-it-caCerts", () => {
  it("answers the CA certificate chain as SEQUENCE OF CMPCertificate", async () => {
    const c = await conformance();
    const [item] = itemsOf(await ask(c, [oids.id_it_caCerts], "signature"));
    const certificates = AsnConvert.parse(item!.infoValue!, CMPCertificates);
    expect(certificates.map((certificate) => der(certificate))).toEqual([c.caCertificate]);
  });

  it("a CA below a root: its certificate and intermediates, not the root (\"intermediate and issuing CA certificates\")", async () => {
    const c = await conformance();
    const [root] = decodeCertificatesPem(material("other-ca.pem"));
    const { ca } = c.target.context;
    c.target.context.ca = { ...ca, chain: [ca.certificate, root!] };
    const [item] = itemsOf(await ask(c, [oids.id_it_caCerts]));
    expect(AsnConvert.parse(item!.infoValue!, CMPCertificates).map((certificate) => der(certificate))).toEqual([c.caCertificate]);
  });

  it("a value in the request is badRequest (RFC 9483 §4.3.1: infoValue absent)", async () => {
    const c = await conformance();
    const answer = await ask(c, [{ infoType: oids.id_it_caCerts, infoValue: Uint8Array.of(0x05, 0x00) }]);
    expectRefusal(answer, "error", "badRequest", /id-it-caCerts \(1.3.6.1.5.5.7.4.17\) must be sent without infoValue/);
  });
});

describe("RFC 9483 §4.3.2 id-it-rootCaCert answered with id-it-rootCaKeyUpdate", () => {
  let rollover: RootRollover;
  beforeAll(() => {
    rollover = makeRootRollover(material("ca.pem"), material("ca.key.pem"), "/CN=Jellyfish Test CA");
  });
  const pem = (text: string) => decodeCertificatesPem(text)[0]!;
  const configured = () => ({ newWithNew: pem(rollover.newWithNew), newWithOld: pem(rollover.newWithOld), oldWithNew: pem(rollover.oldWithNew) });

  it("no rollover configured: the infoType without value", async () => {
    const c = await conformance();
    expect(itemsOf(await ask(c, [{ infoType: oids.id_it_rootCaCert, infoValue: c.caCertificate }]))).toEqual([{ infoType: oids.id_it_rootCaKeyUpdate, infoValue: undefined }]);
  });

  it("a configured rollover from the client's root: newWithNew, [0] newWithOld, [1] oldWithNew", async () => {
    const c = await conformance();
    withConfig(c, { rootCaUpdate: configured() });
    for (const protection of ["mac", "signature"] as const) {
      const [item] = itemsOf(await ask(c, [{ infoType: oids.id_it_rootCaCert, infoValue: c.caCertificate }], protection));
      expect(item!.infoType).toBe(oids.id_it_rootCaKeyUpdate);
      const content = AsnConvert.parse(item!.infoValue!, RootCaKeyUpdateContent);
      expect(der(content.newWithNew)).toEqual(configured().newWithNew);
      expect(der(content.newWithOld!)).toEqual(configured().newWithOld);
      expect(der(content.oldWithNew!)).toEqual(configured().oldWithNew);
    }
  });

  it("without oldWithOld the update of our root is answered; without oldWithNew configured, it is left out", async () => {
    const c = await conformance();
    withConfig(c, { rootCaUpdate: { ...configured(), oldWithNew: undefined } });
    const [item] = itemsOf(await ask(c, [oids.id_it_rootCaCert]));
    const content = AsnConvert.parse(item!.infoValue!, RootCaKeyUpdateContent);
    expect(der(content.newWithOld!)).toEqual(configured().newWithOld);
    expect(content.oldWithNew).toBeUndefined();
  });

  it("an oldWithOld that is not the root the rollover follows: the infoType without value", async () => {
    const c = await conformance();
    withConfig(c, { rootCaUpdate: configured() });
    const [other] = decodeCertificatesPem(material("other-ca.pem"));
    expect(itemsOf(await ask(c, [{ infoType: oids.id_it_rootCaCert, infoValue: other! }]))).toEqual([{ infoType: oids.id_it_rootCaKeyUpdate, infoValue: undefined }]);
  });

  it("an oldWithOld that is not a certificate is badDataFormat", async () => {
    const c = await conformance();
    const answer = await ask(c, [{ infoType: oids.id_it_rootCaCert, infoValue: Uint8Array.of(0x02, 0x01, 0x05) }]);
    expectRefusal(answer, "error", "badDataFormat", /the value of id-it-rootCaCert is not a DER RootCaCertValue/);
  });
});

describe("RFC 9483 §4.3.3 id-it-certReqTemplate", () => {
  it("an empty certTemplate (a profile without EKU or policies) and keySpec with one control per key type and RSA length", async () => {
    const c = await conformance({ default: { bodyTypes: ["genm"], certificate: { keyTypes: ["RSA", "Ed25519", "P-384", "P-256"], rsaMinBits: 3072, extendedKeyUsage: [] } } });
    const [item] = itemsOf(await ask(c, [oids.id_it_certReqTemplate]));
    expect(item!.infoType).toBe(oids.id_it_certReqTemplate);
    const content = AsnConvert.parse(item!.infoValue!, CertReqTemplateContent);
    expect(der(content.certTemplate)).toEqual(Uint8Array.of(0x30, 0x00));
    const controls = [...content.keySpec!].map((control) => {
      if (control.type === oids.id_regCtrl_rsaKeyLen) return `rsaKeyLen ${new Uint8Array(control.value)[2]! * 256 + new Uint8Array(control.value)[3]!}`;
      expect(control.type).toBe(oids.id_regCtrl_algId);
      const algorithm = AsnConvert.parse(control.value, AlgorithmIdentifier);
      return algorithm.parameters ? `${algorithm.algorithm} ${Buffer.from(algorithm.parameters).toString("hex")}` : algorithm.algorithm;
    });
    expect(controls).toEqual([
      `${OID.ecPublicKey} 06082a8648ce3d030107`,
      `${OID.ecPublicKey} 06052b81040022`,
      OID.ed25519,
      "rsaKeyLen 3072",
      "rsaKeyLen 4096",
    ]);
  });

  it("a value in the request is badRequest", async () => {
    const c = await conformance();
    const answer = await ask(c, [{ infoType: oids.id_it_certReqTemplate, infoValue: Uint8Array.of(0x30, 0x00) }]);
    expectRefusal(answer, "error", "badRequest", /id-it-certReqTemplate .* must be sent without infoValue/);
  });
});

describe("RFC 9810 §5.3.19.2 id-it-signKeyPairTypes", () => {
  it("the public key algorithms the profile certifies, one id-ecPublicKey per curve", async () => {
    const c = await conformance({ default: { bodyTypes: ["genm"], certificate: { keyTypes: ["RSA", "P-256"] } } });
    const [item] = itemsOf(await ask(c, [oids.id_it_signKeyPairTypes]));
    const algorithms = [...AsnConvert.parse(item!.infoValue!, AlgorithmIdentifiers)];
    expect(algorithms.map((algorithm) => algorithm.algorithm)).toEqual([OID.ecPublicKey, OID.rsaEncryption]);
    expect(Buffer.from(algorithms[0]!.parameters!).toString("hex")).toBe("06082a8648ce3d030107");
  });

  it("a value in the request is badRequest", async () => {
    const c = await conformance();
    const answer = await ask(c, [{ infoType: oids.id_it_signKeyPairTypes, infoValue: Uint8Array.of(0x04, 0x01, 0x00) }]);
    expectRefusal(answer, "error", "badRequest", /id-it-signKeyPairTypes .* must be sent without infoValue/);
  });
});

describe("RFC 9810 §5.3.19.6 id-it-currentCRL", () => {
  it("asked ten times in one genm: ten answers, one CRL", async () => {
    const c = await conformance();
    const items = itemsOf(await ask(c, Array(10).fill(oids.id_it_currentCRL)));
    expect(items).toHaveLength(10);
    expect(new Set(items.map((item) => Buffer.from(item.infoValue!).toString("hex"))).size).toBe(1);
  });

  it("answers the CA's current CRL", async () => {
    const c = await conformance();
    const [item] = itemsOf(await ask(c, [oids.id_it_currentCRL]));
    expect(item!.infoType).toBe(oids.id_it_currentCRL);
    const crl = AsnConvert.parse(item!.infoValue!, CertificateList);
    expect(der(crl.tbsCertList.issuer)).toEqual(der(c.caName));
  });

  it("a value in the request is badRequest", async () => {
    const c = await conformance();
    expectRefusal(await ask(c, [{ infoType: oids.id_it_currentCRL, infoValue: Uint8Array.of(0x05, 0x00) }]), "error", "badRequest", /must be sent without infoValue/);
  });
});

describe("RFC 9483 §4.3.4 id-it-crlStatusList answered with id-it-crls", () => {
  async function currentThisUpdate(c: Conformance): Promise<Date> {
    const [item] = itemsOf(await ask(c, [oids.id_it_currentCRL]));
    return AsnConvert.parse(item!.infoValue!, CertificateList).tbsCertList.thisUpdate.getTime();
  }

  it("by issuer name, without thisUpdate: our current CRL", async () => {
    const c = await conformance();
    const [item] = itemsOf(await ask(c, [crlStatusList([byIssuer(c)])], "signature"));
    expect(item!.infoType).toBe(oids.id_it_crls);
    const crls = AsnConvert.parse(item!.infoValue!, CertificateLists);
    expect(crls).toHaveLength(1);
    expect(der(crls[0]!.tbsCertList.issuer)).toEqual(der(c.caName));
  });

  it("the client's CRL is current: id-it-crls without value; older: the CRL", async () => {
    const c = await conformance();
    const thisUpdate = await currentThisUpdate(c);
    expect(itemsOf(await ask(c, [crlStatusList([byIssuer(c, thisUpdate)])]))).toEqual([{ infoType: oids.id_it_crls, infoValue: undefined }]);
    const [older] = itemsOf(await ask(c, [crlStatusList([byIssuer(c, new Date(thisUpdate.getTime() - 60_000))])]));
    expect(AsnConvert.parse(older!.infoValue!, CertificateLists)).toHaveLength(1);
  });

  it("by the distribution point our certificates name (publication.baseUrl)", async () => {
    const c = await conformance();
    withConfig(c, { publication: { ...c.target.context.config.publication, baseUrl: BASE_URL } });
    const [item] = itemsOf(await ask(c, [crlStatusList([byUrl(await crlUrl(c))])]));
    expect(AsnConvert.parse(item!.infoValue!, CertificateLists)).toHaveLength(1);
  });

  it("a source that is not ours is badRequest naming it: we cannot say the client's CRL of it is current", async () => {
    const c = await conformance();
    withConfig(c, { publication: { ...c.target.context.config.publication, baseUrl: BASE_URL } });
    const answer = await ask(c, [crlStatusList([byIssuer(c), byUrl("http://elsewhere.example/x.crl")])]);
    expectRefusal(answer, "error", "badRequest", /no CRL for the source distribution point "http:\/\/elsewhere.example\/x.crl"/);
    const byName = await ask(c, [crlStatusList([new CRLStatus({ source: new CRLSource({ issuer: new GeneralNames([new GeneralName({ directoryName: nameOf("CN=Someone Else") })]) }) })])]);
    expectRefusal(byName, "error", "badRequest", /no CRL for the source issuer/);
  });

  it("without its value it is badRequest; a value that does not decode, or is empty, badDataFormat", async () => {
    const c = await conformance();
    expectRefusal(await ask(c, [oids.id_it_crlStatusList]), "error", "badRequest", /id-it-crlStatusList needs its value/);
    expectRefusal(await ask(c, [{ infoType: oids.id_it_crlStatusList, infoValue: Uint8Array.of(0x02, 0x01, 0x01) }]), "error", "badDataFormat", /not a DER SEQUENCE OF CRLStatus/);
    expectRefusal(await ask(c, [{ infoType: oids.id_it_crlStatusList, infoValue: Uint8Array.of(0x30, 0x00) }]), "error", "badDataFormat", /is empty/);
  });

  it("more than 10 CRLStatus are badRequest", async () => {
    const c = await conformance();
    expectRefusal(await ask(c, [crlStatusList(Array.from({ length: 11 }, () => byIssuer(c)))]), "error", "badRequest", /at most 10 CRLStatus/);
  });
});
