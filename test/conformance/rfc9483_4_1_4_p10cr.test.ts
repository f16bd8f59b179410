import { beforeEach, describe, expect, it } from "vitest";
import { conformance, newKey, p10crRequestBody, PKIStatus, type Conformance } from "./harness.js";

// RFC 9483 §4.1.4: enrollment with a PKCS #10 CSR. The CSR's signature is
// its proof of possession and its content the template; what is wrong with
// the CSR is that request's failure: cp with status rejection (§4.1.1).

let c: Conformance;
beforeEach(async () => {
  c = await conformance();
});

describe("RFC 9483 §4.1.4: p10cr", () => {
  it("a v1 CSR: cp accepted with certReqId -1 (RFC 9810 §5.3.4)", async () => {
    const answer = await c.send(await c.request(await p10crRequestBody()));
    expect([answer.type, answer.status, answer.message.body.cp!.response[0]!.certReqId]).toEqual(["cp", PKIStatus.accepted, -1]);
  });

  for (const version of [1, 2]) {
    it(`a CSR of version ${version}: cp rejection badCertTemplate (RFC 2986 §4.1: version is 0), nothing stored`, async () => {
      const answer = await c.send(await c.request(await p10crRequestBody({ version })));
      expect([answer.type, answer.status, answer.failInfo]).toEqual(["cp", PKIStatus.rejection, ["badCertTemplate"]]);
      expect(answer.message.body.cp!.response[0]!.certReqId).toBe(-1);
      expect(answer.statusString).toContain(`version ${version}`);
      expect(answer.changed).toEqual([]);
    });
  }

  it("a CSR whose signature does not verify: cp rejection badPOP", async () => {
    const other = await newKey();
    const body = await p10crRequestBody();
    // Replace the signature's last bytes with another key's: still DER, no longer the CSR's own signature.
    const broken = body.slice();
    const tail = await other.sign(Uint8Array.of(1, 2, 3));
    broken.set(tail.subarray(tail.length - 8), broken.length - 8);
    const answer = await c.send(await c.request(broken));
    expect([answer.type, answer.status, answer.failInfo]).toEqual(["cp", PKIStatus.rejection, ["badPOP"]]);
    expect(answer.changed).toEqual([]);
  });
});
