import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { decodeCertificatesPem } from "../../src/asn1/pem.js";
import { encodeExplicit, encodeOctetAlignedBitString, encodeSequence, encodeTlv } from "../../src/asn1/der.js";
import { protectedPart } from "../../src/asn1/pki_message.js";
import { PKIFailureInfo } from "../../src/asn1/pki_failure_info.js";
import { decodeRequest, type DecodedRequest } from "../../src/cmp/decode.js";
import { lastResortAnswer } from "../../src/cmp/last_resort.js";
import { isMacProtection, prepareMac } from "../../src/crypto/mac_protection.js";
import { parseCertificate } from "../../src/crypto/parsed_certificate.js";
import { verifySignature } from "../../src/crypto/signature.js";
import { FIXTURES } from "../../fuzz/seeds.js";
import { makeTarget, material, SECRET, type Target } from "../../fuzz/target.js";
import { UNEXPECTED_ERROR } from "../../src/cmp/engine.js";

// DESIGN.md, "Errors are CMP messages", by construction: an exception from
// anywhere below the engine's entry (a store, a signer, a bug) still becomes
// an `error` PKIMessage, protected as the request's credentials allow, and
// handleCmp itself never throws.

const fixture = (name: string) => new Uint8Array(readFileSync(join(FIXTURES, `${name}.der`)));
const MAC_IR = fixture("ir-mac-1-ir");
const SIGNED_CR = fixture("cr-sig-1-cr");
const boom = () => Promise.reject(new TypeError("a bug below the engine"));

let target: Target;
beforeEach(async () => {
  target = await makeTarget();
  // The fixtures' own time, when their certificates and messageTime are valid.
  target.clock.now = decodeRequest(MAC_IR)!.message.header.messageTime!;
});

function errorOf(answer: DecodedRequest) {
  const info = answer.message.body.error!.pKIStatusInfo;
  return { failInfo: info.failInfo?.toNames() ?? [], text: info.statusString?.[0] };
}

async function macVerifies(answer: DecodedRequest): Promise<boolean> {
  const mac = await prepareMac(answer.message.header.protectionAlg!, new TextEncoder().encode(SECRET), 100_000);
  return mac.verify(protectedPart(answer.headerDer, answer.bodyDer), new Uint8Array(answer.message.protection!));
}

async function caSignatureVerifies(answer: DecodedRequest): Promise<boolean> {
  const ca = parseCertificate(decodeCertificatesPem(material("ca.pem"))[0]!);
  return verifySignature(ca.spki, answer.message.header.protectionAlg!, protectedPart(answer.headerDer, answer.bodyDer), new Uint8Array(answer.message.protection!));
}

describe("an unexpected exception below the engine", () => {
  it("after a MAC request is authenticated: systemFailure, MAC-protected with the request's secret, and logged", async () => {
    // An ir reads nothing on its way (message_store.ts): its one batch is what fails.
    target.store.get = boom;
    target.store.batch = boom;
    const answer = await target.handle(MAC_IR);
    const decoded = decodeRequest(answer.body)!;
    expect(answer.httpStatus).toBe(200);
    expect(decoded.type).toBe("error");
    expect(errorOf(decoded)).toEqual({ failInfo: ["systemFailure"], text: "internal error while handling the request" });
    expect(isMacProtection(decoded.message.header.protectionAlg!)).toBe(true);
    expect(await macVerifies(decoded)).toBe(true);
    expect(target.warnings.map((warning) => warning.message)).toContain(UNEXPECTED_ERROR);
  });

  it("while a signed request is being authenticated: systemFailure, signed by the CA", async () => {
    target.store.get = boom;
    const decoded = decodeRequest((await target.handle(SIGNED_CR)).body)!;
    expect(errorOf(decoded).failInfo).toEqual(["systemFailure"]);
    expect(await caSignatureVerifies(decoded)).toBe(true);
  });

  it("when the error answer cannot be signed either: the same error, unprotected, and the operator is told", async () => {
    target.store.get = boom;
    target.context.ca = { ...target.context.ca, signer: { ...target.context.ca.signer, algorithm: target.context.ca.signer.algorithm, publicKey: target.context.ca.signer.publicKey, sign: boom } };
    const answer = await target.handle(SIGNED_CR);
    const decoded = decodeRequest(answer.body)!;
    expect(answer.httpStatus).toBe(200);
    expect(errorOf(decoded).failInfo).toEqual(["systemFailure"]);
    expect(decoded.message.protection).toBeUndefined();
    expect(decoded.message.header.transactionID).toEqual(decodeRequest(SIGNED_CR)!.message.header.transactionID);
    expect(target.warnings.map((warning) => warning.message)).toContain("could not protect an error answer; it is sent unprotected");
  });

  it("when nothing of the context works: the fixed systemFailure answer, never a throw", async () => {
    target.context.now = () => {
      throw new TypeError("no clock");
    };
    const answer = await target.handle(MAC_IR);
    expect(answer.httpStatus).toBe(200);
    expect(answer.body).toEqual(lastResortAnswer());
    const decoded = decodeRequest(answer.body)!;
    expect(errorOf(decoded).failInfo).toEqual(["systemFailure"]);
    expect(PKIFailureInfo.systemFailure).toBe(25);
  });
});

describe("bad input found below the engine's own checks", () => {
  it("a body that is DER but not its type: badDataFormat after the MAC verified, MAC-protected, and nothing changes", async () => {
    const request = decodeRequest(MAC_IR)!;
    // ir [0] whose CertReqMessages is a SEQUENCE holding an INTEGER, not CertReqMsg.
    const body = encodeExplicit(0, encodeSequence([encodeTlv(0x02, [Uint8Array.of(1)])]));
    const mac = await prepareMac(request.message.header.protectionAlg!, new TextEncoder().encode(SECRET), 100_000);
    const bits = await mac.sign(protectedPart(request.headerDer, body));
    const message = encodeSequence([request.headerDer, body, encodeExplicit(0, encodeOctetAlignedBitString(bits))]);
    target.store.begin();
    const decoded = decodeRequest((await target.handle(message)).body)!;
    expect(errorOf(decoded).failInfo).toEqual(["badDataFormat"]);
    expect(errorOf(decoded).text).toMatch(/^the ir body is not valid DER: not a DER CertReqMessages/);
    expect(await macVerifies(decoded)).toBe(true);
    expect(await target.store.changedKeys()).toEqual([]);
    expect(target.warnings).toEqual([]);
  });
});
