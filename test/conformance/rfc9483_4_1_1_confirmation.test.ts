import { AsnConvert } from "@peculiar/asn1-schema";
import { beforeEach, describe, expect, it } from "vitest";
import { CertConfirmContent, CertStatus } from "../../src/asn1/cert_confirm_content.js";
import { ErrorMsgContent } from "../../src/asn1/error_msg_content.js";
import { PKIBody } from "../../src/asn1/pki_body.js";
import { PKIFreeText } from "../../src/asn1/pki_free_text.js";
import { PKIMessage } from "../../src/asn1/pki_message.js";
import { PKIFailureInfoBits, PKIStatusInfo } from "../../src/asn1/pki_status.js";
import type { CertificateRecord } from "../../src/ca/certificate_record.js";
import { digest } from "../../src/crypto/digest.js";
import { certRequestBody, confirm, conformance, issuedCertificate, p10crRequestBody, PKIStatus, type Answer, type Conformance } from "./harness.js";

// RFC 9483 §4.1.1 (and RFC 9810 §5.3.18, §5.3.21): certConf, and an error
// message from the client, after the ip. A wrong confirmation changes
// nothing, so the client may send a right one.

let c: Conformance;
beforeEach(async () => {
  c = await conformance();
});

/** An ir answered with a certificate awaiting confirmation. */
async function enrolled(): Promise<{ ir: Uint8Array; ip: Answer }> {
  const ir = await c.request(await certRequestBody("ir"));
  const ip = await c.send(ir);
  expect([ip.type, ip.status]).toEqual(["ip", PKIStatus.accepted]);
  return { ir, ip };
}

/** A certConf continuing `ir`'s transaction with one CertStatus built by `status`. */
async function certConfWith(ir: Uint8Array, ip: Answer, status: (certHash: ArrayBuffer) => CertStatus, header = {}) {
  const certHash = (await digest("SHA-256", issuedCertificate(ip)!)).slice().buffer as ArrayBuffer;
  const body = new Uint8Array(AsnConvert.serialize(new PKIBody({ certConf: new CertConfirmContent([status(certHash)]) })));
  const sent = AsnConvert.parse(ir, PKIMessage).header;
  return c.request(body, {
    header: { transactionID: new Uint8Array(sent.transactionID!), recipNonce: new Uint8Array(ip.message.header.senderNonce!), ...header },
  });
}

/** The status of the certificate `answer` carries, as recorded. */
async function recordStatus(answer: Answer): Promise<string | undefined> {
  const der = issuedCertificate(answer)!;
  const records = (await c.target.store.list<CertificateRecord>("cert/")).items.map((item) => item.value);
  return records.find((record) => record.der === Buffer.from(der).toString("base64"))?.status;
}

describe("RFC 9483 §4.1.1: certConf", () => {
  it("the conforming certConf gets pkiConf and confirms the certificate", async () => {
    const { ir, ip } = await enrolled();
    const answer = await c.send(await confirm(c, ir, ip));
    expect(answer.type).toBe("pkiconf");
    expect(await recordStatus(ip)).toBe("confirmed");
  });

  it("a certReqId other than the request's: error badRequest, the certificate still awaits its certConf", async () => {
    const { ir, ip } = await enrolled();
    const answer = await c.send(await certConfWith(ir, ip, (certHash) => new CertStatus({ certHash, certReqId: -1 })));
    expect([answer.type, answer.status, answer.failInfo]).toEqual(["error", PKIStatus.rejection, ["badRequest"]]);
    expect(answer.changed).toEqual([]);
    expect((await c.send(await confirm(c, ir, ip))).type).toBe("pkiconf");
  });

  it("status accepted with a failInfo is inconsistent: error badRequest", async () => {
    const { ir, ip } = await enrolled();
    const statusInfo = new PKIStatusInfo({ status: PKIStatus.accepted, failInfo: PKIFailureInfoBits.fromNames(["badPOP"]) });
    const answer = await c.send(await certConfWith(ir, ip, (certHash) => new CertStatus({ certHash, certReqId: 0, statusInfo })));
    expect([answer.type, answer.failInfo]).toEqual(["error", ["badRequest"]]);
    expect(answer.statusString).toContain("failInfo belongs only to a rejection");
    expect(answer.changed).toEqual([]);
  });

  it("a rejection with a failInfo is taken: pkiConf, the certificate never counts as issued", async () => {
    const { ir, ip } = await enrolled();
    const statusInfo = new PKIStatusInfo({ status: PKIStatus.rejection, failInfo: PKIFailureInfoBits.fromNames(["badCertTemplate"]) });
    const answer = await c.send(await certConfWith(ir, ip, (certHash) => new CertStatus({ certHash, certReqId: 0, statusInfo })));
    expect(answer.type).toBe("pkiconf");
    expect(await recordStatus(ip)).toBe("rejected");
  });

  it("a certConf that repeats the ir's senderNonce: error badSenderNonce, nothing changes", async () => {
    const { ir, ip } = await enrolled();
    const irNonce = new Uint8Array(AsnConvert.parse(ir, PKIMessage).header.senderNonce!);
    const answer = await c.send(await confirm(c, ir, ip, { header: { senderNonce: irNonce } }));
    expect([answer.type, answer.failInfo]).toEqual(["error", ["badSenderNonce"]]);
    expect(answer.changed).toEqual([]);
    expect((await c.send(await confirm(c, ir, ip))).type).toBe("pkiconf");
  });

  it("after an error answer the client echoes the senderNonce of the ip, not of the error: the error did not move the transaction", async () => {
    const { ir, ip } = await enrolled();
    const wrong = await c.send(await certConfWith(ir, ip, (certHash) => new CertStatus({ certHash, certReqId: 7 })));
    expect(wrong.type).toBe("error");
    const echoingError = await c.send(await confirm(c, ir, ip, { header: { recipNonce: new Uint8Array(wrong.message.header.senderNonce!) } }));
    expect([echoingError.type, echoingError.failInfo]).toEqual(["error", ["badRecipientNonce"]]);
    expect((await c.send(await confirm(c, ir, ip))).type).toBe("pkiconf");
  });

  it("after a p10cr (cp certReqId -1) certConf may name -1 or 0", async () => {
    for (const certReqId of [-1, 0]) {
      const p10cr = await c.request(await p10crRequestBody());
      const cp = await c.send(p10cr);
      expect([cp.type, cp.status, cp.message.body.cp!.response[0]!.certReqId]).toEqual(["cp", PKIStatus.accepted, -1]);
      const answer = await c.send(await certConfWith(p10cr, cp, (certHash) => new CertStatus({ certHash, certReqId })));
      expect(answer.type).toBe("pkiconf");
    }
  });
});

describe("RFC 9810 §5.3.21: an error message from the client", () => {
  function clientError(text: string) {
    return new Uint8Array(
      AsnConvert.serialize(
        new PKIBody({
          error: new ErrorMsgContent({
            pKIStatusInfo: new PKIStatusInfo({ status: PKIStatus.rejection, statusString: new PKIFreeText([text]), failInfo: PKIFailureInfoBits.fromNames(["badCertTemplate"]) }),
          }),
        }),
      ),
    );
  }

  it("after the ip: pkiConf, and the certificate counts as rejected (as a certConf rejection would)", async () => {
    const { ir, ip } = await enrolled();
    const sent = AsnConvert.parse(ir, PKIMessage).header;
    const error = await c.request(clientError("the certificate does not suit me"), {
      header: { transactionID: new Uint8Array(sent.transactionID!), recipNonce: new Uint8Array(ip.message.header.senderNonce!) },
    });
    const answer = await c.send(error);
    expect(answer.type).toBe("pkiconf");
    expect(await recordStatus(ip)).toBe("rejected");
    // The transaction is over: a certConf now is refused.
    expect((await c.send(await confirm(c, ir, ip))).failInfo).toEqual(["certConfirmed"]);
  });

  it("for a transaction this sender never started: error badRequest", async () => {
    const answer = await c.send(await c.request(clientError("?"), { header: { recipNonce: new Uint8Array(16).fill(3) } }));
    expect([answer.type, answer.failInfo]).toEqual(["error", ["badRequest"]]);
    expect(answer.changed).toEqual([]);
  });

  it("with a recipNonce that is not our last senderNonce: error badRecipientNonce, nothing changes", async () => {
    const { ir } = await enrolled();
    const sent = AsnConvert.parse(ir, PKIMessage).header;
    const error = await c.request(clientError("x"), { header: { transactionID: new Uint8Array(sent.transactionID!), recipNonce: new Uint8Array(16).fill(9) } });
    const answer = await c.send(error);
    expect([answer.type, answer.failInfo]).toEqual(["error", ["badRecipientNonce"]]);
    expect(answer.changed).toEqual([]);
  });
});
