import { webcrypto } from "node:crypto";
import { describe, expect, it } from "vitest";
import { outgoingProtection, protectionAlgDer } from "../../src/client/outgoing_protection.js";

const randomBytes = (length: number) => webcrypto.getRandomValues(new Uint8Array(length));

describe("outgoingProtection (MAC)", () => {
  it("keeps the key of each message it protected, found by that message's protectionAlg", async () => {
    const protection = outgoingProtection({ mac: { reference: "dev", secret: "s3cret", iterations: 100 } }, randomBytes);
    const first = await protection.next();
    const second = await protection.next();
    const firstDer = protectionAlgDer(first.protectionAlg);
    expect(firstDer).not.toEqual(protectionAlgDer(second.protectionAlg)); // a fresh salt each message
    const key = protection.sentMacKey!(firstDer.slice())!;
    const data = new TextEncoder().encode("ProtectedPart");
    expect(await key.sign(data)).toEqual(await first.protect(data));
    expect(protection.sentMacKey!(Uint8Array.of(0x30, 0x00))).toBeUndefined();
  });
});
