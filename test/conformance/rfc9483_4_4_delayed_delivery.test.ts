import { AsnConvert } from "@peculiar/asn1-schema";
import { Certificate, CRLReason, CRLReasons, Extension, Extensions, id_ce_cRLReasons } from "@peculiar/asn1-x509";
import { OctetString } from "@peculiar/asn1-schema";
import { describe, expect, it } from "vitest";
import { CertTemplate } from "../../src/asn1/cert_template.js";
import { id_it_caCerts } from "../../src/asn1/oids.js";
import { PKIBody } from "../../src/asn1/pki_body.js";
import { PKIMessage } from "../../src/asn1/pki_message.js";
import { PollReq, PollReqContent } from "../../src/asn1/poll.js";
import { RevDetails, RevReqContent } from "../../src/asn1/revocation.js";
import { certificateKey, type CertificateRecord } from "../../src/ca/certificate_record.js";
import { serialNumberHex } from "../../src/ca/serial_number.js";
import { genmBody } from "../../src/client/general_message.js";
import { decidePendingRequest, listPendingRequests, pendingKey, type AnyPendingRequest } from "../../src/cmp/pending_request.js";
import { certRequestBody, conformance, expectRefusal, issuedCertificate, PKIStatus, type Answer, type Conformance } from "./harness.js";

// RFC 9483 §4.4 (RFC 9810 §5.3.21-22) for requests other than certificate
// requests: an rr or genm the profile holds is answered with an error
// message of status "waiting"; the client polls with pollReq certReqId -1
// and gets pollRep (certReqId -1, checkAfter) until an operator decides,
// then the final rp or genp. Nothing is revoked before the approval; a
// rejection reaches the client with its reason.

const ALL = ["ir", "cr", "kur", "p10cr", "rr", "genm", "certConf", "pollReq", "error"];
const PROFILES = {
  default: { bodyTypes: ALL },
  heldrr: { bodyTypes: ALL, approval: { revocations: "all", checkAfterSeconds: 2 } },
  ragated: { bodyTypes: ALL, ra: { macReferences: ["fixture-ref"] }, approval: { revocations: "registrationAuthority", checkAfterSeconds: 2 } },
  heldgenm: { bodyTypes: ALL, approval: { generalMessages: "all", checkAfterSeconds: 3 } },
  heldir: { bodyTypes: ALL, approval: { hold: "all", checkAfterSeconds: 4 } },
};

const reasonCode = (reason: number) =>
  new Extension({ extnID: id_ce_cRLReasons, critical: false, extnValue: new OctetString(AsnConvert.serialize(new CRLReason(reason))) });

/** rr of device0's certificate (the fixture client) with one reasonCode. */
function rrBody(c: Conformance, reason: number = CRLReasons.keyCompromise): Uint8Array {
  const tbs = AsnConvert.parse(c.clientCertificate, Certificate).tbsCertificate;
  const details = new RevDetails({ certDetails: new CertTemplate({ issuer: tbs.issuer, serialNumber: tbs.serialNumber }), crlEntryDetails: new Extensions([reasonCode(reason)]) });
  return new Uint8Array(AsnConvert.serialize(new PKIBody({ rr: new RevReqContent([details]) })));
}

function clientSerial(c: Conformance): string {
  return serialNumberHex(AsnConvert.parse(c.clientCertificate, Certificate).tbsCertificate.serialNumber);
}

async function clientRecord(c: Conformance): Promise<CertificateRecord> {
  return (await c.target.store.get<CertificateRecord>(certificateKey(clientSerial(c))))!.value;
}

/** A pollReq continuing the transaction of `request`, answering `previous` (its senderNonce as recipNonce). */
async function pollReq(c: Conformance, request: Uint8Array, previous: Answer, protection: "mac" | "signature", certReqId = -1): Promise<Uint8Array> {
  const sent = AsnConvert.parse(request, PKIMessage).header;
  const body = new Uint8Array(AsnConvert.serialize(new PKIBody({ pollReq: new PollReqContent([new PollReq({ certReqId })]) })));
  return c.request(body, { protection, header: { transactionID: new Uint8Array(sent.transactionID!), recipNonce: new Uint8Array(previous.message.header.senderNonce!) } });
}

function expectWaiting(answer: Answer): void {
  expect(answer.httpStatus).toBe(200);
  expect(answer.type, answer.statusString).toBe("error");
  expect(answer.status).toBe(PKIStatus.waiting);
  expect(answer.failInfo).toEqual([]);
  expect(answer.statusString).toMatch(/^waiting for approval: /);
  // Protected as any answer to this sender (RFC 9483 §3.2).
  expect(answer.message.protection).toBeDefined();
}

function expectPollRep(answer: Answer, checkAfter: number): void {
  expect(answer.type, answer.statusString).toBe("pollRep");
  const entries = [...answer.message.body.pollRep!];
  expect(entries.map((entry) => [entry.certReqId, entry.checkAfter])).toEqual([[-1, checkAfter]]);
  expect([...entries[0]!.reason!].join(" ")).toMatch(/waiting for approval/);
}

async function onlyPending(c: Conformance): Promise<AnyPendingRequest> {
  const pending = await listPendingRequests(c.target.store, "pending");
  expect(pending).toHaveLength(1);
  return pending[0]!;
}

describe("RFC 9483 §4.4: an rr held for approval", () => {
  it("waiting (error, status waiting); pollReq -1 gets pollRep -1; after approval the pollReq gets the rp; revoked only then", async () => {
    const c = await conformance(PROFILES);
    const request = await c.request(rrBody(c), { protection: "signature" });
    const waiting = await c.send(request, "heldrr");
    expectWaiting(waiting);
    expect(waiting.statusString).toContain('profile "heldrr" holds every revocation for approval');
    expect(waiting.changed.sort()).toEqual([expect.stringMatching(/^pending\//), expect.stringMatching(/^txn\//)]);
    expect((await clientRecord(c)).status).toBe("confirmed");
    const pending = await onlyPending(c);
    expect(pending).toMatchObject({ requestType: "rr", responseType: "rp", certReqId: -1, serial: clientSerial(c), revocationReason: 1, subjectText: "CN=device0", reason: "approval" });

    const polled = await c.send(await pollReq(c, request, waiting, "signature"), "heldrr");
    expectPollRep(polled, 2);
    expect((await clientRecord(c)).status).toBe("confirmed");

    expect(await decidePendingRequest(c.target.store, pending.id, "approved", "checked with the owner", new Date())).toMatchObject({ status: "approved" });
    expect((await clientRecord(c)).status).toBe("confirmed");
    const lastPoll = await pollReq(c, request, polled, "signature");
    const final = await c.send(lastPoll, "heldrr");
    expect(final.type, final.statusString).toBe("rp");
    // RFC 9810 §5.1.1: recipNonce is the senderNonce of the message answered, the pollReq (OpenSSL accepts it, and the first request's).
    expect(final.message.header.recipNonce).toEqual(AsnConvert.parse(lastPoll, PKIMessage).header.senderNonce);
    expect(final.status).toBe(PKIStatus.accepted);
    expect(final.statusString).toMatch(/certificate [0-9a-f]+ revoked/);
    expect(await clientRecord(c)).toMatchObject({ status: "revoked", revocationReason: 1 });
    expect((await listPendingRequests(c.target.store, "all"))[0]).toMatchObject({ status: "completed" });

    // The transaction is over: a further pollReq is refused, nothing changes (signed with the revoked certificate, which still reaches its rr's transaction).
    const late = await c.send(await pollReq(c, request, final, "signature"), "heldrr");
    expectRefusal(late, "error", "badRequest", /nothing waits in this transaction/);
    // Anything else it signs is refused: it is revoked.
    expectRefusal(await c.send(await c.request(rrBody(c), { protection: "signature" }), "heldrr"), "error", "certRevoked", /the protection certificate .* is revoked/);
  });

  it("a pollReq repeated because its rp was lost (recipNonce of the pollRep before) gets the rp again, nothing revoked twice", async () => {
    const c = await conformance(PROFILES);
    const request = await c.request(rrBody(c), { protection: "signature" });
    const waiting = await c.send(request, "heldrr");
    await decidePendingRequest(c.target.store, (await onlyPending(c)).id, "approved", undefined, new Date());
    const first = await c.send(await pollReq(c, request, waiting, "signature"), "heldrr");
    expect(first.status).toBe(PKIStatus.accepted);
    const revokedAt = (await clientRecord(c)).revokedAt;
    const again = await c.send(await pollReq(c, request, waiting, "signature"), "heldrr");
    expect(again.type, again.statusString).toBe("rp");
    expect(again.status).toBe(PKIStatus.accepted);
    expect((await clientRecord(c)).revokedAt).toBe(revokedAt);
  });

  it("rejected: the pollReq gets an rp with status rejection, notAuthorized and the operator's reason; nothing revoked", async () => {
    const c = await conformance(PROFILES);
    const request = await c.request(rrBody(c), { protection: "signature" });
    const waiting = await c.send(request, "heldrr");
    await decidePendingRequest(c.target.store, (await onlyPending(c)).id, "rejected", "not this device", new Date());
    const final = await c.send(await pollReq(c, request, waiting, "signature"), "heldrr");
    expect(final.type).toBe("rp");
    expect(final.status).toBe(PKIStatus.rejection);
    expect(final.failInfo).toEqual(["notAuthorized"]);
    expect(final.statusString).toBe("rejected by an operator: not this device");
    expect((await clientRecord(c)).status).toBe("confirmed");
  });

  it("expired undecided: rp rejection, badRequest; nothing revoked", async () => {
    const c = await conformance(PROFILES);
    const request = await c.request(rrBody(c), { protection: "signature" });
    const waiting = await c.send(request, "heldrr");
    const pending = await onlyPending(c);
    await c.target.store.put(pendingKey(pending.id), { ...pending, expiresAt: new Date(Date.now() - 1000).toISOString() });
    const final = await c.send(await pollReq(c, request, waiting, "signature"), "heldrr");
    expect(final.type).toBe("rp");
    expect(final.failInfo).toEqual(["badRequest"]);
    expect(final.statusString).toMatch(/expired before it was approved/);
    expect((await clientRecord(c)).status).toBe("confirmed");
  });

  it("pollReq certReqId 0 for a waiting rr is badCertId: the complete response is polled with -1 (RFC 9810 §5.3.22)", async () => {
    const c = await conformance(PROFILES);
    const request = await c.request(rrBody(c), { protection: "signature" });
    const waiting = await c.send(request, "heldrr");
    expectRefusal(await c.send(await pollReq(c, request, waiting, "signature", 0), "heldrr"), "error", "badCertId", /pollReq must ask for certReqId -1/);
  });

  it("an rr refused by its checks is refused at once (rp rejection), never held; nothing stored", async () => {
    const c = await conformance(PROFILES);
    const answer = await c.send(await c.request(rrBody(c, 7), { protection: "signature" }), "heldrr");
    expectRefusal(answer, "rp", "badRequest", /revocation reason 7 is not supported/);
    expect(await listPendingRequests(c.target.store, "all")).toEqual([]);
  });

  it("approval.revocations registrationAuthority: an RA's rr of another's certificate waits; the holder's own rr is carried out at once", async () => {
    const c = await conformance(PROFILES);
    const byRa = await c.send(await c.request(rrBody(c), { protection: "mac" }), "ragated");
    expectWaiting(byRa);
    expect(byRa.statusString).toContain("holds revocations requested by an RA");
    expect((await clientRecord(c)).status).toBe("confirmed");
    const own = await c.send(await c.request(rrBody(c, CRLReasons.superseded), { protection: "signature" }), "ragated");
    expect(own.type).toBe("rp");
    expect(own.status).toBe(PKIStatus.accepted);
    expect((await clientRecord(c)).status).toBe("revoked");
  });

  it("revoked meanwhile by someone else: the approved rr's rp is a rejection, certRevoked", async () => {
    const c = await conformance(PROFILES);
    const request = await c.request(rrBody(c), { protection: "signature" });
    const waiting = await c.send(request, "heldrr");
    await decidePendingRequest(c.target.store, (await onlyPending(c)).id, "approved", undefined, new Date());
    const direct = await c.send(await c.request(rrBody(c, CRLReasons.superseded), { protection: "signature" }), "default");
    expect(direct.status).toBe(PKIStatus.accepted);
    const final = await c.send(await pollReq(c, request, waiting, "signature"), "heldrr");
    expect(final.type).toBe("rp");
    expect(final.failInfo).toEqual(["certRevoked"]);
    expect(await clientRecord(c)).toMatchObject({ revocationReason: CRLReasons.superseded });
  });
});

describe("RFC 9483 §4.4 / RFC 9810 §5.3.22 example: a genm held for approval", () => {
  it("waiting; pollRep -1 with checkAfter; approved: genp answering what was asked", async () => {
    const c = await conformance(PROFILES);
    const request = await c.request(genmBody([id_it_caCerts]));
    const waiting = await c.send(request, "heldgenm");
    expectWaiting(waiting);
    expect(await onlyPending(c)).toMatchObject({ requestType: "genm", responseType: "genp", infoItems: [{ infoType: id_it_caCerts }] });
    const polled = await c.send(await pollReq(c, request, waiting, "mac"), "heldgenm");
    expectPollRep(polled, 3);
    await decidePendingRequest(c.target.store, (await onlyPending(c)).id, "approved", undefined, new Date());
    const final = await c.send(await pollReq(c, request, polled, "mac"), "heldgenm");
    expect(final.type, final.statusString).toBe("genp");
    expect([...final.message.body.genp!].map((item) => item.infoType)).toEqual([id_it_caCerts]);
  });

  it("rejected: the pollReq gets an error, notAuthorized with the reason", async () => {
    const c = await conformance(PROFILES);
    const request = await c.request(genmBody([id_it_caCerts]));
    const waiting = await c.send(request, "heldgenm");
    await decidePendingRequest(c.target.store, (await onlyPending(c)).id, "rejected", "no support messages today", new Date());
    const final = await c.send(await pollReq(c, request, waiting, "mac"), "heldgenm");
    expect(final.type).toBe("error");
    expect(final.status).toBe(PKIStatus.rejection);
    expect(final.failInfo).toEqual(["notAuthorized"]);
    expect(final.statusString).toBe("rejected by an operator: no support messages today");
  });

  it("a genm refused by its checks is refused at once, never held; nothing stored", async () => {
    const c = await conformance(PROFILES);
    const answer = await c.send(await c.request(genmBody([{ infoType: id_it_caCerts, infoValue: Uint8Array.of(0x05, 0x00) }])), "heldgenm");
    expectRefusal(answer, "error", "badRequest", /must be sent without infoValue/);
  });
});

describe("RFC 9810 §5.3.22: a waiting certificate request may be polled for the complete response, certReqId -1", () => {
  it("ip waiting; pollReq -1 gets pollRep -1; after approval pollReq -1 gets the ip with the certificate (certReqId 0)", async () => {
    const c = await conformance(PROFILES);
    const request = await c.request(await certRequestBody("ir"));
    const waiting = await c.send(request, "heldir");
    expect([waiting.type, waiting.status]).toEqual(["ip", PKIStatus.waiting]);
    const polled = await c.send(await pollReq(c, request, waiting, "mac"), "heldir");
    expectPollRep(polled, 4);
    await decidePendingRequest(c.target.store, (await onlyPending(c)).id, "approved", undefined, new Date());
    const final = await c.send(await pollReq(c, request, polled, "mac"), "heldir");
    expect([final.type, final.status], final.statusString).toEqual(["ip", PKIStatus.accepted]);
    expect(final.message.body.ip!.response[0]!.certReqId).toBe(0);
    expect(issuedCertificate(final)).toBeDefined();
  });

  it("another certReqId is badCertId", async () => {
    const c = await conformance(PROFILES);
    const request = await c.request(await certRequestBody("ir"));
    const waiting = await c.send(request, "heldir");
    expectRefusal(await c.send(await pollReq(c, request, waiting, "mac", 1), "heldir"), "error", "badCertId", /pollReq must ask for certReqId 0 or -1, once/);
  });
});
