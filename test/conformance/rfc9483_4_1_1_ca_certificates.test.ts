import { AsnConvert } from "@peculiar/asn1-schema";
import { beforeEach, describe, expect, it } from "vitest";
import type { PKIMessage } from "../../src/asn1/pki_message.js";
import { certRequestBody, conformance, PKIStatus, type Conformance } from "./harness.js";

// RFC 9483 §4.1.1 (ip: caPubs, extraCerts) and §3.3 (extraCerts): which CA
// certificates an answer carries. caPubs is for trust anchors only. The fixtures' CA is a self-signed root
// that issues directly; test/interop/ca_chain.test.ts covers a CA under a
// root with the real `openssl cmp`.

let c: Conformance;
beforeEach(async () => {
  c = await conformance();
});

const hex = (bytes: Uint8Array | ArrayBuffer) => Buffer.from(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes)).toString("hex");
const extraCerts = (message: PKIMessage) => (message.extraCerts ?? []).map((certificate) => hex(AsnConvert.serialize(certificate)));

describe("RFC 9483 §4.1.1: caPubs and extraCerts of a certificate answer", () => {
  it("MAC-protected ir: caPubs holds exactly the root; extraCerts the chain of the new certificate", async () => {
    const answer = await c.send(await c.request(await certRequestBody("ir")));
    expect([answer.type, answer.status]).toEqual(["ip", PKIStatus.accepted]);
    expect((answer.message.body.ip!.caPubs ?? []).map(hex)).toEqual([hex(c.caCertificate)]);
    expect(extraCerts(answer.message)).toEqual([hex(c.caCertificate)]);
  });

  it("signed ir: no caPubs (the signer has its anchors); extraCerts lead with the protection certificate", async () => {
    const answer = await c.send(await c.request(await certRequestBody("ir"), { protection: "signature" }));
    expect([answer.type, answer.status]).toEqual(["ip", PKIStatus.accepted]);
    expect(answer.message.body.ip!.caPubs).toBeUndefined();
    // The CA signs the answer: its certificate is the protection certificate.
    expect(extraCerts(answer.message)).toEqual([hex(c.caCertificate)]);
  });

  it("cr and kup never carry caPubs", async () => {
    const answer = await c.send(await c.request(await certRequestBody("cr"), { protection: "signature" }));
    expect([answer.type, answer.status]).toEqual(["cp", PKIStatus.accepted]);
    expect(answer.message.body.cp!.caPubs).toBeUndefined();
  });
});
